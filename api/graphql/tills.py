"""Tills in GraphQL: an agent's cash drawer opened, closed with a count, its discrepancy reviewed.

An agent opens and closes its own till (in the house of its token); the house's supervisor may
close any till of the house and reviews discrepancies, never of a till it closed itself. Agents
list their own tills; supervisors their house's; administrators, auditors and the governance
office any house's. Refunds awaiting approval are listed to the house's staff and to oversight.
"""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from api.auth import STAFF, Role
from api.graphql.access import STAFF_AND_AUDIT, STAFF_AND_OVERSIGHT, query
from api.graphql.caller import Caller, parse_id
from api.graphql.context import DarInfo
from api.graphql.enums import Method, TillStatus
from api.graphql.pipeline import Submission, mutation
from api.graphql.rows import Answer, from_row
from api.graphql.scalars import Position
from application.payments.till_commands import (
    CloseTill,
    OpenTill,
    ReviewTillDiscrepancy,
    TillChanged,
)
from domain.shared.errors import ValidationError
from domain.shared.money import Money
from projections.payments.view import RefundRow
from projections.tills.view import TillRow

MAX_COUNT_LINES = 50  # far more than there are denominations


@strawberry.type(description="An agent's till of one shift: its float, cash in and out, count.")
class Till:
    till_id: strawberry.ID = strawberry.field(name="id")
    house_id: strawberry.ID
    employee_number: str
    business_date: date
    shift: int = strawberry.field(description="The agent's shift of the day, from 1.")
    status: TillStatus
    float_: Money = strawberry.field(name="float", description="The change put in at the opening.")
    cash_in: Money
    cash_out: Money
    expected: Money = strawberry.field(description="float + cash in - cash out.")
    payments: int = strawberry.field(description="Cash payments taken into the till.")
    refunds: int = strawberry.field(description="Cash refunds paid out of the till.")
    counted: Money | None = strawberry.field(description="The cash counted at the close.")
    discrepancy: Money | None = strawberry.field(
        description="Counted - expected at the close (negative: cash missing)."
    )
    count: str | None = strawberry.field(
        description='The pieces counted, by denomination: "50.000x2 0.500x1".'
    )
    reason: str | None = strawberry.field(description="Why the count differs, as given.")
    opened_at: datetime
    closed_at: datetime | None
    closed_by: str | None
    reviewed_at: datetime | None
    reviewed_by: str | None
    review_note: str | None
    position: Position


@strawberry.type(description="A refund asked for, waiting for a second person's approval.")
class PendingRefund:
    payment_id: strawberry.ID
    refund_id: str
    house_id: strawberry.ID
    partner_code: str
    method: Method
    amount: Money
    requested_by: str
    position: Position


@strawberry.type(description="What a till command did.")
class TillResult(Answer[TillChanged]):
    till_id: strawberry.ID = strawberry.field(name="id")
    position: Position
    replayed: bool


def _staff(caller: Caller) -> tuple[str, str]:
    """House staff act on tills in the house of their token: the house and their number."""
    if caller.house_code is None or caller.employee is None:
        raise ValidationError("role", "tills are kept by a house's staff")
    return caller.house_code, caller.employee


@strawberry.input(description="Open the caller's till for its shift, with a float.")
class OpenTillInput:
    command_id: str
    float_: Money = strawberry.field(
        name="float", description="The change put in the drawer at the opening."
    )

    async def to_command(self, caller: Caller) -> Submission[OpenTill, TillChanged]:
        """The caller's own till, at its house."""
        house, employee = _staff(caller)
        command = caller.command(
            OpenTill,
            self,
            house_code=house,
            employee_number=employee,
            float_millimes=self.float_.millimes,
        )
        return Submission(command, caller.dar.tills.open_till)


@strawberry.input(description="How many notes or coins of one denomination were counted.")
class CountedPiecesInput:
    value: Money = strawberry.field(description='The denomination, such as "20.000" or "0.500".')
    pieces: int


