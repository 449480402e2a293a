"""Delegation grants and the `mayPerform` question in GraphQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import TypeVar
from uuid import UUID

import strawberry

from api.graphql.access import ADMIN, STAFF_AND_OVERSIGHT, allowed
from api.graphql.commands import CommandResult, checked_command_id, parse_id, run_command
from api.graphql.context import DarInfo
from api.graphql.freshness import wait_for_position
from api.graphql.houses import employee_of, house_code_of
from api.graphql.scalars import Position
from application.commands import Command
from application.delegation.commands import (
    AmendDelegation,
    GrantDelegation,
    ReinstateDelegation,
    RenewDelegation,
    RevokeDelegation,
    SuspendDelegation,
)
from application.store import Outcome
from domain.delegation.grant import DelegationGrant
from domain.delegation.policy import REFUSALS
from domain.partners.partner import partner_id
from domain.shared.errors import NotFoundError, ValidationError
from domain.shared.ids import natural_id
from domain.shared.money import Money
from domain.shared.time import tunis_day
from projections.directory.view import GrantRow

C = TypeVar("C", bound=Command)


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
    id: strawberry.ID
    house_id: strawberry.ID
    partner_id: strawberry.ID
    convention_reference: str
    convention_version: str
    services: list[str]
    starts_on: date
    ends_on: date
    may_collect: bool
    ceiling_millimes: int | None
    state: str = strawberry.field(description="active, suspended or revoked (dates decide expiry).")

    @classmethod
    def from_row(cls, row: GrantRow) -> Delegation:
        """The GraphQL view of a row."""
        return cls(
            id=strawberry.ID(str(row.grant_id)),
            house_id=strawberry.ID(str(row.house_id)),
            partner_id=strawberry.ID(str(row.partner_id)),
            convention_reference=row.convention_reference,
            convention_version=row.convention_version,
            services=list(row.services),
            starts_on=row.starts_on,
            ends_on=row.ends_on,
            may_collect=row.may_collect,
            ceiling_millimes=row.ceiling_millimes,
            state=row.state,
        )


@strawberry.type(
    description="The answer to mayPerform: allowed with what it relies on, or why not."
)
class MayPerformAnswer:
    allowed: bool
    reason: str | None = strawberry.field(description="The refusal's code, when refused.")
    message: str | None
    grant_id: strawberry.ID | None
    grant_version: int | None
    agent_id: strawberry.ID | None
    agent_version: int | None


@strawberry.input
class GrantDelegationInput:
    command_id: str
    house_id: strawberry.ID
    partner_code: str
    convention_reference: str
    convention_version: str
    signed_on: date
    services: list[str]
    starts_on: date
    ends_on: date
    may_collect: bool
    ceiling_millimes: int | None = None


@strawberry.input
class AmendDelegationInput:
    command_id: str
    grant_id: strawberry.ID
    added: list[str]
    removed: list[str]


@strawberry.input
class DelegationReasonInput:
    command_id: str
    grant_id: strawberry.ID
    reason: str


@strawberry.input
class ReinstateDelegationInput:
    command_id: str
    grant_id: strawberry.ID


@strawberry.input
class RenewDelegationInput:
    command_id: str
    grant_id: strawberry.ID
    ends_on: date
    convention_reference: str
    convention_version: str
    signed_on: date


async def _visible_grant(info: DarInfo, grant_id: strawberry.ID) -> UUID:
    """A grant's id, if it exists and (for house staff) belongs to their house."""
    uuid = parse_id(grant_id, "grantId")
    dar = info.context.dar
    grant = await info.context.blocking(lambda: dar.store.find(uuid, DelegationGrant))
    if grant is None:
        raise NotFoundError("no such delegation grant")
    await house_code_of(info.context, strawberry.ID(str(grant.house_id)))
    return uuid


@strawberry.type
class DelegationQueries:
    @strawberry.field(
        description="A house's delegation grants, by partner and state if given.",
        permission_classes=allowed(STAFF_AND_OVERSIGHT),
    )
    async def delegations(
        self,
        info: DarInfo,
        house_id: strawberry.ID,
        partner_code: str | None = None,
        state: str | None = None,
        at_least_position: Position | None = None,
    ) -> list[Delegation]:
        dar = info.context.dar
        await wait_for_position(dar, [dar.read.directory_key], at_least_position)
        await house_code_of(info.context, house_id)
        partner = partner_id(partner_code) if partner_code else None
        rows = await info.context.blocking(
            lambda: dar.read.directory.grants(UUID(house_id), partner, state)
        )
        return [Delegation.from_row(r) for r in rows]

    @strawberry.field(
        description="Grants not revoked whose last day falls within the next 30 days.",
        permission_classes=allowed(STAFF_AND_OVERSIGHT),
    )
    async def delegations_expiring(
        self, info: DarInfo, at_least_position: Position | None = None
    ) -> list[Delegation]:
        principal = info.context.authenticate()
        dar = info.context.dar
        await wait_for_position(dar, [dar.read.directory_key], at_least_position)
        today = dar.policy.today()
        rows = await info.context.blocking(lambda: dar.read.directory.expiring(today))
        houses = await info.context.blocking(dar.read.directory.houses)
        if principal.house is not None:
            own = {h.house_id for h in houses if h.code == principal.house}
            rows = [r for r in rows if r.house_id in own]
        return [Delegation.from_row(r) for r in rows]

    @strawberry.field(
        description="May this agent perform this service now (or at a past moment)?",
        permission_classes=allowed(STAFF_AND_OVERSIGHT),
    )
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
        house_code = await house_code_of(info.context, house_id)
        employee, _ = await employee_of(info.context, agent_id)
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
            return MayPerformAnswer(
                allowed=False,
                reason=refusal.code,
                message=refusal.message,
                grant_id=None,
                grant_version=None,
                agent_id=None,
                agent_version=None,
            )
        return MayPerformAnswer(
            allowed=True,
            reason=None,
            message=None,
            grant_id=strawberry.ID(str(permission.grant_id)),
            grant_version=permission.grant_version,
            agent_id=strawberry.ID(str(permission.agent_id)),
            agent_version=permission.agent_version,
        )


