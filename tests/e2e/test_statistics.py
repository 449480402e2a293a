"""Issue 17, governance statistics end to end, on both stores.

The three houses' fortnight (tests/fixtures/statistics/three_houses.yaml) is in the store; a
real `dar run` serves it; a governance token gets `serviceStatistics` by governorate and week
over HTTP; `dar stats export --format csv`, its own process, writes the same figures. Then the
same path over a history that `dar simulate`, its own process, wrote into an empty store: two
houses over two working days on either side of a weekend (two weeks), a visit per ticket the
simulator planned, fees paid in cash and by card.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from contextlib import closing
from datetime import date
from pathlib import Path
from typing import Any

from api.auth import Role
from api.bootstrap import bootstrap
from api.simulation.plan import day_plan
from api.simulation.run import working_days
from api.simulation.world import houses
from infrastructure.reference.places import business_calendar
from infrastructure.settings import Settings
from tests.support.api import environment, serve, token_for
from tests.support.clock import TestClock
from tests.support.e2e import Client
from tests.support.spec import Scenario
from tests.support.statistics import FIXTURE

DAR = str(Path(sys.executable).with_name("dar"))
QUERY = """query($p: Position, $from: Date! = "2026-01-05", $to: Date! = "2026-01-18") {
  serviceStatistics(filter: {from: $from, to: $to},
  groupBy: GOVERNORATE, period: WEEK, atLeastPosition: $p) { groups { area { code nameAr } from
  visits { visits waits { count meanMinutes medianMinutes p90Minutes withinTargetShare } }
  requests { partnerCode serviceCode lodged forwarded decided }
  money { partnerCode method payments captured refunded net } } } }"""
# `dar simulate`: a few houses and days, so that the test takes seconds (~300 commands)
HOUSES, DAYS, VISITS, SEED, START = 2, 2, 8, 3, date(2026, 1, 9)


def seeded(settings: Settings) -> int:
    """The fixture appended to the store; the log's last position."""
    with closing(bootstrap(settings, projector=False)) as dar:
        Scenario(dar, TestClock()).given(FIXTURE)
        return dar.store.recorder.max_notification_id() or 0


