"""The counter room of a day against a reference model: one holder a counter, one counter an agent."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID, uuid4

from eventsourcing.application import project_aggregate
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from domain.houses.house import CounterStateError
from domain.houses.room import CounterRoom
from domain.shared.acts import Act

COUNTERS = (1, 2, 3)
AGENTS = tuple(uuid4() for _ in range(4))
ACT = Act(actor="agent:A17", command_id="c", at=datetime(2026, 1, 6, 8, tzinfo=UTC))


class CounterRoomMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.room = CounterRoom.open(uuid4(), date(2026, 1, 6), COUNTERS, ACT)
        self.events = list(self.room.collect_events())
        self.model: dict[int, UUID] = {}

    @rule(number=st.sampled_from(COUNTERS), agent=st.sampled_from(AGENTS))
    def open_counter(self, number: int, agent: UUID) -> None:
        allowed = number not in self.model and agent not in self.model.values()
        try:
            self.room.open_counter(number, agent, ACT)
        except CounterStateError:
            assert not allowed
            return
        assert allowed
        self.model[number] = agent

    @rule(number=st.sampled_from(COUNTERS))
    def close_counter(self, number: int) -> None:
        try:
            self.room.close_counter(number, ACT)
        except CounterStateError:
            assert number not in self.model
            return
        del self.model[number]

    @invariant()
    def holders_match_the_model_and_replay(self) -> None:
        self.events += self.room.collect_events()
        assert {n: self.room.holder(n) for n in COUNTERS} == {
            n: self.model.get(n) for n in COUNTERS
        }
        replayed = project_aggregate(None, self.events)
        assert isinstance(replayed, CounterRoom)
        assert replayed.holders == self.room.holders
        assert len(set(self.room.holders.values())) == len(self.room.holders)


TestCounterRoomMachine = CounterRoomMachine.TestCase


def test_a_new_day_starts_with_every_counter_closed() -> None:
    room = CounterRoom.open(uuid4(), date(2026, 1, 7), (2, 1), ACT)
    assert (room.counters, room.holders) == ((1, 2), {})
