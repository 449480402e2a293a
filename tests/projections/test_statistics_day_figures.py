"""An area's day figures kept at write time are those merged from its cells, on both stores.

The report reads a house's, a municipality's, a governorate's and the nation's days as the writer
kept them (`stats_day_figures_v4`) when the question takes every house of each area and names no
partner or service; merged from the cells otherwise. The fixture's CNAM grant is suspended and
revoked after its first days, so the grants in force on the later days change after those days
were first kept.
"""

from __future__ import annotations

from datetime import date

import pytest

from api.bootstrap import Dar
from infrastructure.fixtures.binding import materialise
from infrastructure.fixtures.loader import load_fixture
from infrastructure.statistics_report import StatisticsFilter, StatisticsReport
from projections.statistics.figures import GroupBy, Period, as_figures
from tests.support.clock import TestClock
from tests.support.spec import Scenario, fixture_path
from tests.support.statistics import FIRST, FIXTURE, LAST, project_fixture

SUSPENDED = date(2026, 1, 7)  # day 3, the CNAM grant's suspension


@pytest.mark.parametrize("minutes", [25, 9])
def test_every_area_s_kept_days_are_its_days_merged_from_the_cells(
    dar: Dar, clock: TestClock, minutes: int
) -> None:
    project_fixture(dar, clock)
    report = StatisticsReport(dar.read.statistics, minutes)
    wanted = StatisticsFilter(first=FIRST, last=LAST)
    for group_by in GroupBy:
        merged = report.merged(wanted, group_by, Period.DAY)
        assert merged, group_by
        assert report.groups(wanted, group_by, Period.DAY) == merged
        assert report.figures(wanted, group_by, Period.DAY) == [as_figures(g) for g in merged]
    waits = [g.visits.waits for g in merged if g.visits is not None and g.visits.waits.count]
    assert {w.within_target for w in waits} != {0}  # the target reads the kept buckets


def test_a_question_that_cuts_an_area_or_names_a_partner_is_merged_from_the_cells(
    dar: Dar, clock: TestClock
) -> None:
    project_fixture(dar, clock)
    report = StatisticsReport(dar.read.statistics, 25)
    haidra = StatisticsFilter(first=FIRST, last=LAST, houses=("haidra",))
    cut = report.groups(haidra, GroupBy.GOVERNORATE, Period.DAY)
    whole = report.groups(StatisticsFilter(FIRST, LAST), GroupBy.GOVERNORATE, Period.DAY)
    assert cut == report.merged(haidra, GroupBy.GOVERNORATE, Period.DAY)
    assert cut != [g for g in whole if g.area.code == "TN-42"]  # Sbeitla's visits left out
    cnam = StatisticsFilter(first=FIRST, last=LAST, partner="CNAM")
    by_partner = report.groups(cnam, GroupBy.NATION, Period.DAY)
    assert by_partner == report.merged(cnam, GroupBy.NATION, Period.DAY)
    assert all(g.visits is None for g in by_partner)


def test_a_grant_suspended_in_the_log_after_its_house_s_later_days_changes_their_kept_grants(
    dar: Dar, clock: TestClock
) -> None:
    """The CNAM grant's suspension (day 3) appended after its house's later days.

    One event a batch: those days' kept grants in force are written again.
    """
    fixture = list(load_fixture(fixture_path(FIXTURE)))
    late = [e for e in fixture if e.type_name == "DelegationGrant.Suspended"]
    assert len(late) == 1
    scenario = Scenario(dar, clock)
    events = materialise(
        [e for e in fixture if e not in late] + late,
        scenario.symbols,
        scenario.versions,
        clock.now(),
    )
    dar.projections.prepare()
    for event in events:
        dar.store.save(event)
        dar.projections.catch_up()
    report = StatisticsReport(dar.read.statistics, 25)
    wanted = StatisticsFilter(first=FIRST, last=LAST)
    for group_by in GroupBy:
        assert report.groups(wanted, group_by, Period.DAY) == report.merged(
            wanted, group_by, Period.DAY
        )
    later = [
        {grant.partner_code for grant in g.grants if grant.in_force}
        for g in report.groups(wanted, GroupBy.HOUSE, Period.DAY)
        if g.area.code == "haidra" and g.first > SUSPENDED
    ]
    assert later
    assert all(in_force == {"STEG"} for in_force in later)  # CNAM's suspended, STEG's not
