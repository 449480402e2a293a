"""The counter's queue in GraphQL: tickets issued, called, moved and ended; today's queue.

House-scoped: agents and supervisors act only in their own house. Each mutation returns the
visit, the ticket and the log position of its last event.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

import strawberry

from api.auth import STAFF
from api.graphql.access import ADMIN, allowed, query
from api.graphql.commands import checked_command_id, counted
from api.graphql.context import DarInfo
from api.graphql.freshness import wait_for_position
from api.graphql.houses import house_code_of
from api.graphql.scalars import Position
from application.commands import Command
from application.counter.commands import (
    CallNextTicket,
    IssueTicket,
    ResumeTicket,
    TicketStep,
    TransferTicket,
)
from application.store import Outcome
from domain.counter.queue import TicketStatus
from domain.houses.house import house_id as house_id_of
from domain.shared.time import tunis_day
from projections.queue.view import TicketRow

C = TypeVar("C", bound=Command)


@strawberry.type(description="What a queue command did: the visit, its ticket, its position.")
class TicketResult:
    visit_id: strawberry.ID
    ticket: str
    position: Position
    replayed: bool


@strawberry.type(description="A ticket of today's queue.")
class QueueTicket:
    ticket: str
    visit_id: strawberry.ID
    line: str = strawberry.field(description="The line it waits in now.")
    priority: str | None
    status: str = strawberry.field(
        description="waiting, called, parked, no_show, walked_away or done"
    )
    counter: int | None
    for_counter: int | None = strawberry.field(description="Waits for that counter only.")
    issued_at: datetime
    waiting_since: datetime
    called_at: datetime | None
    waiting_seconds: int = strawberry.field(
        description="Issue to first call (to now while still waiting)."
    )
    handling_seconds: int | None = strawberry.field(
        description="From the call that started the service to its end, once ended."
    )

    @classmethod
    def of(cls, row: TicketRow, now: datetime) -> QueueTicket:
        """The GraphQL view of a row."""
        waited = (row.first_called_at or now) - row.issued_at
        return cls(
            ticket=row.label,
            visit_id=strawberry.ID(str(row.visit_id)),
            line=row.line,
            priority=row.priority,
            status=row.status,
            counter=row.counter,
            for_counter=row.for_counter,
            issued_at=row.issued_at,
            waiting_since=row.waiting_since,
            called_at=row.called_at,
            waiting_seconds=max(0, int(waited.total_seconds())),
            handling_seconds=(
                int((row.ended_at - row.called_at).total_seconds())
                if row.ended_at is not None and row.called_at is not None
                else None
            ),
        )


@strawberry.type(description="One line's waiting tickets, in the order they will be called.")
class LineQueue:
    line: str
    waiting: list[QueueTicket]
    longest_wait_seconds: int


@strawberry.type(description="A house's queue today.")
class HouseQueue:
    house_id: strawberry.ID
    day: str
    lines: list[LineQueue]
    serving: list[QueueTicket] = strawberry.field(description="Tickets at a counter now.")
    tickets: list[QueueTicket] = strawberry.field(description="Every ticket of the day.")


@strawberry.input
class IssueTicketInput:
    command_id: str
    house_id: strawberry.ID
    line: str
    priority: str | None = strawberry.field(
        default=None, description="elderly, disabled or pregnant"
    )


@strawberry.input
class CallNextTicketInput:
    command_id: str
    house_id: strawberry.ID
    counter: int
    lines: list[str] | None = strawberry.field(
        default=None, description="The lines to call from (default: every line)."
    )


@strawberry.input
class TicketInput:
    command_id: str
    house_id: strawberry.ID
    ticket: str


@strawberry.input
class ResumeTicketInput:
    command_id: str
    house_id: strawberry.ID
    ticket: str
    counter: int


@strawberry.input
class TransferTicketInput:
    command_id: str
    house_id: strawberry.ID
    ticket: str
    to_line: str | None = None
    to_counter: int | None = None


def _order(row: TicketRow) -> tuple[bool, datetime, str]:
    return (row.priority is None, row.waiting_since, row.label)


@strawberry.type
class CounterQueries:
    @query(STAFF | ADMIN, "Today's queue of a house (house staff: their own).")
    async def queue(
        self, info: DarInfo, house_id: strawberry.ID, at_least_position: Position | None = None
    ) -> HouseQueue:
        dar = info.context.dar
        code = await house_code_of(info.context, house_id)
        await wait_for_position(dar, [dar.read.queue_key], at_least_position)
        now = dar.clock.now()
        day = tunis_day(now)
        rows = await info.context.blocking(lambda: dar.read.queue.tickets(house_id_of(code), day))
        lines: dict[str, list[TicketRow]] = {}
        for row in rows:
            if row.status == TicketStatus.WAITING:
                lines.setdefault(row.line, []).append(row)
        return HouseQueue(
            house_id=house_id,
            day=day.isoformat(),
            lines=[
                LineQueue(
                    line=line,
                    waiting=[QueueTicket.of(r, now) for r in sorted(waiting, key=_order)],
                    longest_wait_seconds=max(
                        int((now - r.waiting_since).total_seconds()) for r in waiting
                    ),
                )
                for line, waiting in sorted(lines.items())
            ],
            serving=[QueueTicket.of(r, now) for r in rows if r.status == TicketStatus.CALLED],
            tickets=[QueueTicket.of(r, now) for r in rows],
        )


async def _run(  # noqa: PLR0913, PLR0917 - what every queue mutation varies in
    info: DarInfo,
    name: str,
    house: strawberry.ID,
    command_id: str,
    build: Callable[[str, str, str, str], C],
    handle: Callable[[C], Outcome],
) -> TicketResult:
    """Role, own house, key; build with (key, actor, house code, employee number) and run."""
    principal = info.context.authenticate()
    code = await house_code_of(info.context, house)
    command = build(checked_command_id(command_id), principal.actor, code, principal.subject)
    outcome = await counted(info.context, name, lambda: handle(command))
    return TicketResult(
        visit_id=strawberry.ID(outcome.values["visit_id"]),
        ticket=outcome.values["ticket"],
        position=Position(outcome.position),
        replayed=outcome.replayed,
    )


async def _ticket_step(info: DarInfo, name: str, step: str, input: TicketInput) -> TicketResult:
    return await _run(
        info,
        name,
        input.house_id,
        input.command_id,
        lambda key, actor, code, _: TicketStep(
            command_id=key, actor=actor, house_code=code, label=input.ticket, step=step
        ),
        info.context.dar.counter.step,
    )


@strawberry.type
class CounterMutations:
    @strawberry.mutation(
        description="Issue a ticket on a line (numbered per line and day).",
        permission_classes=allowed(STAFF),
    )
    async def issue_ticket(self, info: DarInfo, input: IssueTicketInput) -> TicketResult:
        return await _run(
            info,
            "issueTicket",
            input.house_id,
            input.command_id,
            lambda key, actor, code, _: IssueTicket(
                command_id=key,
                actor=actor,
                house_code=code,
                prefix=input.line,
                priority=input.priority,
            ),
            info.context.dar.counter.issue_ticket,
        )

    @strawberry.mutation(
        description="Call the next ticket to the caller's counter: priority, then longest wait.",
        permission_classes=allowed(STAFF),
    )
    async def call_next_ticket(self, info: DarInfo, input: CallNextTicketInput) -> TicketResult:
        return await _run(
            info,
            "callNextTicket",
            input.house_id,
            input.command_id,
            lambda key, actor, code, employee: CallNextTicket(
                command_id=key,
                actor=actor,
                house_code=code,
                counter=input.counter,
                employee_number=employee,
                prefixes=tuple(input.lines or ()),
            ),
            info.context.dar.counter.call_next,
        )

    @strawberry.mutation(
        description="Take a parked ticket up again at the caller's counter.",
        permission_classes=allowed(STAFF),
    )
    async def resume_ticket(self, info: DarInfo, input: ResumeTicketInput) -> TicketResult:
        return await _run(
            info,
            "resumeTicket",
            input.house_id,
            input.command_id,
            lambda key, actor, code, employee: ResumeTicket(
                command_id=key,
                actor=actor,
                house_code=code,
                label=input.ticket,
                counter=input.counter,
                employee_number=employee,
            ),
            info.context.dar.counter.resume,
        )

    @strawberry.mutation(
        description="Send the called ticket to another line, or another counter of its line.",
        permission_classes=allowed(STAFF),
    )
    async def transfer_ticket(self, info: DarInfo, input: TransferTicketInput) -> TicketResult:
        return await _run(
            info,
            "transferTicket",
            input.house_id,
            input.command_id,
            lambda key, actor, code, _: TransferTicket(
                command_id=key,
                actor=actor,
                house_code=code,
                label=input.ticket,
                to_prefix=input.to_line,
                to_counter=input.to_counter,
            ),
            info.context.dar.counter.transfer,
        )

    @strawberry.mutation(
        description="Announce the called ticket again.", permission_classes=allowed(STAFF)
    )
    async def recall_ticket(self, info: DarInfo, input: TicketInput) -> TicketResult:
        return await _ticket_step(info, "recallTicket", "recall", input)

    @strawberry.mutation(
        description="The called citizen did not come; frees the counter.",
        permission_classes=allowed(STAFF),
    )
    async def mark_no_show(self, info: DarInfo, input: TicketInput) -> TicketResult:
        return await _ticket_step(info, "markNoShow", "no_show", input)

    @strawberry.mutation(
        description="Set the ticket being served aside; frees the counter.",
        permission_classes=allowed(STAFF),
    )
    async def park_ticket(self, info: DarInfo, input: TicketInput) -> TicketResult:
        return await _ticket_step(info, "parkTicket", "park", input)

    @strawberry.mutation(
        description="Send a called or no-show ticket to the back of its line.",
        permission_classes=allowed(STAFF),
    )
    async def recycle_ticket(self, info: DarInfo, input: TicketInput) -> TicketResult:
        return await _ticket_step(info, "recycleTicket", "recycle", input)

    @strawberry.mutation(
        description="The citizen left before being served.", permission_classes=allowed(STAFF)
    )
    async def record_walk_away(self, info: DarInfo, input: TicketInput) -> TicketResult:
        return await _ticket_step(info, "recordWalkAway", "walk_away", input)

    @strawberry.mutation(
        description="The service is over; frees the counter.", permission_classes=allowed(STAFF)
    )
    async def end_visit(self, info: DarInfo, input: TicketInput) -> TicketResult:
        return await _ticket_step(info, "endVisit", "end_visit", input)
