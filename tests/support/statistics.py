"""The statistics fixture loaded and projected, and its report (shared by the statistics tests)."""

from __future__ import annotations

from datetime import date

from api.bootstrap import Dar
from infrastructure.statistics_report import StatisticsFilter, StatisticsReport
from projections.statistics.figures import Group, GroupBy, Period
from tests.support.clock import TestClock
from tests.support.spec import Scenario

FIXTURE = "statistics/three_houses.yaml"
FIRST, LAST = date(2026, 1, 5), date(2026, 1, 18)


def project_fixture(dar: Dar, clock: TestClock) -> None:
    """The three houses' fortnight appended to the store and projected."""
    Scenario(dar, clock).given(FIXTURE)
    dar.projections.prepare()
    dar.projections.catch_up()


def fixture_report(
    dar: Dar, group_by: GroupBy, period: Period = Period.WEEK, **narrow: object
) -> list[Group]:
    """The report of the fixture's fortnight."""
    wanted = StatisticsFilter(first=FIRST, last=LAST, **narrow)  # type: ignore[arg-type]
    return StatisticsReport(dar.read.statistics, 25).groups(wanted, group_by, period)
