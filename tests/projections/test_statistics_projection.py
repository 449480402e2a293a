"""The statistics read model on a fixture whose figures were worked out by hand, on both stores.

tests/fixtures/statistics/three_houses.yaml, week of Monday 2026-01-05 (day 1):

| house   | governorate | ticket | issued | called       | ended | wait   | handling |
|---------|-------------|--------|--------|--------------|-------|--------|----------|
| haidra  | TN-42       | A001   | 08:00  | 08:10        | 08:16 | 10 min | 6 min    |
| haidra  | TN-42       | A002   | 08:05  | 08:30 absent, 08:45 | 08:49 | 40 min | 4 min |
| haidra  | TN-42       | A003   | 09:02  | walked away  |       |        |          |
| haidra  | TN-42       | A004   | 09:10  | 09:15        | 09:25 | 5 min  | 10 min   |
| sbeitla | TN-42       | B001   | 10:00  | 10:30        | 10:40 | 30 min | 10 min   |
| sfax    | TN-61       | A001   | 08:00 (day 3) | 08:20 | 08:50 | 20 min | 30 min |

Kasserine's waits sorted: 5, 10, 30, 40. Nearest rank: median = 2nd = 10 min (told 10.5, the
middle of its one-minute bucket); p90 = ceil(3.6) = 4th = 40 min (40.5); under 25 min: 2 of 4.
Handling sorted 4, 6, 10, 10: mean 7.5; median 6 min (6.25: half-minute buckets); p90 10 (10.25).
Nation: waits 5, 10, 20, 30, 40: mean 21, median 20 (20.5), p90 5th = 40 (40.5), 3 under 25.
CNAM files forwarded on Tuesday 01-06: one accepted Thursday 01-08 (2 working days, due 01-09:
on time), one refused Monday 01-12 (4 working days: Wed, Thu, Fri, Mon; due 01-07: late).
"""

from __future__ import annotations

from datetime import date

import pytest

from api.bootstrap import Dar
from domain.shared.errors import ValidationError
from infrastructure.statistics_report import StatisticsFilter, StatisticsReport
from projections.statistics.figures import Group, GroupBy, Period
from tests.support.clock import TestClock
from tests.support.statistics import FIRST, LAST, fixture_report, project_fixture

WEEK_1, WEEK_2 = date(2026, 1, 5), date(2026, 1, 12)


def report(dar: Dar, clock: TestClock, group_by: GroupBy, **narrow: object) -> list[Group]:
    project_fixture(dar, clock)
    return fixture_report(dar, group_by, Period.WEEK, **narrow)


def by_key(groups: list[Group]) -> dict[tuple[str, date], Group]:
    return {(g.area.code, g.first): g for g in groups}


