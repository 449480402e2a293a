"""A state machine over two lines' queues and two counters' desks against a reference model.

A counter calls across the lines it serves (one, or both in either order), and a called ticket
may be transferred to the other line. Invariants after every step: a counter serves at most one
ticket and its desk says which; the domain refuses exactly what the model refuses; the next ticket
called is the model's (priority first, then the longest wait, across the lines called); waiting
and handling times are never negative; replaying the events rebuilds the live queues and desks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar
from uuid import UUID, uuid4

from eventsourcing.domain import CanMutateAggregate
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from domain.counter import moves
from domain.counter.desk import Desk
from domain.counter.queue import Queue, TicketStatus
from domain.shared.acts import Act
from domain.shared.errors import DarError

A = TypeVar("A", Queue, Desk)
COUNTERS = (1, 2)
LINES = ("A", "B")
# what a counter calls across: one line, or both in either order
CALLED_LINES = (("A",), ("B",), ("A", "B"), ("B", "A"))
AGENT = uuid4()
Key = tuple[str, str]  # (line, label): a ticket transferred to another line keeps its label


@dataclass
class ModelTicket:
    line: str
    label: str
    priority: bool
    status: str = "waiting"
    since: int = 0  # the step at which it started waiting
    counter: int | None = None
    for_counter: int | None = None


class QueueMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
        self.step = 0
        house = uuid4()
        self.queues = {p: Queue.open(house, p, date(2026, 1, 5), self.act()) for p in LINES}
        self.desks = {c: Desk.open(house, c, date(2026, 1, 5), self.act()) for c in COUNTERS}
        self.events: dict[UUID, list[CanMutateAggregate[UUID]]] = {}
        for aggregate in (*self.queues.values(), *self.desks.values()):
            self.events[aggregate.id] = list(aggregate.collect_events())
        self.model: dict[Key, ModelTicket] = {}
        self.issued = dict.fromkeys(LINES, 0)

    def act(self) -> Act:
        return Act(actor="agent:A17", command_id=str(uuid4()), at=self.now)

    def attempt(self, allowed: bool, call: Callable[[], object]) -> bool:  # noqa: FBT001
        try:
            call()
        except DarError as error:
            assert not allowed, f"the domain refused what the model allows: {error}"  # noqa: PT017
            self.discard_undecided()  # as the application does: a refused decision is dropped
            return False
        assert allowed, "the domain allowed what the model refuses"
        for aggregate in (*self.queues.values(), *self.desks.values()):
            self.events[aggregate.id].extend(aggregate.collect_events())
        return True

    def discard_undecided(self) -> None:
        self.queues = {p: self.replay(q.id, Queue) for p, q in self.queues.items()}
        self.desks = {c: self.replay(d.id, Desk) for c, d in self.desks.items()}

    def replay(self, aggregate_id: UUID, kind: type[A]) -> A:
        replayed = None
        for event in self.events[aggregate_id]:
            replayed = event.mutate(replayed)
        assert isinstance(replayed, kind)
        return replayed

    def serving(self, counter: int) -> ModelTicket | None:
        return next(
            (t for t in self.model.values() if t.status == "called" and t.counter == counter),
            None,
        )

    def model_next(self, counter: int, lines: tuple[str, ...]) -> ModelTicket | None:
        waiting = [
            t
            for t in self.model.values()
            if t.line in lines and t.status == "waiting" and t.for_counter in {None, counter}
        ]
        return min(waiting, key=lambda t: (not t.priority, t.since, t.label), default=None)

    def keys(self) -> st.SearchStrategy[Key]:
        return st.sampled_from(sorted(self.model) or [("A", "A001")])

    @rule(line=st.sampled_from(LINES), priority=st.booleans())
    def issue(self, line: str, priority: bool) -> None:  # noqa: FBT001
        label = f"{line}{self.issued[line] + 1:03d}"
        if self.attempt(
            True,  # noqa: FBT003
            lambda: self.queues[line].issue("elderly" if priority else None, self.act()),
        ):
            self.issued[line] += 1
            self.model[line, label] = ModelTicket(line, label, priority, since=self.step)

    @rule(counter=st.sampled_from(COUNTERS), lines=st.sampled_from(CALLED_LINES))
    def call_next(self, counter: int, lines: tuple[str, ...]) -> None:
        expected = self.model_next(counter, lines)
        allowed = expected is not None and self.serving(counter) is None
        queues = [self.queues[line] for line in lines]
        result: list[Key] = []

        def call() -> None:
            queue, ticket = moves.call_next(queues, self.desks[counter], AGENT, self.act())
            result.append((queue.prefix, ticket.label))

        if self.attempt(allowed, call):
            assert expected is not None
            assert result == [(expected.line, expected.label)], "not the model's next ticket"
            expected.status, expected.counter, expected.for_counter = "called", counter, None

    @rule(data=st.data(), step=st.sampled_from(moves.RELEASING))
    def release(self, data: st.DataObject, step: str) -> None:
        line, label = key = data.draw(self.keys())
        queue = self.queues[line]
        ticket = self.model.get(key)
        allowed_from = {"called", "no_show"} if step == "recycle" else {"called"}
        allowed = ticket is not None and ticket.status in allowed_from
        to_counter = 2 if ticket is not None and ticket.counter == 1 else 1
        counter = ticket.counter if ticket is not None and ticket.counter else 1
        call = {
            "no_show": lambda: queue.mark_no_show(label, self.act()),
            "park": lambda: queue.park(label, self.act()),
            "recycle": lambda: queue.recycle(label, self.act()),
            "transfer_to_counter": lambda: queue.transfer_to_counter(label, to_counter, self.act()),
            "end_visit": lambda: queue.end_visit(label, self.act()),
        }[step]
        if self.attempt(
            allowed, lambda: moves.release(queue, label, self.desks[counter], self.act(), call)
        ):
            assert ticket is not None
            match step:
                case "no_show":
                    ticket.status, ticket.counter = "no_show", None
                case "park":
                    ticket.status = "parked"
                case "recycle":
                    ticket.status, ticket.counter, ticket.since = "waiting", None, self.step
                    ticket.for_counter = None
                case "transfer_to_counter":
                    ticket.status, ticket.counter, ticket.for_counter = "waiting", None, to_counter
                case _:
                    ticket.status = "done"

    @rule(data=st.data())
    def transfer_to_the_other_line(self, data: st.DataObject) -> None:
        line, label = key = data.draw(self.keys())
        ticket = self.model.get(key)
        other = next(p for p in LINES if p != line)
        allowed = (
            ticket is not None and ticket.status == "called" and (other, label) not in self.model
        )
        counter = ticket.counter if ticket is not None and ticket.counter else 1
        queue, target = self.queues[line], self.queues[other]

        def transfer() -> None:
            target.transfer_in(queue.transfer_out(label, other, self.act()), line, self.act())

        if self.attempt(
            allowed, lambda: moves.release(queue, label, self.desks[counter], self.act(), transfer)
        ):
            assert ticket is not None
            ticket.status, ticket.counter = "transferred", None
            moved = ModelTicket(other, label, ticket.priority, since=self.step)
            self.model[other, label] = moved

    @rule(data=st.data(), counter=st.sampled_from(COUNTERS))
    def resume(self, data: st.DataObject, counter: int) -> None:
        line, label = key = data.draw(self.keys())
        ticket = self.model.get(key)
        allowed = ticket is not None and ticket.status == "parked" and self.serving(counter) is None
        queue = self.queues[line]
        if self.attempt(
            allowed,
            lambda: moves.resume(queue, label, self.desks[counter], AGENT, self.act()),
        ):
            assert ticket is not None
            ticket.status, ticket.counter = "called", counter

    @rule(data=st.data())
    def walk_away(self, data: st.DataObject) -> None:
        line, label = key = data.draw(self.keys())
        ticket = self.model.get(key)
        allowed = ticket is not None and ticket.status in {"waiting", "parked"}
        if self.attempt(allowed, lambda: self.queues[line].walk_away(label, self.act())):
            assert ticket is not None
            ticket.status, ticket.for_counter = "walked_away", None

    @rule(data=st.data())
    def recall(self, data: st.DataObject) -> None:
        line, label = key = data.draw(self.keys())
        ticket = self.model.get(key)
        allowed = ticket is not None and ticket.status == "called"
        self.attempt(allowed, lambda: self.queues[line].recall(label, self.act()))

    @rule(minutes=st.integers(min_value=1, max_value=90))
    def time_passes(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)
        self.step += 1

    @invariant()
    def agrees_with_the_model(self) -> None:
        live = {
            (p, label): t.status.value
            for p, q in self.queues.items()
            for label, t in q.tickets.items()
        }
        assert live == {key: t.status for key, t in self.model.items()}

    @invariant()
    def one_ticket_per_counter_and_the_desk_says_which(self) -> None:
        for counter, desk in self.desks.items():
            called = [
                (q.id, t.label)
                for q in self.queues.values()
                for t in q.tickets.values()
                if t.status is TicketStatus.CALLED and t.counter == counter
            ]
            assert len(called) <= 1
            assert desk.serving == (called[0] if called else None)

    @invariant()
    def times_are_never_negative(self) -> None:
        for queue in self.queues.values():
            for ticket in queue.tickets.values():
                for span in (ticket.waiting_time, ticket.handling_time):
                    assert span is None or span >= timedelta(0)

    @invariant()
    def replay_equals_live_state(self) -> None:
        for queue in self.queues.values():
            assert self.replay(queue.id, Queue) == queue
        for desk in self.desks.values():
            assert self.replay(desk.id, Desk) == desk


TestQueueMachine = QueueMachine.TestCase
