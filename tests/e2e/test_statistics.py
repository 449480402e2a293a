"""Issue 17, governance statistics end to end, on both stores.

The three houses' fortnight (tests/fixtures/statistics/three_houses.yaml) is in the store; a
real `dar run` serves it; a governance token gets `serviceStatistics` by governorate and week
over HTTP; `dar stats export --format csv`, its own process, writes the same figures.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from contextlib import closing
from pathlib import Path
from typing import Any

from api.auth import Role
from api.bootstrap import bootstrap
from infrastructure.settings import Settings
from tests.support.api import environment, serve, token_for
from tests.support.clock import TestClock
from tests.support.e2e import Client
from tests.support.spec import Scenario
from tests.support.statistics import FIXTURE

DAR = str(Path(sys.executable).with_name("dar"))
QUERY = """query($p: Position) { serviceStatistics(filter: {from: "2026-01-05", to: "2026-01-18"},
  groupBy: GOVERNORATE, period: WEEK, atLeastPosition: $p) { groups { area { code nameAr } from
  visits { visits waits { count meanMinutes medianMinutes p90Minutes withinTargetShare } }
  requests { partnerCode serviceCode lodged forwarded decided }
  money { partnerCode method payments captured net } } } }"""


def seeded(settings: Settings) -> int:
    """The fixture appended to the store; the log's last position."""
    with closing(bootstrap(settings, projector=False)) as dar:
        Scenario(dar, TestClock()).given(FIXTURE)
        return dar.store.recorder.max_notification_id() or 0


def exported(settings: Settings, out: Path) -> dict[tuple[str, str, str, str, str], str]:
    """`dar stats export` by governorate and week, nothing blanked.

    (area, from, measure, partner, detail) -> value.
    """
    args = ["stats", "export", "--format", "csv", "--group-by", "governorate", "--period", "week"]
    args += ["--from", "2026-01-05", "--to", "2026-01-18", "--out", str(out)]
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
    assert compared == 37  # 4 groups x 6 queue figures, 3 request lines x 3, 2 money lines x 2