@strawberry.type
class DelegationMutations:
    @strawberry.mutation(
        description="Record a partner's delegation to a house (admin).",
        permission_classes=allowed(ADMIN),
    )
    async def grant_delegation(self, info: DarInfo, input: GrantDelegationInput) -> CommandResult:
        p = info.context.authenticate()
        code = await house_code_of(info.context, input.house_id)
        command = GrantDelegation(
            command_id=checked_command_id(input.command_id),
            actor=p.actor,
            grant_id=_grant_id_for(p.actor, input.command_id),
            house_code=code,
            partner_code=input.partner_code,
            convention_reference=input.convention_reference,
            convention_version=input.convention_version,
            signed_on=input.signed_on,
            services=tuple(input.services),
            starts_on=input.starts_on,
            ends_on=input.ends_on,
            may_collect=input.may_collect,
            ceiling_millimes=input.ceiling_millimes,
        )
        delegations = info.context.dar.delegations
        return await run_command(
            info.context, "grantDelegation", lambda: delegations.grant(command), "grant_id"
        )

    @strawberry.mutation(
        description="Add or remove named services (admin).", permission_classes=allowed(ADMIN)
    )
    async def amend_delegation(self, info: DarInfo, input: AmendDelegationInput) -> CommandResult:
        return await _on_grant(
            info,
            "amendDelegation",
            input.grant_id,
            input.command_id,
            lambda key, actor, grant: AmendDelegation(
                command_id=key,
                actor=actor,
                grant_id=grant,
                added=tuple(input.added),
                removed=tuple(input.removed),
            ),
            info.context.dar.delegations.amend,
        )

    @strawberry.mutation(
        description="Suspend a grant, with a reason (admin).", permission_classes=allowed(ADMIN)
    )
    async def suspend_delegation(
        self, info: DarInfo, input: DelegationReasonInput
    ) -> CommandResult:
        return await _on_grant(
            info,
            "suspendDelegation",
            input.grant_id,
            input.command_id,
            lambda key, actor, grant: SuspendDelegation(
                command_id=key, actor=actor, grant_id=grant, reason=input.reason
            ),
            info.context.dar.delegations.suspend,
        )

    @strawberry.mutation(
        description="Lift a suspension (admin).", permission_classes=allowed(ADMIN)
    )
    async def reinstate_delegation(
        self, info: DarInfo, input: ReinstateDelegationInput
    ) -> CommandResult:
        return await _on_grant(
            info,
            "reinstateDelegation",
            input.grant_id,
            input.command_id,
            lambda key, actor, grant: ReinstateDelegation(
                command_id=key, actor=actor, grant_id=grant
            ),
            info.context.dar.delegations.reinstate,
        )

    @strawberry.mutation(
        description="Extend a grant under a renewing convention (admin).",
        permission_classes=allowed(ADMIN),
    )
    async def renew_delegation(self, info: DarInfo, input: RenewDelegationInput) -> CommandResult:
        return await _on_grant(
            info,
            "renewDelegation",
            input.grant_id,
            input.command_id,
            lambda key, actor, grant: RenewDelegation(
                command_id=key,
                actor=actor,
                grant_id=grant,
                ends_on=input.ends_on,
                convention_reference=input.convention_reference,
                convention_version=input.convention_version,
                signed_on=input.signed_on,
            ),
            info.context.dar.delegations.renew,
        )

    @strawberry.mutation(
        description="End a grant for good (admin).", permission_classes=allowed(ADMIN)
    )
    async def revoke_delegation(self, info: DarInfo, input: DelegationReasonInput) -> CommandResult:
        return await _on_grant(
            info,
            "revokeDelegation",
            input.grant_id,
            input.command_id,
            lambda key, actor, grant: RevokeDelegation(
                command_id=key, actor=actor, grant_id=grant, reason=input.reason
            ),
            info.context.dar.delegations.revoke,
        )


async def _on_grant(  # noqa: PLR0913, PLR0917 - what every grant mutation varies in
    info: DarInfo,
    name: str,
    grant_id: strawberry.ID,
    command_id: str,
    build: Callable[[str, str, UUID], C],
    handle: Callable[[C], Outcome],
) -> CommandResult:
    """Check the role, find the grant (house staff: their own house's), build and run."""
    principal = info.context.authenticate()
    grant = await _visible_grant(info, grant_id)
    command = build(checked_command_id(command_id), principal.actor, grant)
    return await run_command(info.context, name, lambda: handle(command), "grant_id")


def _grant_id_for(actor: str, command_id: str) -> UUID:
    """The new grant's id follows from the command's key, so a retry names the same grant."""
    return natural_id("grant", actor, command_id)
