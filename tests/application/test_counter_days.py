"""A counter's opening and its desk belong to a business day, on both stores."""

from __future__ import annotations

from datetime import date

import pytest

from api.bootstrap import Dar
from application.houses.commands import CloseCounter, OpenCounter
from application.store import Outcome
from domain.counter.desk import Desk, desk_id, lifelong_desk_id
from domain.houses.agent import agent_id
from domain.houses.house import CounterStateError, House, house_id
from domain.houses.room import CounterRoom, counter_room_id
from infrastructure.fixtures.loader import fixture_time
from tests.support.clock import TestClock
from tests.support.spec import Scenario

STAFFED = "delegation/haidra_staffed.yaml"
HAIDRA = house_id("haidra")


def open_counter(dar: Dar, employee: str, key: str, number: int = 1) -> Outcome:
    return dar.houses.open_counter(
        OpenCounter(
            command_id=key,
            actor=f"agent:{employee}",
            house_code="haidra",
            number=number,
            employee_number=employee,
        )
    )


def test_a_counter_left_open_yesterday_is_closed_this_morning(dar: Dar, clock: TestClock) -> None:
    Scenario(dar, clock).given(STAFFED).at("day 2 08:00")
    open_counter(dar, "A17", "open-day-2")
    clock.set(fixture_time("day 3 08:00"))
    open_counter(dar, "A18", "open-day-3")  # A17 never closed it: it does not block day 3
    room = dar.store.load(counter_room_id(HAIDRA, date(2026, 1, 7)), CounterRoom, "room")
    assert room.holder(1) == agent_id("A18")
    yesterday = dar.store.load(counter_room_id(HAIDRA, date(2026, 1, 6)), CounterRoom, "room")
    assert yesterday.holder(1) == agent_id("A17")  # the record of day 2 stays as it was


def test_an_agent_holds_one_counter_a_day_and_closes_only_an_open_one(
    dar: Dar, clock: TestClock
) -> None:
    Scenario(dar, clock).given(STAFFED, "counter/haidra_open.yaml").at("day 2 09:00")
    with pytest.raises(CounterStateError):
        open_counter(dar, "A17", "second-counter", number=2)
    close = CloseCounter(
        command_id="close", actor="supervisor:S01", house_code="haidra", number=2, agent=None
    )
    dar.counter.close_counter(close)
    clock.set(fixture_time("day 3 09:00"))
    again = CloseCounter(
        command_id="close-3", actor="supervisor:S01", house_code="haidra", number=1, agent=None
    )
    with pytest.raises(CounterStateError):
        dar.counter.close_counter(again)  # open on day 2, closed on day 3 by the day itself


def test_events_recorded_before_counters_had_days_still_load_and_project(
    dar: Dar, clock: TestClock
) -> None:
    Scenario(dar, clock).given(STAFFED, "legacy/counter_day_on_main.yaml").at("day 2 08:00")
    house = dar.store.load(HAIDRA, House, "house")
    assert house.counters[1].agent_id == agent_id("A17")
    desk = dar.store.load(lifelong_desk_id(HAIDRA, 1), Desk, "desk")
    assert (desk.day, desk.serving is not None) == (None, True)
    dar.projections.prepare()
    dar.projections.catch_up()
    [counter] = dar.read.directory.counters(HAIDRA)
    assert counter.agent_id == agent_id("A17")
    # the counter left open on the lifelong record blocks neither the day nor its desk
    open_counter(dar, "A18", "open-after-upgrade")
    assert dar.store.find(desk_id(HAIDRA, 1, date(2026, 1, 6)), Desk) is None
    dar.projections.catch_up()
    [counter] = dar.read.directory.counters(HAIDRA)
    assert counter.agent_id == agent_id("A18")


def test_the_directory_shows_every_counter_closed_when_a_new_day_opens(
    dar: Dar, clock: TestClock
) -> None:
    Scenario(dar, clock).given(STAFFED, "counter/haidra_open.yaml").at("day 3 08:00")
    open_counter(dar, "A18", "open-day-3", number=2)
    dar.projections.prepare()
    dar.projections.catch_up()
    holders = {c.number: c.agent_id for c in dar.read.directory.counters(HAIDRA)}
    assert holders == {1: None, 2: agent_id("A18")}
