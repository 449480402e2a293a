"""The report: a console table, `results.json` (a plain list of rows) and `RESULTS.md`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.stats import Row

MACHINE_NOTE = "2 cores, PostgreSQL 15, fsync on, loopback"
HEADERS = ("figure", "clients", "median", "min", "max", "spread", "baseline", "ratio", "unit")


@dataclass(frozen=True)
class RunInfo:
    """What the report says about the run besides its figures."""

    date: str
    command: str
    details: str


def _cells(row: Row) -> tuple[str, ...]:
    m = row.measurement
    return (
        m.name,
        str(m.clients),
        f"{m.median:,.0f}",
        f"{m.low:,.0f}",
        f"{m.high:,.0f}",
        f"{m.spread_percent:.0f}%",
        f"{row.baseline.median:,.0f}",
        f"{row.ratio:.3f}",
        m.unit,
    )


def format_table(rows: Sequence[Row]) -> str:
    """The figures as an aligned text table."""
    lines = [HEADERS, *(_cells(row) for row in rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(HEADERS))]
    return "\n".join(
        "  ".join(
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(line, widths, strict=True))
        )
        for line in lines
    )


def write_json(rows: Sequence[Row], path: Path) -> None:
    """A plain JSON list of {name, clients, value, baseline, ratio, unit}."""
    path.write_text(json.dumps([row.as_json() for row in rows], indent=2) + "\n")


def _markdown_table(rows: Sequence[Row]) -> str:
    head = "| " + " | ".join(HEADERS) + " |"
    rule = "|" + "|".join("---" if i == 0 else "---:" for i in range(len(HEADERS))) + "|"
    body = ["| " + " | ".join(_cells(row)) + " |" for row in rows]
    return "\n".join([head, rule, *body])


NOTES = """\
- `*_raw_insert`: plain driver, one single-row INSERT per transaction (BEGIN; INSERT; COMMIT),
  each client a thread with its own connection. `*_dar_register_partner`: one `RegisterPartner`
  command per step through `bootstrap(settings).partners` (PostgreSQL pool size = clients).
- `*_seq_read`: 1 client reading the log from the start in notification order, keyset pages;
  the raw read is plain psycopg, the Dar read is the recorder's `select_notifications`.
- median of the repetitions; min/max are the extremes; spread = (max - min) / median.
- ratio = Dar median / raw median at the same client count, measured in the same run.
- The benchmark clients run on the same machine as the server, so they share its 2 cores.
"""


def write_markdown(rows: Sequence[Row], info: RunInfo, path: Path) -> None:
    """A short human-readable account of the run."""
    text = "\n".join(
        [
            "# Dar benchmark results",
            "",
            f"- date: {info.date}",
            f"- machine: {MACHINE_NOTE}",
            f"- run: {info.details}",
            f"- command: `{info.command}`",
            "",
            _markdown_table(rows),
            "",
            NOTES,
        ]
    )
    path.write_text(text)


def print_rows(rows: Sequence[Row], decimals: int = 0) -> None:
    """Each row's median, ratio to its baseline and samples, one line each."""
    width = max((len(row.measurement.name) for row in rows), default=0)
    for row in rows:
        m = row.measurement
        samples = ", ".join(f"{v:,.{decimals}f}" for v in m.samples)
        figure = f"median {m.median:>12,.{decimals}f} {m.unit}  ratio {row.ratio:.3f}"
        print(f"  {m.name:<{width}} {figure}  ({samples})")


def merge_json(rows: Sequence[Row], path: Path) -> None:
    """Replace the rows of these figures' names in the results file, keeping every other row."""
    names = {row.measurement.name for row in rows}
    before = json.loads(path.read_text()) if path.exists() else []
    kept = [r for r in before if r["name"] not in names]
    path.write_text(json.dumps([*kept, *(row.as_json() for row in rows)], indent=2) + "\n")
