"""The inclusion statistics on a fixture whose figures were worked out by hand, on both stores.

tests/fixtures/inclusion/three_rooms.yaml, weeks of Monday 2026-01-05 (day 1) and 2026-01-12:

| session | house   | day   | topic             | places | enrolled          | held: present / absent | minutes |
|---------|---------|-------|-------------------|--------|-------------------|------------------------|---------|
| 1       | haidra  | 01-06 | INTERNET_BASICS   | 4      | L1, L2, L3 (new)  | L1, L2 / L3            | 90      |
| 2       | haidra  | 01-07 | ONLINE_SAFETY     | 1      | L1                | cancelled              |         |
| 3       | haidra  | 01-08 | E_PAYMENT         | 2      | L1, L3 (L3 new)   | L1, L3 / —             | 75      |
| 4       | sbeitla | 01-13 | INTERNET_BASICS   | 10     | L4 (new)          | L4 / —                 | 120     |
| 5       | sfax    | 01-07 | MOBILE_ID         | 1      | L5 (new)          | still scheduled        |         |
| 6       | sfax    | 01-12 00:30 Tunis (01-11 UTC) | ONLINE_PROCEDURES | 3 | — | cancelled |        |

First-timers (present at their first session): L1, L2 at session 1, L3 at session 3, L4.
Milestones: L1 first e-payment alone (haidra, 01-09), L2 first online procedure alone (haidra,
01-13), L4 Mobile ID activated (sbeitla, 01-14).

Kasserine, week 1: 3 sessions scheduled, 2 held, 1 cancelled; 6 enrolments, 4 present, 1
absent, 3 first-timers; fill rate = enrolled in held ÷ their places = (3 + 2) / (4 + 2) =
0.8333; attendance rate 4 / 5 = 0.8; 165 minutes = 2.75 hours. Week 2: 1 held, fill 1 / 10.
Sfax's session 6 counts on Monday 01-12 (its Tunis day), in week 2, not on Sunday's UTC day.
"""

from __future__ import annotations

from datetime import date

import pytest

from api.bootstrap import Dar, bootstrap
from domain.shared.errors import ValidationError
from infrastructure.inclusion_report import InclusionReport
from infrastructure.settings import Settings
from infrastructure.statistics_report import StatisticsFilter
from projections.inclusion_statistics.figures import InclusionGroup, SessionFigures
from projections.statistics.figures import GroupBy, Period
from tests.support.clock import TestClock
from tests.support.spec import Scenario

FIXTURE = "inclusion/three_rooms.yaml"
FIRST, LAST = date(2026, 1, 5), date(2026, 1, 18)
WEEK_1, WEEK_2 = date(2026, 1, 5), date(2026, 1, 12)


def report(
    dar: Dar, clock: TestClock, group_by: GroupBy, period: Period = Period.WEEK, **narrow: object
) -> dict[tuple[str, date], InclusionGroup]:
    Scenario(dar, clock).given(FIXTURE)
    dar.projections.prepare()
    dar.projections.catch_up()
    wanted = StatisticsFilter(first=FIRST, last=LAST, **narrow)  # type: ignore[arg-type]
    groups = InclusionReport(dar.read.inclusion_statistics).groups(wanted, group_by, period)
    return {(g.area.code, g.first): g for g in groups}


def counts(s: SessionFigures) -> tuple[int, ...]:
    return (s.scheduled, s.held, s.cancelled, s.enrolled, s.attended, s.absent, s.first_timers)


