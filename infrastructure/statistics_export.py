"""Published statistics: the report's figures as a table, small counts blanked, in CSV or XLSX.

One row per figure (long format: area, period, measure, partner, detail, value), so a
spreadsheet pivots it as it likes. Publishing blanks every count from 1 to `small - 1` and every
figure resting on that few visits, files or payments (a mean, a percentile, a share, a sum of
money): such a figure could point at one person. Zero stays (it points at nobody); grants are
institutions, never blanked. CSV is UTF-8 with a byte-order mark, so a spreadsheet opens the
Arabic names intact.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook

from domain.shared.money import Money
from projections.statistics.figures import Figures, Group, as_figures

HEADER = (
    "area_kind",
    "area_code",
    "area_name_ar",
    "area_name_fr",
    "from",
    "to",
    "measure",
    "partner",
    "detail",
    "value",
    "note",
)
Value = int | float | str | None


@dataclass(frozen=True)
class Figure:
    """One figure of a group: what it measures, and how many acts it rests on (None: public)."""

    measure: str
    value: Value
    basis: int | None
    partner: str = ""
    detail: str = ""


def _counted(measure: str, value: int, partner: str = "", detail: str = "") -> Figure:
    return Figure(measure, value, value, partner, detail)


def _durations(prefix: str, values: Figures) -> Iterator[Figure]:
    n = values["count"]
    yield _counted(f"{prefix}_count", n)
    yield Figure(f"{prefix}_mean_minutes", values["mean_minutes"], n)
    yield Figure(f"{prefix}_median_minutes", values["median_minutes"], n)
    yield Figure(f"{prefix}_p90_minutes", values["p90_minutes"], n)
    if values["within_target"] is not None:
        yield Figure(f"{prefix}_within_target", values["within_target"], n)
        yield Figure(f"{prefix}_within_target_share", values["within_target_share"], n)


def figures_of(group: Figures) -> Iterator[Figure]:
    """Every figure of a group (its plain form, `figures.as_figures`), in a fixed order."""
    v = group["visits"]
    if v is not None:
        for name in ("visits", "served", "no_shows", "walked_away", "transferred"):
            yield _counted(name, v[name])
        yield from _durations("wait", v["waits"])
        yield from _durations("handling", v["handling"])
        for hour, visits in v["by_hour"]:
            yield _counted("visits_in_hour", visits, detail=f"{hour:02d}")
    yield from _requests(group)
    yield from _outcomes(group)
    yield from _money(group)
    for g in group["grants"]:
        for name in ("in_force", "granted", "amended", "suspended", "reinstated", "renewed"):
            yield Figure(f"grants_{name}", g[name], None, g["partner_code"])
        yield Figure("grants_revoked", g["revoked"], None, g["partner_code"])


def _requests(group: Figures) -> Iterator[Figure]:
    for s in group["requests"]:
        p, d = s["partner_code"], s["service_code"]
        for name in ("lodged", "on_the_spot", "forwarded", "returned", "accepted", "refused"):
            yield _counted(f"requests_{name}", s[name], p, d)
        for name in ("closed", "withdrawn", "decided", "with_deadline", "on_time"):
            yield _counted(f"requests_{name}", s[name], p, d)
        yield Figure("requests_on_time_share", s["on_time_share"], s["with_deadline"], p, d)
        for name in ("mean", "median", "p90"):
            value = s[f"turnaround_{name}_days"]
            yield Figure(f"turnaround_{name}_days", value, s["decided"], p, d)
    for c in group["contacts"]:
        yield _counted("contacts_information", c["information"], c["partner_code"])
        yield _counted("contacts_redirections", c["redirections"], c["partner_code"])


def _outcomes(group: Figures) -> Iterator[Figure]:
    o = group["outcomes"]
    whole = o["on_the_spot"] + o["forwarded"] + o["redirected"]
    for name in ("on_the_spot", "forwarded", "redirected", "refused"):
        yield _counted(f"outcome_{name}", o[name])
    for name in ("on_the_spot", "forwarded", "redirected"):
        yield Figure(f"outcome_{name}_share", o[f"{name}_share"], whole)


def _money(group: Figures) -> Iterator[Figure]:
    for m in group["money"]:
        p, d, captured, refunds = m["partner_code"], m["method"], m["captured"], m["refunds"]
        yield _counted("money_payments", captured, p, d)
        yield Figure("money_captured_tnd", str(Money(m["captured_millimes"])), captured, p, d)
        yield _counted("money_refunds", refunds, p, d)
        yield Figure("money_refunded_tnd", str(Money(m["refunded_millimes"])), refunds, p, d)
        yield Figure("money_net_tnd", str(Money(m["net_millimes"])), captured, p, d)


def rows(groups: Sequence[Figures | Group], small: int) -> list[tuple[Value, ...]]:
    """The table of the groups' figures, each resting on 1 to `small - 1` acts blanked.

    The groups in their plain form (`StatisticsReport.figures`), or as `Group`s.
    """
    table: list[tuple[Value, ...]] = []
    for each in groups:
        group = as_figures(each) if isinstance(each, Group) else each
        area = group["area"]
        where = (area["kind"], area["code"], area["name_ar"], area["name_fr"])
        when = (group["first"], group["last"])
        for f in figures_of(group):
            hidden = f.basis is not None and 0 < f.basis < small
            value, note = (None, f"fewer than {small}") if hidden else (f.value, "")
            table.append((*where, *when, f.measure, f.partner, f.detail, value, note))
    return table


def write_csv(table: list[tuple[Value, ...]], out: Path) -> None:
    """UTF-8 with a byte-order mark (what spreadsheets take as UTF-8), comma-separated."""
    with out.open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(HEADER)
        writer.writerows(["" if v is None else v for v in row] for row in table)


def write_xlsx(table: list[tuple[Value, ...]], out: Path) -> None:
    """One sheet, the header frozen."""
    book = Workbook()
    sheet = book.active
    if sheet is None:  # pragma: no cover - a new workbook has its sheet
        sheet = book.create_sheet()
    sheet.title = "statistics"
    sheet.append(HEADER)
    for row in table:
        sheet.append(list(row))
    sheet.freeze_panes = "A2"
    book.save(out)
