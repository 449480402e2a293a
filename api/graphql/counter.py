"""The counter's queue in GraphQL: tickets issued, called, moved and ended; today's queue.

House-scoped: agents and supervisors act only in their own house. Each queue mutation returns
the visit, the ticket and the log position of its last event. `closeCounter` is here too: the
counter service decides it (an agent closes only the counter it holds).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from api.auth import STAFF, Role
from api.graphql.access import ADMIN, query
from api.graphql.caller import C, Caller
from api.graphql.context import DarInfo
from api.graphql.enums import PriorityReason, TicketStatus
from api.graphql.pipeline import CommandResult, InHouse, Submission, Submits, mutation
from api.graphql.rows import Answer, from_row
from api.graphql.scalars import Position
from application.counter.commands import (
    CallNextTicket,
    EndVisit,
    IssueTicket,
    MarkNoShow,
    ParkTicket,
    RecallTicket,
    RecordWalkAway,
    RecycleTicket,
    ResumeTicket,
    TransferTicket,
    VisitTicket,
)
from application.houses.commands import CloseCounter, HouseChanged
from domain.houses.house import house_id as house_id_of
from domain.shared.errors import ForbiddenError
from domain.shared.time import tunis_day
from projections.queue.view import TicketRow


@strawberry.type(description="What a queue command did: the visit, its ticket, its position.")
class TicketResult(Answer[VisitTicket]):
    visit_id: strawberry.ID
    ticket: str
    position: Position
    replayed: bool


@strawberry.type(description="A ticket of today's queue.")
class QueueTicket:
    ticket: str
    visit_id: strawberry.ID
    line: str = strawberry.field(description="The line it waits in now.")
    priority: PriorityReason | None
    status: TicketStatus
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
        handled = row.ended_at - row.called_at if row.ended_at and row.called_at else None
        return from_row(
            cls,
            row,
            ticket=row.label,
            waiting_seconds=max(0, int(waited.total_seconds())),
            handling_seconds=int(handled.total_seconds()) if handled is not None else None,
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


def _order(row: TicketRow) -> tuple[bool, datetime, str]:
    return (row.priority is None, row.waiting_since, row.label)


@strawberry.type
class CounterQueries:
    @query(STAFF | ADMIN, "Today's queue of a house (house staff: their own).")
    async def queue(
        self, info: DarInfo, house_id: strawberry.ID, at_least_position: Position | None = None
    ) -> HouseQueue:
        code = await info.context.caller().house_code_of(house_id)
        now = info.context.dar.clock.now()
        day = tunis_day(now)
        rows = await info.context.read(
            "queue", at_least_position, lambda r: r.queue.tickets(house_id_of(code), day)
        )
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


def _staff_member(caller: Caller) -> str:
    """The employee number of the agent or supervisor acting at a counter."""
    if caller.employee is None:  # pragma: no cover - the operations are open to house staff only
        raise ForbiddenError("house staff act at a counter")
    return caller.employee


@strawberry.input(description="A ticket to issue on a line, with the idempotency key.")
class IssueTicketInput(InHouse):
    line: str
    priority: PriorityReason | None = None

    async def to_command(self, caller: Caller) -> Submission[IssueTicket, VisitTicket]:
        """Issue the line's next ticket."""
        priority = self.priority.value if self.priority else None
        command = await self.in_house(caller, IssueTicket, prefix=self.line, priority=priority)
        return Submission(command, caller.dar.counter.issue_ticket)


@strawberry.input(description="The counter calling, and the lines it calls from.")
class CallNextTicketInput(InHouse):
    counter: int
    lines: list[str] | None = strawberry.field(
        default=None, description="The lines to call from (default: every line)."
    )

    async def to_command(self, caller: Caller) -> Submission[CallNextTicket, VisitTicket]:
        """Call the next ticket to the caller's counter."""
        staff, lines = _staff_member(caller), tuple(self.lines or ())
        command = await self.in_house(caller, CallNextTicket, employee_number=staff, prefixes=lines)
        return Submission(command, caller.dar.counter.call_next)


@strawberry.input(description="A ticket of today's queue, with the idempotency key.")
class TicketOfToday(InHouse):
    ticket: str

    async def on_ticket(self, caller: Caller, kind: type[C], /, **extras: Any) -> C:  # noqa: ANN401 - any field's value
        """The command `kind` on this ticket of the house."""
        return await self.in_house(caller, kind, label=self.ticket, **extras)


@strawberry.input(description="The called ticket to announce again.")
class RecallTicketInput(TicketOfToday):
    async def to_command(self, caller: Caller) -> Submission[RecallTicket, VisitTicket]:
        """Recall the ticket."""
        return Submission(await self.on_ticket(caller, RecallTicket), caller.dar.counter.recall)


