"""The queue's commands: each decides on today's queues of the house and the counters' desks."""

from __future__ import annotations

from collections.abc import Callable

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
    TicketCommand,
    TransferTicket,
    VisitTicket,
)
from application.counter.queues import queue_holding, todays_queue
from application.houses.commands import CloseCounter, HouseChanged
from application.houses.rooms import todays_room
from application.store import CommandRunner, Decision, EventStore, Outcome
from domain.counter import moves
from domain.counter.desk import CounterBusyError, Desk, desk_id
from domain.counter.queue import Queue, TicketStatus
from domain.houses.agent import Agent, agent_id
from domain.houses.house import CounterStateError, House, house_id
from domain.houses.room import CounterRoom
from domain.shared.acts import Act
from domain.shared.errors import ForbiddenError, NotFoundError, ValidationError
from domain.shared.time import tunis_day

Move = Callable[[Queue, str, Act], None]
"""A step on a ticket of a queue, at an act."""


class CounterService:
    """Tickets and visits, over the one event store."""

    def __init__(self, store: EventStore, runner: CommandRunner) -> None:
        self._store = store
        self._runner = runner

    def issue_ticket(self, command: IssueTicket) -> Outcome[VisitTicket]:
        """Record `TicketIssued` (opening the line's queue for the day on its first ticket)."""

        def decide(act: Act) -> Decision[VisitTicket]:
            house = self._house(command.house_code)
            if command.prefix not in house.lines:
                raise NotFoundError(f"no line {command.prefix} in this house")
            queue = self._queue(house, command.prefix, act) or Queue.open(
                house.id, command.prefix, tunis_day(act.at), act
            )
            label = queue.issue(command.priority, act)
            return Decision(aggregates=[queue], value=self._values(queue, label))

        return self._runner.run(command, decide, returns=VisitTicket)

    def call_next(self, command: CallNextTicket) -> Outcome[VisitTicket]:
        """Call the next ticket to the counter; a racing call makes this one decide again."""

        def decide(act: Act) -> Decision[VisitTicket]:
            house = self._house(command.house_code)
            agent, room = self._holder(house, command.counter, command.employee_number, act)
            prefixes = command.prefixes or tuple(sorted(house.lines))
            unknown = [p for p in prefixes if p not in house.lines]
            if unknown:
                raise NotFoundError(f"no line {unknown[0]} in this house")
            queues = [q for p in prefixes if (q := self._queue(house, p, act)) is not None]
            desk = self._desk(house, command.counter, act)
            queue, ticket = moves.call_next(queues, desk, agent.id, act)
            return Decision(
                aggregates=[queue, desk],
                value=VisitTicket(ticket.visit_id, ticket.label),
                reads={house.id: house.version, agent.id: agent.version, room.id: room.version},
            )

        return self._runner.run(command, decide, returns=VisitTicket)

    def recall(self, command: RecallTicket) -> Outcome[VisitTicket]:
        """Announce the called ticket again."""
        return self._move(command, Queue.recall)

    def mark_no_show(self, command: MarkNoShow) -> Outcome[VisitTicket]:
        """The called citizen did not come; frees the counter."""
        return self._move(command, Queue.mark_no_show, releasing=True)

    def park(self, command: ParkTicket) -> Outcome[VisitTicket]:
        """Set the ticket being served aside; frees the counter."""
        return self._move(command, Queue.park, releasing=True)

    def recycle(self, command: RecycleTicket) -> Outcome[VisitTicket]:
        """Send a called or no-show ticket to the back of its line; frees the counter if called."""
        return self._move(command, Queue.recycle, releasing=True)

    def record_walk_away(self, command: RecordWalkAway) -> Outcome[VisitTicket]:
        """The citizen left before being served."""
        return self._move(command, Queue.walk_away)

    def end_visit(self, command: EndVisit) -> Outcome[VisitTicket]:
        """The service is over; frees the counter."""
        return self._move(command, Queue.end_visit, releasing=True)

    def resume(self, command: ResumeTicket) -> Outcome[VisitTicket]:
        """Take a parked ticket up again at the agent's counter."""

        def decide(act: Act) -> Decision[VisitTicket]:
            house = self._house(command.house_code)
            agent, room = self._holder(house, command.counter, command.employee_number, act)
            queue = self._queue_holding(house, command.label, act)
            desk = self._desk(house, command.counter, act)
            moves.resume(queue, command.label, desk, agent.id, act)
            return Decision(
                aggregates=[queue, desk],
                value=self._values(queue, command.label),
                reads={house.id: house.version, agent.id: agent.version, room.id: room.version},
            )

        return self._runner.run(command, decide, returns=VisitTicket)

    def transfer(self, command: TransferTicket) -> Outcome[VisitTicket]:
        """To another line (it waits there, by its first issue time) or another counter."""
        if (command.to_prefix is None) == (command.to_counter is None):
            raise ValidationError("transfer", "name either another line or another counter")

        def decide(act: Act) -> Decision[VisitTicket]:
            house = self._house(command.house_code)
            queue = self._queue_holding(house, command.label, act)
            ticket = queue.ticket(command.label)
            desk = self._desk(house, ticket.counter or 0, act)
            changed: list[Queue | Desk] = [queue, desk]
            if command.to_counter is not None:
                if command.to_counter not in house.counters:
                    raise NotFoundError(f"no counter {command.to_counter} in this house")
                target = command.to_counter
                moves.release(
                    queue,
                    command.label,
                    desk,
                    act,
                    lambda: queue.transfer_to_counter(command.label, target, act),
                )
            else:
                prefix = command.to_prefix or ""
                if prefix not in house.lines:
                    raise NotFoundError(f"no line {prefix} in this house")
                other = self._queue(house, prefix, act) or Queue.open(
                    house.id, prefix, tunis_day(act.at), act
                )
                moves.release(
                    queue,
                    command.label,
                    desk,
                    act,
                    lambda: other.transfer_in(
                        queue.transfer_out(command.label, prefix, act), queue.prefix, act
                    ),
                )
                changed.append(other)
            return Decision(aggregates=changed, value=self._values(queue, command.label))

        return self._runner.run(command, decide, returns=VisitTicket)

    def close_counter(self, command: CloseCounter) -> Outcome[HouseChanged]:
        """Close a counter, open today, that serves nobody; an agent closes only the one it holds.

        The holder is checked on the room this decision saves, so a takeover committed since
        (closed and taken by another agent) makes the save stale and the decision, taken again,
        refuses the agent. Today's desk is declared as read (and calls declare today's room), so
        a call racing the closing makes one of the two fail with a conflict.
        """

        def decide(act: Act) -> Decision[HouseChanged]:
            house = self._house(command.house_code)
            if command.number not in house.counters:
                raise NotFoundError(f"no counter {command.number} in this house")
            room = todays_room(self._store, house, act.at)
            if room is None:
                raise CounterStateError(f"counter {command.number} is not open")
            if command.agent is not None:
                self._require_holder(room, command.number, command.agent)
            desk = self._store.find(desk_id(house.id, command.number, tunis_day(act.at)), Desk)
            if desk is not None and desk.serving is not None:
                msg = f"counter {command.number} is serving {desk.serving[1]}: end it first"
                raise CounterBusyError(msg)
            room.close_counter(command.number, act)
            reads = {desk.id: desk.version} if desk is not None else {}
            reads[house.id] = house.version
            return Decision(aggregates=[room], value=HouseChanged(house.id), reads=reads)

        return self._runner.run(command, decide, returns=HouseChanged)

    # --- looking things up ------------------------------------------------------------------------

    def _move(
        self, command: TicketCommand, move: Move, *, releasing: bool = False
    ) -> Outcome[VisitTicket]:
        """A step on a ticket; a releasing one, on a called ticket, frees its counter's desk."""

        def decide(act: Act) -> Decision[VisitTicket]:
            house = self._house(command.house_code)
            queue = self._queue_holding(house, command.label, act)
            ticket = queue.ticket(command.label)
            value = self._values(queue, command.label)
            if releasing and ticket.status is TicketStatus.CALLED:
                desk = self._desk(house, ticket.counter or 0, act)
                moves.release(
                    queue, command.label, desk, act, lambda: move(queue, ticket.label, act)
                )
                return Decision(aggregates=[queue, desk], value=value)
            move(queue, command.label, act)
            return Decision(aggregates=[queue], value=value)

        return self._runner.run(command, decide, returns=VisitTicket)

    @staticmethod
    def _values(queue: Queue, label: str) -> VisitTicket:
        return VisitTicket(queue.ticket(label).visit_id, label)

    def _house(self, code: str) -> House:
        return self._store.load(house_id(code), House, "house")

    def _holder(
        self, house: House, counter: int, employee_number: str, act: Act
    ) -> tuple[Agent, CounterRoom]:
        """The agent, who must hold that counter of the house today, and today's room."""
        if counter not in house.counters:
            raise NotFoundError(f"no counter {counter} in this house")
        agent = self._store.load(agent_id(employee_number), Agent, "agent")
        room = todays_room(self._store, house, act.at)
        if room is None or room.holder(counter) != agent.id:
            raise CounterStateError(f"counter {counter} is not open under this agent")
        return agent, room

    @staticmethod
    def _require_holder(room: CounterRoom, counter: int, employee_number: str) -> None:
        """An agent closes only the counter it holds (a closed one is refused as not open)."""
        holder = room.holder(counter)
        if holder is not None and holder != agent_id(employee_number):
            raise ForbiddenError("an agent closes only the counter it holds")

    def _queue(self, house: House, prefix: str, act: Act) -> Queue | None:
        return todays_queue(self._store, house, prefix, act.at)

    def _queue_holding(self, house: House, label: str, act: Act) -> Queue:
        return queue_holding(self._store, house, label, act.at)

    def _desk(self, house: House, counter: int, act: Act) -> Desk:
        """The counter's desk for the business day of the act."""
        day = tunis_day(act.at)
        found = self._store.find(desk_id(house.id, counter, day), Desk)
        return found or Desk.open(house.id, counter, day, act)