@strawberry.input(description="Close a till with the cash counted, by denomination.")
class CloseTillInput:
    command_id: str
    till_id: strawberry.ID
    count: list[CountedPiecesInput]
    reason: str | None = strawberry.field(
        default=None, description="Required when the count differs from the expected cash."
    )

    async def to_command(self, caller: Caller) -> Submission[CloseTill, TillChanged]:
        """An agent closes its own till; the supervisor any of the house."""
        house, employee = _staff(caller)
        if len(self.count) > MAX_COUNT_LINES:
            raise ValidationError("count", f"at most {MAX_COUNT_LINES} lines")
        pieces: dict[int, int] = {}
        for line in self.count:
            pieces[line.value.millimes] = pieces.get(line.value.millimes, 0) + line.pieces
        command = caller.command(
            CloseTill,
            self,
            house_code=house,
            till_id=parse_id(self.till_id, "tillId"),
            count=tuple(sorted(pieces.items(), reverse=True)),
            agent=employee if caller.role is Role.AGENT else None,
        )
        return Submission(command, caller.dar.tills.close_till)


@strawberry.input(description="Review the discrepancy of a till closed by someone else.")
class ReviewTillDiscrepancyInput:
    command_id: str
    till_id: strawberry.ID
    note: str

    async def to_command(self, caller: Caller) -> Submission[ReviewTillDiscrepancy, TillChanged]:
        """A supervisor of the till's house."""
        house, _ = _staff(caller)
        command = caller.command(
            ReviewTillDiscrepancy, self, house_code=house, till_id=parse_id(self.till_id, "tillId")
        )
        return Submission(command, caller.dar.tills.review_discrepancy)


def _till(row: TillRow) -> Till:
    return from_row(
        Till,
        row,
        float_=Money(row.float_millimes),
        counted=_money(row.counted_millimes),
        discrepancy=_money(row.discrepancy_millimes),
    )


def _money(millimes: int | None) -> Money | None:
    return None if millimes is None else Money(millimes)


@strawberry.type
class TillQueries:
    @query(
        STAFF_AND_AUDIT,
        "A house's tills opened on a business day (Tunis); an agent sees only its own.",
    )
    async def tills(
        self,
        info: DarInfo,
        house_id: strawberry.ID,
        business_date: date,
        at_least_position: Position | None = None,
    ) -> list[Till]:
        caller = info.context.caller()
        await caller.house_code_of(house_id)  # staff: only their own house
        house = parse_id(house_id, "houseId")
        rows = await info.context.read(
            "tills", at_least_position, lambda r: r.tills.of_day(house, business_date)
        )
        if caller.role is Role.AGENT:
            rows = [r for r in rows if r.employee_number == caller.employee]
        return [_till(r) for r in rows]

    @query(STAFF_AND_OVERSIGHT, "A house's refunds asked for and not yet approved, oldest first.")
    async def refunds_awaiting_approval(
        self, info: DarInfo, house_id: strawberry.ID, at_least_position: Position | None = None
    ) -> list[PendingRefund]:
        await info.context.caller().house_code_of(house_id)  # staff: only their own house
        house = parse_id(house_id, "houseId")
        rows: list[RefundRow] = await info.context.read(
            "payments", at_least_position, lambda r: r.payments.awaiting_approval(house)
        )
        return [from_row(PendingRefund, r) for r in rows]


@strawberry.type
class TillMutations:
    open_till = mutation(
        OpenTillInput,
        TillResult,
        STAFF,
        "Open the caller's till for its shift with a float; cash is taken only into an open till.",
    )
    close_till = mutation(
        CloseTillInput,
        TillResult,
        STAFF,
        "Close a till with the cash counted by denomination (an agent: its own; a supervisor: "
        "any of the house); a discrepancy needs a reason.",
    )
    review_till_discrepancy = mutation(
        ReviewTillDiscrepancyInput,
        TillResult,
        frozenset({Role.SUPERVISOR}),
        "Review a till's discrepancy (never one the caller closed).",
    )
