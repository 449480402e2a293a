"""Published inclusion figures: small counts blanked as the service figures are, in the export.

On the three rooms' fortnight (tests/fixtures/inclusion/three_rooms.yaml), Kasserine's first week
has 6 enrolments (published at a threshold of 5), 4 present and 3 first-timers (blanked), 2
sessions held (so their volunteer hours are blanked) with 6 places (their fill rate published),
5 participants recorded (the attendance rate published), one milestone (blanked). `dar stats
export`, its own process, writes these rows after the service figures, and none when a partner
is named.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from datetime import date
from pathlib import Path

from api.bootstrap import Dar, bootstrap
from infrastructure.inclusion_export import inclusion_rows, published_inclusion_rows
from infrastructure.inclusion_report import InclusionReport
from infrastructure.settings import Settings
from infrastructure.statistics_export import Value
from infrastructure.statistics_report import StatisticsFilter
from projections.statistics.figures import GroupBy, Period
from tests.support.api import environment
from tests.support.clock import TestClock
from tests.support.spec import Scenario

DAR = str(Path(sys.executable).with_name("dar"))
FIXTURE = "inclusion/three_rooms.yaml"
WANTED = StatisticsFilter(first=date(2026, 1, 5), last=date(2026, 1, 18))
KASSERINE_WEEK_1 = ("TN-42", "2026-01-05")


def kasserine(table: list[tuple[Value, ...]]) -> dict[tuple[str, str], tuple[Value, Value]]:
    """Kasserine's first week: (measure, detail) -> (value, note)."""
    return {
        (str(r[6]), str(r[8])): (r[9], r[10]) for r in table if (r[1], r[4]) == KASSERINE_WEEK_1
    }


def projected(dar: Dar, clock: TestClock) -> None:
    Scenario(dar, clock).given(FIXTURE)
    dar.projections.prepare()
    dar.projections.catch_up()


def test_inclusion_counts_under_the_threshold_and_what_rests_on_them_are_blanked(
    dar: Dar, clock: TestClock
) -> None:
    projected(dar, clock)
    groups = InclusionReport(dar.read.inclusion_statistics).groups(
        WANTED, GroupBy.GOVERNORATE, Period.WEEK
    )
    published = kasserine(inclusion_rows(groups, small=5))
    hidden = (None, "fewer than 5")
    assert published["inclusion_enrolled", ""] == (6, "")
    assert published["inclusion_attended", ""] == hidden
    assert published["inclusion_first_timers", ""] == hidden
    assert published["inclusion_sessions_held", ""] == hidden
    assert published["inclusion_volunteer_hours", ""] == hidden  # 2 sessions: one volunteer's time
    assert published["inclusion_fill_rate", ""] == (0.8333, "")  # on 6 places
    assert published["inclusion_attendance_rate", ""] == (0.8, "")  # on 5 participants
    assert published["inclusion_topic_fill_rate", "E_PAYMENT"] == hidden  # on 2 places
    assert published["inclusion_milestones_reached", "FIRST_E_PAYMENT_ALONE"] == hidden
    assert published["inclusion_profile_known", "FROM_60/FEMALE"] == (0, "")  # zero: nobody
    exact = kasserine(inclusion_rows(groups, small=1))
    assert exact["inclusion_volunteer_hours", ""] == (2.75, "")
    assert exact["inclusion_topic_first_timers", "INTERNET_BASICS"] == (2, "")
    narrowed = StatisticsFilter(first=WANTED.first, last=WANTED.last, partner="STEG")
    queries = dar.read.inclusion_statistics
    assert published_inclusion_rows(queries, narrowed, GroupBy.NATION, Period.WEEK, 5) == []


def test_dar_stats_export_writes_the_inclusion_figures_after_the_service_figures(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    dar = bootstrap(sqlite_settings, projector=True)
    try:
        projected(dar, TestClock())
    finally:
        dar.close()
    out = tmp_path / "export.csv"
    args = ["stats", "export", "--group-by", "governorate", "--period", "week"]
    args += ["--from", "2026-01-05", "--to", "2026-01-18", "--out", str(out)]
    env = environment(sqlite_settings, DAR_STATISTICS_SMALL_COUNT="1")
    done = subprocess.run(  # noqa: S603 - our own entry point
        [DAR, *args], env=env, cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    with out.open(encoding="utf-8-sig", newline="") as file:
        read = list(csv.DictReader(file))
    inclusion = {
        (r["area_code"], r["from"], r["measure"], r["detail"]): r["value"]
        for r in read
        if r["measure"].startswith("inclusion_")
    }
    assert inclusion["TN-42", "2026-01-05", "inclusion_sessions_scheduled", ""] == "3"
    assert inclusion["TN-61", "2026-01-12", "inclusion_sessions_cancelled", ""] == "1"
    assert inclusion["TN-42", "2026-01-12", "inclusion_volunteer_hours", ""] == "2.0"
    areas = {(r["area_code"], r["area_name_ar"]) for r in read}
    assert ("TN-42", "القصرين") in areas
