"""An agent closes only the counter it holds, judged in the decision that closes it (both stores).

The API used to ask who held the counter before running the command, outside its transaction: a
takeover in between let an agent close the counter another agent had just taken.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import pytest

import application.counter.service as counter_service
from api.bootstrap import Dar
from application.houses.commands import CloseCounter, OpenCounter
from application.houses.rooms import todays_room
from application.store import EventStore
from domain.houses.agent import agent_id
from domain.houses.house import House
from domain.houses.room import CounterRoom
from domain.shared.errors import ForbiddenError
from tests.support.clock import TestClock
from tests.support.spec import Scenario


def opened(dar: Dar, clock: TestClock) -> Dar:
    """Haidra on day 2: A17 holds counter 1, A18 counter 2."""
    Scenario(dar, clock).given("delegation/haidra_staffed.yaml", "counter/haidra_open.yaml").at(
        "day 2 09:00"
    )
    return dar


def close(number: int, employee: str | None, key: str) -> CloseCounter:
    actor = f"agent:{employee}" if employee else "supervisor:S01"
    return CloseCounter(key, actor, "haidra", number, employee)


def take_over_counter_1(dar: Dar) -> None:
    """The supervisor closes counter 1; A18 leaves counter 2 and takes counter 1."""
    dar.counter.close_counter(close(1, None, "sup-close-1"))
    dar.counter.close_counter(close(2, "A18", "a18-leaves-2"))
    dar.houses.open_counter(OpenCounter("a18-takes-1", "agent:A18", "haidra", 1, "A18"))


def holder_of_counter_1(dar: Dar, clock: TestClock) -> str | None:
    agent = dar.houses.counter_holder("haidra", 1, clock.now())
    return None if agent is None else agent.employee_number


def test_an_agent_cannot_close_a_counter_taken_over_since_the_holder_was_checked(
    dar: Dar, clock: TestClock
) -> None:
    opened(dar, clock)
    assert holder_of_counter_1(dar, clock) == "A17"  # the API's old check passed here
    take_over_counter_1(dar)
    with pytest.raises(ForbiddenError, match="only the counter it holds"):
        dar.counter.close_counter(close(1, "A17", "a17-leaves-1"))
    assert holder_of_counter_1(dar, clock) == "A18"


def test_a_takeover_during_the_decision_makes_the_closing_decide_again_and_refuse(
    dar: Dar, clock: TestClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened(dar, clock)
    holders_read: list[UUID | None] = []

    def room_then_takeover(store: EventStore, house: House, at: datetime) -> CounterRoom | None:
        room = todays_room(store, house, at)  # what the closing decision reads
        holders_read.append(None if room is None else room.holder(1))
        if len(holders_read) == 1:  # A17's first decision has read the room: A18 takes over now
            monkeypatch.setattr(counter_service, "todays_room", todays_room)
            take_over_counter_1(dar)
            monkeypatch.setattr(counter_service, "todays_room", room_then_takeover)
        return room

    monkeypatch.setattr(counter_service, "todays_room", room_then_takeover)
    with pytest.raises(ForbiddenError, match="only the counter it holds"):
        dar.counter.close_counter(close(1, "A17", "a17-leaves-1"))
    # A17 held it when first decided; that save was stale, and the decision taken again refused
    assert holders_read == [agent_id("A17"), agent_id("A18")]
    assert holder_of_counter_1(dar, clock) == "A18"


def test_a_supervisor_closes_a_counter_whoever_holds_it(dar: Dar, clock: TestClock) -> None:
    opened(dar, clock)
    dar.counter.close_counter(close(2, None, "sup-close-2"))
    assert dar.houses.counter_holder("haidra", 2, clock.now()) is None