@strawberry.input(description="The called ticket whose citizen did not come.")
class MarkNoShowInput(TicketOfToday):
    async def to_command(self, caller: Caller) -> Submission[MarkNoShow, VisitTicket]:
        """Mark the ticket a no-show."""
        command = await self.on_ticket(caller, MarkNoShow)
        return Submission(command, caller.dar.counter.mark_no_show)


@strawberry.input(description="The ticket being served, to set aside.")
class ParkTicketInput(TicketOfToday):
    async def to_command(self, caller: Caller) -> Submission[ParkTicket, VisitTicket]:
        """Park the ticket."""
        return Submission(await self.on_ticket(caller, ParkTicket), caller.dar.counter.park)


@strawberry.input(description="A called or no-show ticket to send to the back of its line.")
class RecycleTicketInput(TicketOfToday):
    async def to_command(self, caller: Caller) -> Submission[RecycleTicket, VisitTicket]:
        """Recycle the ticket."""
        return Submission(await self.on_ticket(caller, RecycleTicket), caller.dar.counter.recycle)


@strawberry.input(description="The ticket whose citizen left before being served.")
class RecordWalkAwayInput(TicketOfToday):
    async def to_command(self, caller: Caller) -> Submission[RecordWalkAway, VisitTicket]:
        """Record that the citizen walked away."""
        command = await self.on_ticket(caller, RecordWalkAway)
        return Submission(command, caller.dar.counter.record_walk_away)


@strawberry.input(description="The ticket whose service is over.")
class EndVisitInput(TicketOfToday):
    async def to_command(self, caller: Caller) -> Submission[EndVisit, VisitTicket]:
        """End the visit."""
        return Submission(await self.on_ticket(caller, EndVisit), caller.dar.counter.end_visit)


@strawberry.input(description="A parked ticket to take up again at the caller's counter.")
class ResumeTicketInput(TicketOfToday):
    counter: int

    async def to_command(self, caller: Caller) -> Submission[ResumeTicket, VisitTicket]:
        """Resume the ticket at the counter."""
        command = await self.on_ticket(caller, ResumeTicket, employee_number=_staff_member(caller))
        return Submission(command, caller.dar.counter.resume)


@strawberry.input(description="The called ticket, and the line or the counter it goes to.")
class TransferTicketInput(TicketOfToday):
    to_line: str | None = None
    to_counter: int | None = None

    async def to_command(self, caller: Caller) -> Submission[TransferTicket, VisitTicket]:
        """Transfer the ticket."""
        command = await self.on_ticket(caller, TransferTicket, to_prefix=self.to_line)
        return Submission(command, caller.dar.counter.transfer)


@strawberry.input(description="A counter to leave or close, with the idempotency key.")
class CloseCounterInput(InHouse):
    number: int

    async def to_command(self, caller: Caller) -> Submission[CloseCounter, HouseChanged]:
        """Close the counter; an agent closing names itself (it closes only the one it holds)."""
        agent = caller.employee if caller.role is Role.AGENT else None
        command = await self.in_house(caller, CloseCounter, agent=agent)
        return Submission(command, caller.dar.counter.close_counter)


def _queue_mutation(input_type: type[Submits[VisitTicket]], description: str) -> Any:  # noqa: ANN401 - a strawberry field
    """A mutation of today's queue: house staff only, answered with the visit and its ticket."""
    return mutation(input_type, TicketResult, STAFF, description)


@strawberry.type
class CounterMutations:
    issue_ticket = _queue_mutation(
        IssueTicketInput, "Issue a ticket on a line (numbered per line and day)."
    )
    call_next_ticket = _queue_mutation(
        CallNextTicketInput,
        "Call the next ticket to the caller's counter: priority, then longest wait.",
    )
    recall_ticket = _queue_mutation(RecallTicketInput, "Announce the called ticket again.")
    mark_no_show = _queue_mutation(
        MarkNoShowInput, "The called citizen did not come; frees the counter."
    )
    park_ticket = _queue_mutation(
        ParkTicketInput, "Set the ticket being served aside; frees the counter."
    )
    resume_ticket = _queue_mutation(
        ResumeTicketInput, "Take a parked ticket up again at the caller's counter."
    )
    recycle_ticket = _queue_mutation(
        RecycleTicketInput, "Send a called or no-show ticket to the back of its line."
    )
    transfer_ticket = _queue_mutation(
        TransferTicketInput,
        "Send the called ticket to another line, or another counter of its line.",
    )
    record_walk_away = _queue_mutation(RecordWalkAwayInput, "The citizen left before being served.")
    end_visit = _queue_mutation(EndVisitInput, "The service is over; frees the counter.")
    close_counter = mutation(
        CloseCounterInput,
        CommandResult,
        ADMIN | STAFF,
        "Leave a counter (its agent), or close it (the house's supervisor, admin).",
    )