def exported(
    settings: Settings, out: Path, first: str = "2026-01-05", last: str = "2026-01-18"
) -> dict[tuple[str, str, str, str, str], str]:
    """`dar stats export` by governorate and week, nothing blanked.

    (area, from, measure, partner, detail) -> value.
    """
    args = ["stats", "export", "--format", "csv", "--group-by", "governorate", "--period", "week"]
    args += ["--from", first, "--to", last, "--out", str(out)]
    env = environment(settings, DAR_STATISTICS_SMALL_COUNT="1")
    done = subprocess.run(  # noqa: S603 - our own entry point
        [DAR, *args], env=env, cwd=out.parent, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    with out.open(encoding="utf-8-sig", newline="") as file:
        rows = list(csv.DictReader(file))
    return {
        (r["area_code"], r["from"], r["measure"], r["partner"], r["detail"]): r["value"]
        for r in rows
    }


def same(value: Any) -> str:
    """A figure as the CSV writes it."""
    return "" if value is None else str(value)


def test_governance_reads_the_statistics_over_http_and_the_export_says_the_same(
    store_settings: Settings, tmp_path: Path
) -> None:
    head = seeded(store_settings)
    with serve(store_settings, tmp_path) as server, server.client() as http:
        governance = token_for(store_settings, Role.GOVERNANCE)
        groups = Client(http).call(governance, QUERY, p=head)["serviceStatistics"]["groups"]
    assert [(g["area"]["code"], g["from"]) for g in groups] == [
        ("TN-42", "2026-01-05"),
        ("TN-42", "2026-01-12"),
        ("TN-61", "2026-01-05"),
        ("TN-61", "2026-01-12"),
    ]
    assert groups[0]["area"]["nameAr"] == "القصرين"
    assert groups[0]["visits"]["waits"]["medianMinutes"] == 10.5
    csv_figures = exported(store_settings, tmp_path / "statistics.csv")
    assert same_figures(groups, csv_figures) == 37
    # 4 groups x 6 queue figures, 3 request lines x 3, 2 money lines x 2


def same_figures(
    groups: list[dict[str, Any]], csv_figures: dict[tuple[str, str, str, str, str], str]
) -> int:
    """Every figure of the API's groups is the export's; how many were compared."""
    compared = 0
    for g in groups:
        at = (g["area"]["code"], g["from"])
        waits = g["visits"]["waits"]
        for measure, value in (
            ("visits", g["visits"]["visits"]),
            ("wait_count", waits["count"]),
            ("wait_mean_minutes", waits["meanMinutes"]),
            ("wait_median_minutes", waits["medianMinutes"]),
            ("wait_p90_minutes", waits["p90Minutes"]),
            ("wait_within_target_share", waits["withinTargetShare"]),
        ):
            assert csv_figures[(*at, measure, "", "")] == same(value), (at, measure)
            compared += 1
        for r in g["requests"]:
            for measure in ("lodged", "forwarded", "decided"):
                key = (*at, f"requests_{measure}", r["partnerCode"], r["serviceCode"])
                assert csv_figures[key] == same(r[measure])
                compared += 1
        for m in g["money"]:
            key = (*at, "money_captured_tnd", m["partnerCode"], m["method"])
            assert csv_figures[key] == m["captured"]
            assert csv_figures[(*at, "money_net_tnd", m["partnerCode"], m["method"])] == m["net"]
            compared += 2
    return compared


def simulate(settings: Settings, cwd: Path) -> None:
    """`dar simulate` into the store, in its own process."""
    args = [f"--houses={HOUSES}", f"--days={DAYS}", f"--visits={VISITS}", f"--seed={SEED}"]
    args.append(f"--start={START.isoformat()}")
    done = subprocess.run(  # noqa: S603 - our own entry point
        [DAR, "simulate", *args, "--no-progress"],
        env=environment(settings),
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def planned_visits() -> dict[tuple[str, str], int]:
    """The visits the simulator plans, by governorate code and week: each takes a ticket."""
    calendar = business_calendar()
    days = working_days(calendar, START, DAYS)
    assert [d.isoweekday() for d in days] == [5, 1], "a Friday, then the next week's Monday"
    codes = {"Kasserine": "TN-42"}  # where the first houses are (api/simulation/world.py)
    visits: dict[tuple[str, str], int] = {}
    for house in houses(HOUSES):
        for day in days:
            plan = day_plan(SEED, house, day, calendar, VISITS)
            key = (codes[house.governorate], day_monday(day))
            visits[key] = visits.get(key, 0) + len(plan.visits)
    return visits


def day_monday(day: date) -> str:
    """The first day of `day`'s week, as the API writes it."""
    return date.fromordinal(day.toordinal() - day.weekday()).isoformat()


def test_a_simulated_history_is_read_by_governorate_and_week_and_exported_the_same(
    store_settings: Settings, tmp_path: Path
) -> None:
    simulate(store_settings, tmp_path)
    with closing(bootstrap(store_settings, projector=False)) as dar:
        head = dar.store.recorder.max_notification_id() or 0
    first, last = "2026-01-05", "2026-01-18"
    with serve(store_settings, tmp_path) as server, server.client() as http:
        governance = token_for(store_settings, Role.GOVERNANCE)
        answer = Client(http).call(governance, QUERY, p=head, **{"from": first, "to": last})
    groups = answer["serviceStatistics"]["groups"]
    planned = planned_visits()
    assert {(g["area"]["code"], g["from"]): g["visits"]["visits"] for g in groups} == planned
    assert all(g["requests"] and g["money"] for g in groups)
    assert sum(float(m["captured"]) for g in groups for m in g["money"]) > 0
    assert {m["method"] for g in groups for m in g["money"]} == {"cash", "card"}
    csv_figures = exported(store_settings, tmp_path / "simulated.csv", first, last)
    assert same_figures(groups, csv_figures) > 6 * len(planned)
