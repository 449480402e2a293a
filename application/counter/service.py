"""The queue's commands: each decides on today's queues of the house and the counters' desks."""

from __future__ import annotations

from collections.abc import Callable

from application.counter.commands import (
    CallNextTicket,
    IssueTicket,
    ResumeTicket,
    TicketStep,
    TransferTicket,
)
from application.counter.queues import queue_holding, todays_queue
from application.houses.commands import CloseCounter
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

STEPS = ("recall", "no_show", "park", "recycle", "walk_away", "end_visit")


class CounterService:
    """Tickets and visits, over the one event store."""

    def __init__(self, store: EventStore, runner: CommandRunner) -> None:
        self._store = store
        self._runner = runner

    def issue_ticket(self, command: IssueTicket) -> Outcome:
        """Record `TicketIssued` (opening the line's queue for the day on its first ticket)."""

        def decide(act: Act) -> Decision:
            house = self._house(command.house_code)
            if command.prefix not in house.lines:
                raise NotFoundError(f"no line {command.prefix} in this house")
            queue = self._queue(house, command.prefix, act) or Queue.open(
                house.id, command.prefix, tunis_day(act.at), act
            )
            label = queue.issue(command.priority, act)
            ticket = queue.tickets[label]
            return Decision(
                aggregates=[queue],
                value={"visit_id": str(ticket.visit_id), "ticket": label},
            )

        return self._runner.run(command, decide)

    def call_next(self, command: CallNextTicket) -> Outcome:
        """Call the next ticket to the counter; a racing call makes this one decide again."""

        def decide(act: Act) -> Decision:
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
                value={"visit_id": str(ticket.visit_id), "ticket": ticket.label},
                reads={house.id: house.version, agent.id: agent.version, room.id: room.version},
            )

        return self._runner.run(command, decide)

    def step(self, command: TicketStep) -> Outcome:
        """Recall, no-show, park, recycle, walk away or end a visit; frees the counter if served."""
        if command.step not in STEPS:
            raise ValidationError("step", ", ".join(STEPS))

        def decide(act: Act) -> Decision:
            house = self._house(command.house_code)
            queue = self._queue_holding(house, command.label, act)
            ticket = queue.ticket(command.label)
            run = self._step_of(queue, command, act)
            if command.step in moves.RELEASING and ticket.status is TicketStatus.CALLED:
                desk = self._desk(house, ticket.counter or 0, act)
                moves.release(queue, command.label, desk, act, run)
                changed: list[Queue | Desk] = [queue, desk]
            else:
                run()
                changed = [queue]
            return Decision(aggregates=changed, value=self._values(queue, command.label))

        return self._runner.run(command, decide)

    def resume(self, command: ResumeTicket) -> Outcome:
        """Take a parked ticket up again at the agent's counter."""

        def decide(act: Act) -> Decision:
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

        return self._runner.run(command, decide)

    def transfer(self, command: TransferTicket) -> Outcome:
        """To another line (it waits there, by its first issue time) or another counter."""
        if (command.to_prefix is None) == (command.to_counter is None):
            raise ValidationError("transfer", "name either another line or another counter")

        def decide(act: Act) -> Decision:
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

        return self._runner.run(command, decide)

    def close_counter(self, command: CloseCounter) -> Outcome:
        """Close a counter, open today, that serves nobody; an agent closes only the one it holds.

        The holder is checked on the room this decision saves, so a takeover committed since
        (closed and taken by another agent) makes the save stale and the decision, taken again,
        refuses the agent. Today's desk is declared as read (and calls declare today's room), so
        a call racing the closing makes one of the two fail with a conflict.
        """

        def decide(act: Act) -> Decision:
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
            return Decision(aggregates=[room], value={"house_id": str(house.id)}, reads=reads)

        return self._runner.run(command, decide)

    # --- looking things up ------------------------------------------------------------------------

    def _step_of(self, queue: Queue, command: TicketStep, act: Act) -> Callable[[], None]:
        label = command.label
        return {
            "recall": lambda: queue.recall(label, act),
            "no_show": lambda: queue.mark_no_show(label, act),
            "park": lambda: queue.park(label, act),
            "recycle": lambda: queue.recycle(label, act),
            "walk_away": lambda: queue.walk_away(label, act),
            "end_visit": lambda: queue.end_visit(label, act),
        }[command.step]

    @staticmethod
    def _values(queue: Queue, label: str) -> dict[str, str]:
        return {"visit_id": str(queue.ticket(label).visit_id), "ticket": label}

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
