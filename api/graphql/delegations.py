"""Delegation grants and the `mayPerform` question in GraphQL (mutations: `delegation_commands`)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID

import strawberry

from api.graphql.access import STAFF_AND_OVERSIGHT, query
from api.graphql.context import DarInfo
from api.graphql.enums import GrantState
from api.graphql.rows import from_row
from api.graphql.scalars import Position
from domain.delegation.policy import REFUSALS
from domain.partners.partner import partner_id
from domain.shared.errors import ValidationError
from domain.shared.money import Money
from domain.shared.time import tunis_day


def moment_asked(at: datetime | None) -> datetime | None:
    """A moment to ask about carries its UTC offset, and falls on a day in Tunis and in UTC."""
    if at is None:
        return None
    message = "a date and time with its UTC offset, such as 2026-06-01T09:30:00+01:00"
    if at.utcoffset() is None:
        raise ValidationError("at", message)
    try:
        tunis_day(at)
        at.astimezone(UTC)
    except OverflowError:
        raise ValidationError("at", f"out of range: {message}") from None
    return at


@strawberry.type(description="A partner's delegation of named services to a house.")
class Delegation:
    grant_id: strawberry.ID = strawberry.field(name="id")
    house_id: strawberry.ID
    partner_id: strawberry.ID
    convention_reference: str
    convention_version: str
    services: list[str]
    starts_on: date
    ends_on: date
    may_collect: bool
    ceiling_millimes: int | None
    state: GrantState


@strawberry.type(
    description="The answer to mayPerform: allowed with what it relies on, or why not."
)
class MayPerformAnswer:
    allowed: bool
    reason: str | None = strawberry.field(description="The refusal's code, when refused.")
    message: str | None = None
    grant_id: strawberry.ID | None = None
    grant_version: int | None = None
    agent_id: strawberry.ID | None = None
    agent_version: int | None = None


@strawberry.type
class DelegationQueries:
    @query(STAFF_AND_OVERSIGHT, "A house's delegation grants, by partner and state if given.")
    async def delegations(
        self,
        info: DarInfo,
        house_id: strawberry.ID,
        partner_code: str | None = None,
        state: GrantState | None = None,
        at_least_position: Position | None = None,
    ) -> list[Delegation]:
        await info.context.caller().house_code_of(house_id)
        partner = partner_id(partner_code) if partner_code else None
        rows = await info.context.read(
            "directory",
            at_least_position,
            lambda r: r.directory.grants(UUID(house_id), partner, state),
        )
        return [from_row(Delegation, r) for r in rows]

    @query(STAFF_AND_OVERSIGHT, "Grants not revoked whose last day falls within the next 30 days.")
    async def delegations_expiring(
        self, info: DarInfo, at_least_position: Position | None = None
    ) -> list[Delegation]:
        principal = info.context.authenticate()
        today = info.context.dar.policy.today()
        rows, houses = await info.context.read(
            "directory",
            at_least_position,
            lambda r: (r.directory.expiring(today), r.directory.houses()),
        )
        if principal.house is not None:
            own = {h.house_id for h in houses if h.code == principal.house}
            rows = [r for r in rows if r.house_id in own]
        return [from_row(Delegation, r) for r in rows]

    @query(STAFF_AND_OVERSIGHT, "May this agent perform this service now (or at a past moment)?")
    async def may_perform(  # noqa: PLR0913, PLR0917 - GraphQL arguments
        self,
        info: DarInfo,
        house_id: strawberry.ID,
        agent_id: strawberry.ID,
        partner_code: str,
        service_code: str,
        amount: Money | None = None,
        at: datetime | None = None,
    ) -> MayPerformAnswer:
        at = moment_asked(at)
        house_code = await info.context.caller().house_code_of(house_id)
        employee, _ = await info.context.caller().employee_of(agent_id)
        policy = info.context.dar.policy
        try:
            permission = await info.context.blocking(
                lambda: policy.may_perform(
                    house_code=house_code,
                    employee_number=employee,
                    partner_code=partner_code,
                    service_code=service_code,
                    amount_millimes=amount.millimes if amount is not None else None,
                    at=at,
                )
            )
        except REFUSALS as refusal:  # any other error (STORE_BUSY, VALIDATION) is no answer
            return MayPerformAnswer(allowed=False, reason=refusal.code, message=refusal.message)
        return from_row(MayPerformAnswer, permission, allowed=True, reason=None, message=None)
