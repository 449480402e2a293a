"""Published statistics exports: small counts blanked, CSV with a BOM and Arabic intact, XLSX.

On the three houses' fortnight (tests/fixtures/statistics/three_houses.yaml), Kasserine's first
week has 5 visits (published at a threshold of 5), 4 waits measured (their mean, median and
share blanked), one cash payment (its count and amounts blanked); grants are never blanked.
"""

from __future__ import annotations

import csv
from pathlib import Path

from openpyxl import load_workbook

from api.bootstrap import Dar
from infrastructure.statistics_export import HEADER, Value, rows, write_csv, write_xlsx
from projections.statistics.figures import GroupBy
from tests.support.clock import TestClock
from tests.support.statistics import fixture_report, project_fixture

KASSERINE_WEEK_1 = ("TN-42", "2026-01-05")


def figures(table: list[tuple[Value, ...]]) -> dict[tuple[str, str, str], tuple[Value, Value]]:
    """Kasserine's first week: (measure, partner, detail) -> (value, note)."""
    return {
        (str(r[6]), str(r[7]), str(r[8])): (r[9], r[10])
        for r in table
        if (r[1], r[4]) == KASSERINE_WEEK_1
    }


def test_counts_under_the_threshold_and_what_rests_on_them_are_blanked(
    dar: Dar, clock: TestClock
) -> None:
    project_fixture(dar, clock)
    groups = fixture_report(dar, GroupBy.GOVERNORATE)
    published = figures(rows(groups, small=5))
    assert published["visits", "", ""] == (5, "")
    assert published["wait_count", "", ""] == (None, "fewer than 5")
    assert published["wait_median_minutes", "", ""] == (None, "fewer than 5")
    assert published["wait_within_target_share", "", ""] == (None, "fewer than 5")
    assert published["money_captured_tnd", "STEG", "cash"] == (None, "fewer than 5")
    assert published["outcome_refused", "", ""] == (0, "")  # zero points at nobody
    assert published["grants_in_force", "STEG", ""] == (1, "")  # institutions
    exact = figures(rows(groups, small=1))
    assert exact["wait_median_minutes", "", ""] == (10.5, "")
    assert exact["money_captured_tnd", "STEG", "cash"] == ("174.700", "")
    assert exact["visits_in_hour", "", "08"] == (2, "")


def test_the_csv_opens_with_a_bom_and_keeps_arabic_and_the_xlsx_holds_the_same_rows(
    dar: Dar, clock: TestClock, tmp_path: Path
) -> None:
    project_fixture(dar, clock)
    table = rows(fixture_report(dar, GroupBy.MUNICIPALITY), small=1)
    path = tmp_path / "stats.csv"
    write_csv(table, path)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as file:
        read = list(csv.reader(file))
    assert tuple(read[0]) == HEADER
    assert {r[2] for r in read[1:]} == {"حيدرة", "سبيطلة", "صفاقس"}
    assert len(read) == len(table) + 1
    book = tmp_path / "stats.xlsx"
    write_xlsx(table, book)
    sheet = load_workbook(book).active
    assert sheet is not None
    cells = [tuple(c.value for c in row) for row in sheet.iter_rows(min_row=2)]
    assert [tuple(map(same, row)) for row in cells] == [tuple(map(same, row)) for row in table]


def same(value: object) -> object:
    """A cell as compared: numbers as floats (a spreadsheet keeps 1.0 as 1), blanks as ""."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return "" if value is None else value