def test_figures_by_governorate_and_week_are_the_hand_computed_ones(
    dar: Dar, clock: TestClock
) -> None:
    groups = by_key(report(dar, clock, GroupBy.GOVERNORATE))
    assert set(groups) == {
        ("TN-42", WEEK_1),
        ("TN-42", WEEK_2),
        ("TN-61", WEEK_1),
        ("TN-61", WEEK_2),
    }
    kasserine = groups["TN-42", WEEK_1]
    assert (kasserine.area.name_fr, kasserine.area.name_ar, kasserine.last) == (
        "Kasserine",
        "القصرين",
        date(2026, 1, 11),
    )
    visits = kasserine.visits
    assert visits is not None
    #       visits served no-shows walked-away
    assert (visits.visits, visits.served, visits.no_shows, visits.walked_away) == (5, 4, 1, 1)
    assert visits.by_hour == ((8, 2), (9, 2), (10, 1))
    waits, handling = visits.waits, visits.handling
    #        count mean   median p90   under 25 share
    assert (waits.count, waits.mean_minutes, waits.median_minutes, waits.p90_minutes) == (
        4,
        21.25,
        10.5,
        40.5,
    )
    assert (waits.within_target, waits.within_target_share) == (2, 0.5)
    assert (handling.count, handling.mean_minutes, handling.median_minutes) == (4, 7.5, 6.25)
    assert handling.p90_minutes == 10.25
    cnam, steg = kasserine.requests
    assert (cnam.partner_code, cnam.service_code) == ("CNAM", "REIMBURSEMENT_FILE")
    #        lodged forwarded returned accepted decided on time turnaround
    assert (cnam.lodged, cnam.forwarded, cnam.returned, cnam.accepted, cnam.decided) == (
        2,
        2,
        1,
        1,
        1,
    )
    assert (cnam.with_deadline, cnam.on_time, cnam.on_time_share) == (1, 1, 1.0)
    assert (cnam.turnaround_mean_days, cnam.turnaround_median_days) == (2.0, 2.0)
    assert (steg.service_code, steg.lodged, steg.on_the_spot) == ("BILL_PAYMENT", 1, 1)
    assert [(c.partner_code, c.information, c.redirections) for c in kasserine.contacts] == [
        ("CNAM", 1, 0),
        ("STEG", 0, 1),
    ]
    outcomes = kasserine.outcomes
    # one on the spot, two forwarded, one redirected: shares of 4
    assert (outcomes.on_the_spot, outcomes.forwarded, outcomes.redirected) == (1, 2, 1)
    assert (outcomes.on_the_spot_share, outcomes.forwarded_share) == (0.25, 0.5)
    assert [
        (
            m.partner_code,
            m.method,
            m.captured,
            m.captured_millimes,
            m.refunded_millimes,
            m.net_millimes,
        )
        for m in kasserine.money
    ] == [("STEG", "cash", 1, 174_700, 20_000, 154_700)]
    assert [(g.partner_code, g.in_force, g.granted, g.suspended) for g in kasserine.grants] == [
        ("CNAM", 0, 1, 1),  # suspended on Wednesday
        ("STEG", 1, 1, 0),
    ]
    late = groups["TN-42", WEEK_2]
    (refused,) = late.requests
    assert (refused.refused, refused.decided, refused.on_time, refused.turnaround_p90_days) == (
        1,
        1,
        0,
        4.0,
    )
    assert late.outcomes.refused == 1
    assert [(g.partner_code, g.in_force) for g in late.grants] == [("STEG", 1)]
    assert [(g.partner_code, g.in_force, g.revoked) for g in groups["TN-61", WEEK_2].grants] == [
        ("STEG", 0, 1)
    ]
    sfax = groups["TN-61", WEEK_1]
    assert sfax.visits is not None
    assert (sfax.visits.waits.median_minutes, sfax.visits.handling.median_minutes) == (20.5, 30.25)
    assert [(m.method, m.captured_millimes) for m in sfax.money] == [("card", 50_000)]


def test_the_nation_is_the_merge_of_every_house(dar: Dar, clock: TestClock) -> None:
    groups = by_key(report(dar, clock, GroupBy.NATION))
    nation = groups["TN", WEEK_1].visits
    assert nation is not None
    waits = nation.waits
    assert (waits.count, waits.mean_minutes, waits.median_minutes, waits.p90_minutes) == (
        5,
        21.0,
        20.5,
        40.5,
    )
    assert (waits.within_target, nation.visits) == (3, 6)


def test_houses_and_municipalities_are_filtered_and_named_from_the_registration(
    dar: Dar, clock: TestClock
) -> None:
    groups = report(dar, clock, GroupBy.MUNICIPALITY, governorate="Kasserine")
    assert sorted({(g.area.code, g.area.name_ar) for g in groups}) == [
        ("TN-42/Haidra", "حيدرة"),
        ("TN-42/Sbeitla", "سبيطلة"),
    ]


def test_a_partner_filter_leaves_out_the_queue_which_knows_no_partner(
    dar: Dar, clock: TestClock
) -> None:
    groups = report(dar, clock, GroupBy.NATION, partner="STEG")
    week = by_key(groups)["TN", WEEK_1]
    assert week.visits is None
    assert [s.partner_code for s in week.requests] == ["STEG"]
    assert sum(m.captured_millimes for m in week.money) == 224_700


@pytest.mark.parametrize(("first", "last"), [(LAST, FIRST), (FIRST, date(2030, 1, 1))])
def test_a_range_backwards_or_too_long_is_refused(dar: Dar, first: date, last: date) -> None:
    with pytest.raises(ValidationError, match="to:"):
        StatisticsReport(dar.read.statistics, 25).groups(
            StatisticsFilter(first=first, last=last), GroupBy.NATION, Period.DAY
        )
