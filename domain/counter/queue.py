"""A service line's queue for one business day: tickets issued, called, served, and their ends.

Vocabulary after Qmatic and NovoSGA. A ticket waits, is called to a counter, and ends served, as a
no-show, transferred to another line, or walked away; in between it may be recalled, parked and
resumed, recycled to the back of the queue, or transferred to another counter of the same line.
Waiting time runs from issue to the first call (to the last call when a no-show was recycled);
handling time from the call that started the service to its end.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from uuid import UUID

from domain.shared.acts import Act, DarAggregate
from domain.shared.errors import DarError, InvalidTransitionError, NotFoundError, ValidationError
from domain.shared.ids import natural_id

MAX_TICKETS_PER_DAY = 999


class TicketStateError(InvalidTransitionError):
    """The ticket is not in a state that allows this step."""


class QueueEmptyError(DarError):
    """No ticket is waiting for this counter."""

    code = "QUEUE_EMPTY"


class TicketStatus(StrEnum):
    """Where a ticket stands."""

    WAITING = "waiting"
    CALLED = "called"
    PARKED = "parked"
    NO_SHOW = "no_show"
    TRANSFERRED = "transferred"
    WALKED_AWAY = "walked_away"
    DONE = "done"


class PriorityReason(StrEnum):
    """Who is served first."""

    ELDERLY = "elderly"
    DISABLED = "disabled"
    PREGNANT = "pregnant"


def queue_id(house_id: UUID, prefix: str, day: date) -> UUID:
    """One queue per house, line and business day."""
    return natural_id("queue", str(house_id), prefix, day.isoformat())


def visit_id(house_id: UUID, day: date, label: str) -> UUID:
    """A visit is known by the ticket it started with; it keeps it across transfers."""
    return natural_id("visit", str(house_id), day.isoformat(), label)


@dataclass(frozen=True)
class Ticket:
    """One ticket in this queue."""

    label: str
    visit_id: UUID
    priority: str | None
    status: TicketStatus
    issued_at: datetime
    waiting_since: datetime
    counter: int | None = None  # the counter calling or serving it
    for_counter: int | None = None  # waiting for that counter only (a transfer)
    first_called_at: datetime | None = None
    called_at: datetime | None = None  # the call that started the current service
    ended_at: datetime | None = None
    waiting_ended_at: datetime | None = None
    no_show: bool = False

    @property
    def waiting_time(self) -> timedelta | None:
        """Issue to first call (to the last call after a recycled no-show)."""
        return None if self.waiting_ended_at is None else self.waiting_ended_at - self.issued_at

    @property
    def handling_time(self) -> timedelta | None:
        """From the call that started the service to its end."""
        if self.ended_at is None or self.called_at is None:
            return None
        return self.ended_at - self.called_at

    def callable_by(self, counter: int) -> bool:
        """Waiting, and not kept for another counter."""
        return self.status is TicketStatus.WAITING and self.for_counter in {None, counter}

    def order(self) -> tuple[bool, datetime, str]:
        """Priority tickets first, then the longest wait."""
        return (self.priority is None, self.waiting_since, self.label)


class Queue(DarAggregate):
    """The tickets of one service line of one house on one business day."""

    class Opened(DarAggregate.Created):
        house_id: UUID
        prefix: str
        day: date

    class TicketIssued(DarAggregate.Event):
        label: str
        visit_id: UUID
        priority: str | None

        def apply(self, aggregate: Queue) -> None:
            """A new ticket at the back of the queue (priority ones go first when called)."""
            aggregate.issued += 1
            aggregate.tickets[self.label] = Ticket(
                self.label,
                self.visit_id,
                self.priority,
                TicketStatus.WAITING,
                self.timestamp,
                self.timestamp,
            )

    class TicketCalled(DarAggregate.Event):
        label: str
        counter: int
        agent_id: UUID

        def apply(self, aggregate: Queue) -> None:
            """Called to a counter: the service starts."""
            aggregate.call(self.label, self.counter, self.timestamp)

    class TicketRecalled(DarAggregate.Event):
        label: str

        def apply(self, aggregate: Queue) -> None:
            """Announced again; nothing else changes."""

    class TicketMarkedNoShow(DarAggregate.Event):
        label: str

        def apply(self, aggregate: Queue) -> None:
            """The citizen did not come to the counter."""
            aggregate.set(self.label, status=TicketStatus.NO_SHOW, counter=None, no_show=True)

    class TicketParked(DarAggregate.Event):
        label: str

        def apply(self, aggregate: Queue) -> None:
            """Set aside at the counter (a missing document); the counter is free meanwhile."""
            aggregate.set(self.label, status=TicketStatus.PARKED)

    class TicketResumed(DarAggregate.Event):
        label: str
        counter: int
        agent_id: UUID

        def apply(self, aggregate: Queue) -> None:
            """Taken up again at a counter."""
            aggregate.set(self.label, status=TicketStatus.CALLED, counter=self.counter)

    class TicketRecycled(DarAggregate.Event):
        label: str

        def apply(self, aggregate: Queue) -> None:
            """Back to the end of the queue."""
            aggregate.set(
                self.label,
                status=TicketStatus.WAITING,
                counter=None,
                for_counter=None,
                waiting_since=self.timestamp,
            )

    class TicketTransferredToCounter(DarAggregate.Event):
        label: str
        to_counter: int

        def apply(self, aggregate: Queue) -> None:
            """Waits again, for that counter only, keeping its place by its first wait."""
            aggregate.set(
                self.label, status=TicketStatus.WAITING, counter=None, for_counter=self.to_counter
            )

    class TicketTransferredOut(DarAggregate.Event):
        label: str
        to_prefix: str

        def apply(self, aggregate: Queue) -> None:
            """Moved to another line of the house."""
            aggregate.set(self.label, status=TicketStatus.TRANSFERRED, counter=None)

    class TicketTransferredIn(DarAggregate.Event):
        label: str
        visit_id: UUID
        priority: str | None
        issued_at: datetime
        from_prefix: str

        def apply(self, aggregate: Queue) -> None:
            """Waits in this line now, behind those already waiting."""
            aggregate.tickets[self.label] = Ticket(
                self.label,
                self.visit_id,
                self.priority,
                TicketStatus.WAITING,
                self.issued_at,
                self.timestamp,
            )

    class TicketWalkedAway(DarAggregate.Event):
        label: str

        def apply(self, aggregate: Queue) -> None:
            """The citizen left before being served."""
            aggregate.set(self.label, status=TicketStatus.WALKED_AWAY, for_counter=None)

    class VisitEnded(DarAggregate.Event):
        label: str

        def apply(self, aggregate: Queue) -> None:
            """Served: the counter is free."""
            aggregate.set(self.label, status=TicketStatus.DONE, ended_at=self.timestamp)

    def __init__(self, house_id: UUID, prefix: str, day: date) -> None:
        self.house_id = house_id
        self.prefix = prefix
        self.day = day
        self.issued = 0
        self.tickets: dict[str, Ticket] = {}

    # --- applying (used by the events above) --------------------------------------------------

    def set(self, label: str, **changes: object) -> None:
        """Replace a ticket with some fields changed."""
        self.tickets[label] = replace(self.tickets[label], **changes)  # type: ignore[arg-type]

    def call(self, label: str, counter: int, at: datetime) -> None:
        """The state of a ticket after a call."""
        ticket = self.tickets[label]
        ends_wait = ticket.waiting_ended_at is None or ticket.no_show
        self.tickets[label] = replace(
            ticket,
            status=TicketStatus.CALLED,
            counter=counter,
            for_counter=None,
            first_called_at=ticket.first_called_at or at,
            called_at=at,
            waiting_ended_at=at if ends_wait else ticket.waiting_ended_at,
            no_show=False,
        )

    # --- deciding -------------------------------------------------------------------------------

    @classmethod
    def open(cls, house_id: UUID, prefix: str, day: date, act: Act) -> Queue:
        """The line's queue for the day, opened by its first ticket."""
        return cls._create(
            cls.Opened,
            id=queue_id(house_id, prefix, day),
            timestamp=act.at,
            actor=act.actor,
            command_id=act.command_id,
            house_id=house_id,
            prefix=prefix,
            day=day,
        )

    def issue(self, priority: str | None, act: Act) -> str:
        """A new ticket, numbered per line and day (A001, A002, …); its label."""
        if priority is not None:
            try:
                PriorityReason(priority)
            except ValueError:
                raise ValidationError("priority", "elderly, disabled or pregnant") from None
        if self.issued >= MAX_TICKETS_PER_DAY:
            raise ValidationError("prefix", f"this line has issued {MAX_TICKETS_PER_DAY} today")
        label = f"{self.prefix}{self.issued + 1:03d}"
        self._record(
            self.TicketIssued,
            act,
            label=label,
            visit_id=visit_id(self.house_id, self.day, label),
            priority=priority,
        )
        return label

    def next_for(self, counter: int) -> Ticket | None:
        """The ticket this counter calls next: priority first, then the longest wait."""
        waiting = [t for t in self.tickets.values() if t.callable_by(counter)]
        return min(waiting, key=Ticket.order, default=None)

    def call_ticket(self, label: str, counter: int, agent_id: UUID, act: Act) -> None:
        """Call a waiting ticket to the counter."""
        ticket = self.ticket(label)
        if not ticket.callable_by(counter):
            raise TicketStateError(f"{label} is {ticket.status.value}, not waiting for {counter}")
        self._record(self.TicketCalled, act, label=label, counter=counter, agent_id=agent_id)

    def recall(self, label: str, act: Act) -> None:
        """Announce a called ticket again."""
        self._require(label, TicketStatus.CALLED)
        self._record(self.TicketRecalled, act, label=label)

    def mark_no_show(self, label: str, act: Act) -> None:
        """The called citizen did not come."""
        self._require(label, TicketStatus.CALLED)
        self._record(self.TicketMarkedNoShow, act, label=label)

    def park(self, label: str, act: Act) -> None:
        """Set the ticket being served aside."""
        self._require(label, TicketStatus.CALLED)
        self._record(self.TicketParked, act, label=label)

    def resume(self, label: str, counter: int, agent_id: UUID, act: Act) -> None:
        """Take a parked ticket up again at a counter."""
        self._require(label, TicketStatus.PARKED)
        self._record(self.TicketResumed, act, label=label, counter=counter, agent_id=agent_id)

    def recycle(self, label: str, act: Act) -> None:
        """Send a called or no-show ticket to the back of the queue."""
        self._require(label, TicketStatus.CALLED, TicketStatus.NO_SHOW)
        self._record(self.TicketRecycled, act, label=label)

    def transfer_to_counter(self, label: str, to_counter: int, act: Act) -> None:
        """The called ticket waits for another counter of this line."""
        ticket = self._require(label, TicketStatus.CALLED)
        if ticket.counter == to_counter:
            raise ValidationError("toCounter", "the ticket is at that counter already")
        self._record(self.TicketTransferredToCounter, act, label=label, to_counter=to_counter)

    def transfer_out(self, label: str, to_prefix: str, act: Act) -> Ticket:
        """The called ticket leaves for another line; the ticket as it left."""
        ticket = self._require(label, TicketStatus.CALLED)
        if to_prefix == self.prefix:
            raise ValidationError("toLine", "the ticket is in that line already")
        self._record(self.TicketTransferredOut, act, label=label, to_prefix=to_prefix)
        return ticket

    def transfer_in(self, ticket: Ticket, from_prefix: str, act: Act) -> None:
        """A ticket transferred from another line joins this queue."""
        if ticket.label in self.tickets:
            raise TicketStateError(f"{ticket.label} is in this line already")
        self._record(
            self.TicketTransferredIn,
            act,
            label=ticket.label,
            visit_id=ticket.visit_id,
            priority=ticket.priority,
            issued_at=ticket.issued_at,
            from_prefix=from_prefix,
        )

    def walk_away(self, label: str, act: Act) -> None:
        """The citizen left before being served."""
        self._require(label, TicketStatus.WAITING, TicketStatus.PARKED)
        self._record(self.TicketWalkedAway, act, label=label)

    def end_visit(self, label: str, act: Act) -> None:
        """The service of the called ticket is over."""
        self._require(label, TicketStatus.CALLED)
        self._record(self.VisitEnded, act, label=label)

    def ticket(self, label: str) -> Ticket:
        """The ticket under that label, or NOT_FOUND."""
        found = self.tickets.get(label)
        if found is None:
            raise NotFoundError(f"no ticket {label} in line {self.prefix} today")
        return found

    def _require(self, label: str, *allowed: TicketStatus) -> Ticket:
        ticket = self.ticket(label)
        if ticket.status not in allowed:
            wanted = " or ".join(s.value for s in allowed)
            raise TicketStateError(f"{label} is {ticket.status.value}, not {wanted}")
        return ticket
