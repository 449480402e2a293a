"""A command replays what can affect its decision, however long the house has been open.

One house (the demo house of Haidra) is driven through many business days at a realistic load
(two counters, 120 tickets a day, 30 requests lodged and 8 bills paid in cash, the STEG grant
amended each month) through the application services, counting the events each command loads
from the store. The largest count on the last day must be within a budget fixed here, whatever
the number of days, and equal to the second day's: the count is flat.

Days: 60 in the `ci` Hypothesis profile (12 on PostgreSQL, where a day takes about twice as long:
the argument is flatness, which the SQLite run shows over the issue's 60 days, and the PostgreSQL
run shows on the production store), 365 under `-m marathon`, 5 otherwise.
"""

from __future__ import annotations

import os
from datetime import date

import pytest

from api.bootstrap import bootstrap
from api.cli import prepare
from infrastructure.settings import Settings
from tests.support.load_day import (
    TICKETS_PER_DAY,
    HouseDay,
    Loads,
    MovableClock,
    business_days,
    count_loads,
)

# The largest number of events any command may load on a business day at this load, counted as
# the events the recorder returns (after a snapshot, once aggregates are snapshotted: snapshots are
# read from their own table and not counted here, so this budget can only go down with them).
# What fills it is the call of the evening: today's queues of both lines (1 + 3 events a ticket:
# issued, called, ended: 181 each at 60 tickets a line), today's desk (1 + 2 a ticket served at
# that counter: 121), today's counter room, the house's identity and the agent. Nothing in it
# grows with the days the house has been open.
REPLAY_BUDGET = 520

# What each command may load at most, at this load: the same reasoning, command by command. The
# long-lived streams a command reads (the house, a grant amended monthly, an agent, a receipt book
# that gains a page every 100 receipts of a year) are listed in docs/streams.md; they stay well
# inside these figures for a year and are the snapshots' to bound beyond.
COMMAND_BUDGETS = {
    "openCounter": 20,  # house identity, agent, today's counter room
    "issueTicket": 200,  # house identity, the line's queue today
    "callNextTicket": REPLAY_BUDGET,  # house, agent, room, both lines' queues today, the desk
    "endVisit": 320,  # house, the ticket's queue today, the desk today
    "lodgeRequest": 240,  # house, queue, room, agent, citizen, service, grant, register, visit
    "recordCashPayment": 200,  # request, service, agent, grant, register, due, book, page (<=101),
    # the agent's till register today and its till of the shift (one event per cash movement)
    "closeCounter": 140,  # house, today's room, today's desk
    "amendDelegation": 30,  # the grant (amended monthly: a year is 13 events)
    "openTill": 20,  # the agent, its till register today
    "closeTill": 140,  # the shift's till (one event per cash payment or refund), the register
}

# Commands whose every stream lives a day (or changes only by setup): exactly flat.
FLAT = (
    "openCounter",
    "issueTicket",
    "callNextTicket",
    "endVisit",
    "closeCounter",
    "openTill",
    "closeTill",
)

FIRST_DAY = date(2026, 1, 5)


def _days(store: str, *, marathon: bool) -> int:
    if marathon:
        return 365
    if os.environ.get("HYPOTHESIS_PROFILE") == "ci":
        return 60 if store == "sqlite" else 12
    return 5


def _store_kind(settings: Settings) -> str:
    return "sqlite" if settings.database_url.startswith("sqlite") else "postgres"


def drive(settings: Settings, days: int) -> Loads:
    """The demo house through `days` business days at the load of `tests/support/load_day.py`."""
    prepare(settings, demo=True)
    clock = MovableClock()
    dar = bootstrap(settings, clock, projector=False)
    try:
        loads = count_loads(dar)
        house = HouseDay(dar, clock, loads)
        house.prepare()
        for number, day in enumerate(business_days(FIRST_DAY, days), start=1):
            house.run(number, day, TICKETS_PER_DAY)
        return loads
    finally:
        dar.close()


def assert_within_budget(loads: Loads, last: int) -> None:
    """The last day's counts: within the budgets, and the same as on the second day."""
    second, final = loads.largest(2), loads.largest(last)
    over = {c: n for c, n in final.items() if n > COMMAND_BUDGETS[c]}
    assert not over, f"day {last}: over budget {over} (budgets {COMMAND_BUDGETS})"
    assert max(final.values()) <= REPLAY_BUDGET
    assert max(final.values()) == max(second.values()), f"day 2: {second}; day {last}: {final}"
    grew = {c: (second[c], final[c]) for c in FLAT if final[c] != second[c]}
    assert not grew, f"loads that grew from day 2 to day {last}: {grew}"


@pytest.mark.timeout(900)
def test_no_command_replays_more_on_the_last_day_than_on_the_second(
    store_settings: Settings,
) -> None:
    days = _days(_store_kind(store_settings), marathon=False)
    assert_within_budget(drive(store_settings, days), days)


@pytest.mark.marathon
@pytest.mark.timeout(7200)  # a year of days, a few seconds each
def test_a_year_of_business_days_replays_no_more_than_the_second_day(
    store_settings: Settings, request: pytest.FixtureRequest
) -> None:
    if "marathon" not in str(request.config.option.markexpr):
        pytest.skip("a year of business days: run with -m marathon")
    days = _days(_store_kind(store_settings), marathon=True)
    assert_within_budget(drive(store_settings, days), days)