def test_figures_by_governorate_and_week_are_the_hand_computed_ones(
    dar: Dar, clock: TestClock
) -> None:
    groups = report(dar, clock, GroupBy.GOVERNORATE)
    assert set(groups) == {
        ("TN-42", WEEK_1),
        ("TN-42", WEEK_2),
        ("TN-61", WEEK_1),
        ("TN-61", WEEK_2),
    }
    kasserine = groups["TN-42", WEEK_1]
    assert (kasserine.area.name_fr, kasserine.last) == ("Kasserine", date(2026, 1, 11))
    s = kasserine.sessions
    #                 sched held canc enrol present absent first
    assert counts(s) == (3, 2, 1, 6, 4, 1, 3)
    assert (s.held_capacity, s.held_enrolled, s.fill_rate, s.attendance_rate) == (6, 5, 0.8333, 0.8)
    assert (s.volunteer_minutes, s.volunteer_hours) == (165, 2.75)
    topics = {t.topic: t.sessions for t in kasserine.topics}
    assert list(topics) == ["E_PAYMENT", "INTERNET_BASICS", "ONLINE_SAFETY"]
    assert counts(topics["INTERNET_BASICS"]) == (1, 1, 0, 3, 2, 1, 2)
    assert (topics["INTERNET_BASICS"].fill_rate, topics["INTERNET_BASICS"].volunteer_minutes) == (
        0.75,
        90,
    )
    assert counts(topics["E_PAYMENT"]) == (1, 1, 0, 2, 2, 0, 1)
    assert topics["E_PAYMENT"].fill_rate == 1.0
    assert counts(topics["ONLINE_SAFETY"]) == (1, 0, 1, 1, 0, 0, 0)
    assert topics["ONLINE_SAFETY"].fill_rate is None  # no session of it held
    assert [(m.milestone, m.reached) for m in kasserine.milestones] == [
        ("FIRST_E_PAYMENT_ALONE", 1)
    ]
    assert [
        (p.age_band, p.gender, p.enrolled, p.first_time, p.known) for p in kasserine.profiles
    ] == [
        ("FROM_45_TO_59", "MALE", 1, 1, 0),
        ("FROM_60", "FEMALE", 3, 1, 0),
        ("NOT_STATED", "NOT_STATED", 2, 2, 2),
    ]

    later = groups["TN-42", WEEK_2]
    assert counts(later.sessions) == (1, 1, 0, 1, 1, 0, 1)
    assert (later.sessions.fill_rate, later.sessions.volunteer_hours) == (0.1, 2.0)
    assert [(m.milestone, m.reached) for m in later.milestones] == [
        ("FIRST_ONLINE_PROCEDURE_ALONE", 1),
        ("MOBILE_ID_ACTIVATED", 1),
    ]

    sfax = groups["TN-61", WEEK_1].sessions
    assert counts(sfax) == (1, 0, 0, 1, 0, 0, 0)
    assert (sfax.fill_rate, sfax.attendance_rate, sfax.volunteer_hours) == (None, None, 0.0)
    # session 6 starts on Monday 01-12 at 00:30 in Tunis: week 2, though Sunday in UTC
    assert counts(groups["TN-61", WEEK_2].sessions) == (1, 0, 1, 0, 0, 0, 0)


def test_the_nation_over_the_month_is_the_sum_of_every_house(dar: Dar, clock: TestClock) -> None:
    groups = report(dar, clock, GroupBy.NATION, Period.MONTH)
    (nation,) = groups.values()
    assert (nation.area.code, nation.first, nation.last) == ("TN", FIRST, LAST)  # cut to the range
    s = nation.sessions
    assert counts(s) == (6, 3, 2, 8, 5, 1, 4)
    assert (s.fill_rate, s.attendance_rate, s.volunteer_hours) == (0.375, 0.8333, 4.75)
    assert sum(m.reached for m in nation.milestones) == 3


def test_houses_by_day_and_the_filters_narrow_as_the_service_statistics_do(
    dar: Dar, clock: TestClock
) -> None:
    groups = report(dar, clock, GroupBy.HOUSE, Period.DAY, houses=("haidra",))
    assert sorted(groups) == [
        ("haidra", date(2026, 1, 6)),
        ("haidra", date(2026, 1, 7)),
        ("haidra", date(2026, 1, 8)),
        ("haidra", date(2026, 1, 9)),  # the milestone only
        ("haidra", date(2026, 1, 13)),
    ]
    assert counts(groups["haidra", date(2026, 1, 9)].sessions) == (0,) * 7
    area = groups["haidra", date(2026, 1, 6)].area
    assert (area.name_fr, area.name_ar) == ("Maison de services de Haidra", "دار الخدمات بحيدرة")
    sfax = InclusionReport(dar.read.inclusion_statistics).groups(
        StatisticsFilter(first=FIRST, last=LAST, governorate="Sfax"),
        GroupBy.MUNICIPALITY,
        Period.MONTH,
    )
    assert [(g.area.code, g.sessions.scheduled) for g in sfax] == [("TN-61/Sfax", 2)]


@pytest.mark.parametrize(
    ("narrow", "field"),
    [
        ({"first": date(2026, 1, 18), "last": date(2026, 1, 5)}, "to"),
        ({"first": date(2024, 1, 1), "last": date(2026, 1, 5)}, "to"),
        ({"governorate": "Atlantis"}, "governorate"),
        ({"partner": "STEG"}, "partnerCode"),
        ({"service": "BILL_PAYMENT"}, "serviceCode"),
    ],
)
def test_a_filter_the_inclusion_figures_cannot_answer_is_refused(
    sqlite_settings: Settings, narrow: dict[str, object], field: str
) -> None:
    dar = bootstrap(sqlite_settings)  # a refusal reads nothing: one store is enough
    try:
        wanted = StatisticsFilter(**{"first": FIRST, "last": LAST, **narrow})  # type: ignore[arg-type]
        with pytest.raises(ValidationError) as refused:
            InclusionReport(dar.read.inclusion_statistics).groups(
                wanted, GroupBy.NATION, Period.WEEK
            )
        assert refused.value.field == field
    finally:
        dar.close()
