"""Command latency on day 250 over day 1 of the same run: `python -m bench.command_growth`.

The demo house of Haidra (two counters) serves 120 tickets a day through the application
services on a test clock (`tests/support/load_day.py`: tickets issued, called and ended, 30
requests lodged, 8 bills paid in cash, both counters opened and closed) for the first `--full`
days (default 5). The days up to the last `--full` then run through the same commands at a reduced
pace (`--pace` tickets a day, default 10: every daily and monthly stream is still opened,
amended, paged as it would be), and the log is padded to the volume of 120 tickets a day by
cloning the first days' new streams (each stream under a fresh id, all its events, in one
statement) once per paced day: the table, its indexes and the long-lived streams then stand as on
day 250 of a real run. The last `--full` days run at 120 tickets, timed. "Day 1" is each
command's median over the first full days, "day 250" over the last (open counter runs only twice a
day: one day's median of two is noise). Target: each ratio within 1.3.

Writes its rows into `bench/results.json` (replacing its own earlier rows) and its table into a
section of `bench/RESULTS.md`.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from uuid import UUID, uuid5

import psycopg
from psycopg import sql

from api.bootstrap import bootstrap
from api.cli import prepare
from infrastructure.eventstore.pg_setup import EVENTS_TABLE
from infrastructure.settings import Settings
from tests.support.load_day import (
    TICKETS_PER_DAY,
    HouseDay,
    Loads,
    MovableClock,
    business_days,
    count_loads,
)
from tests.support.postgres import start_postgres
from tests.support.stores import PostgresDatabases

MEASURED = ("callNextTicket", "endVisit", "openCounter", "lodgeRequest", "recordCashPayment")
TARGET = 1.3
BENCH_DIR = Path(__file__).resolve().parent
SECTION = "## command_growth"
CLONE_NAMESPACE = UUID("8f0c7a52-54a5-4c39-9a55-0e9c0c6f9b61")

_PG_CLONE = (
    "INSERT INTO {table} (originator_id, originator_version, topic, state) "
    "SELECT md5(e.originator_id::text || ':' || c)::uuid, e.originator_version, e.topic, e.state "
    "FROM {table} e CROSS JOIN generate_series(1, %s) c "
    "WHERE e.originator_id IN (SELECT originator_id FROM {table} "
    "  WHERE notification_id BETWEEN %s AND %s AND originator_version = 1) "
    "ORDER BY c, e.notification_id"
)


def _clone_pg(settings: Settings, first: int, last: int, copies: int, days: int) -> None:
    """The first `days` days' new streams under fresh ids, as many times as `copies` days."""
    if settings.owner_database_url is None:
        msg = "cloning needs the owner role's URL"
        raise ValueError(msg)
    table = sql.Identifier(settings.postgres_schema, EVENTS_TABLE)
    with psycopg.connect(settings.owner_database_url, autocommit=True) as conn:
        conn.execute(sql.SQL(_PG_CLONE).format(table=table), (copies // days, first, last))
        conn.execute(sql.SQL("VACUUM ANALYZE {0}").format(table))


def _clone_sqlite(path: Path, first: int, last: int, copies: int, days: int) -> None:
    """The same on the SQLite file, in one transaction."""
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            "SELECT originator_id, originator_version, topic, state FROM stored_events "
            "WHERE originator_id IN (SELECT originator_id FROM stored_events "
            "  WHERE rowid BETWEEN ? AND ? AND originator_version = 1) "
            "ORDER BY rowid",
            (first, last),
        ).fetchall()
        with conn:
            for copy in range(1, copies // days + 1):
                conn.executemany(
                    "INSERT INTO stored_events (originator_id, originator_version, topic, state) "
                    "VALUES (?, ?, ?, ?)",
                    [(_clone_id(o, copy), v, t, s) for o, v, t, s in rows],
                )
    finally:
        conn.close()


def _clone_id(originator: str, copy: int) -> str:
    return str(uuid5(CLONE_NAMESPACE, f"{originator}:{copy}"))


@dataclass(frozen=True)
class Growth:
    """One store's figures: median ms and largest events loaded, per command, on both days."""

    day1: dict[str, float]
    day_n: dict[str, float]
    events1: dict[str, int]
    events_n: dict[str, int]
    log: int
    paced_seconds: float


def _medians(loads: Loads, days: Sequence[int]) -> dict[str, float]:
    """Each command's median latency (ms) over `days`."""
    return {
        c: statistics.median(t for d in days for t in loads.seconds[d][c]) * 1000 for c in MEASURED
    }


def _largest(loads: Loads, days: Sequence[int]) -> dict[str, int]:
    return {c: max(n for d in days for n in loads.per_day[d][c]) for c in MEASURED}


def run_store(
    settings: Settings, days: int, pace: int, full: int, sqlite_path: Path | None
) -> Growth:
    """The first and last `full` days at full load, the days between at `pace`; latencies."""
    prepare(settings, demo=True)
    clock = MovableClock()
    dar = bootstrap(settings, clock, projector=False)
    try:
        loads: Loads = count_loads(dar)
        house = HouseDay(dar, clock, loads, timer=time.perf_counter)
        house.prepare()
        calendar = list(enumerate(business_days(date(2026, 1, 5), days), start=1))
        first_days, paced_days, last_days = calendar[:full], calendar[full:-full], calendar[-full:]
        position = dar.store.position() + 1
        for number, day in first_days:
            house.run(number, day, TICKETS_PER_DAY)
        one_day = (position, dar.store.position())  # clones stand for the paced days' volume
        started = time.perf_counter()
        for number, day in paced_days:
            house.run(number, day, pace)
        paced = time.perf_counter() - started
        copies = len(paced_days)
        if sqlite_path is not None:
            _clone_sqlite(sqlite_path, *one_day, copies, full)
        else:
            _clone_pg(settings, *one_day, copies, full)
        for number, day in last_days:
            house.run(number, day, TICKETS_PER_DAY)
        early, late = [n for n, _ in first_days], [n for n, _ in last_days]
        return Growth(
            day1=_medians(loads, early),
            day_n=_medians(loads, late),
            events1=_largest(loads, early),
            events_n=_largest(loads, late),
            log=dar.store.position(),
            paced_seconds=paced,
        )
    finally:
        dar.close()


def rows_of(store: str, g: Growth) -> list[dict[str, object]]:
    """`results.json` rows: value = day N median (ms), baseline = day 1 median, ratio."""
    return [
        {
            "name": f"{store}_command_growth_{command}",
            "clients": 1,
            "value": round(g.day_n[command], 3),
            "baseline": round(g.day1[command], 3),
            "ratio": round(g.day_n[command] / g.day1[command], 3),
            "unit": "ms",
        }
        for command in MEASURED
    ]


def _line(store: str, g: Growth, c: str) -> str:
    ratio = g.day_n[c] / g.day1[c]
    return (
        f"| {store} | {c} | {g.day1[c]:.2f} | {g.day_n[c]:.2f} | {ratio:.2f} "
        f"| {g.events1[c]} | {g.events_n[c]} |"
    )


def markdown(results: dict[str, Growth], days: int, full: int, command: str) -> str:
    """The section of RESULTS.md."""
    lines = [
        SECTION,
        "",
        f"- command: `{command}`",
        (
            f"- 'day 1' is the median of each command over the first {full} days, 'day {days}' "
            f"over the last {full}, all at {TICKETS_PER_DAY} tickets a day (open counter runs "
            f"twice a day); target ratio <= {TARGET}"
        ),
        "",
        (
            f"| store | command | day 1 ms | day {days} ms | ratio "
            f"| events day 1 | events day {days} |"
        ),
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    lines += [_line(store, g, c) for store, g in results.items() for c in MEASURED]
    logs = ", ".join(f"{s}: {g.log:,} events" for s, g in results.items())
    lines += ["", f"- log on day {days}: {logs}", ""]
    return "\n".join(lines)


def write(results: dict[str, Growth], days: int, full: int, command: str, out: Path) -> None:
    """Merge the rows into results.json and the section into RESULTS.md."""
    json_path, md_path = out / "results.json", out / "RESULTS.md"
    kept = [r for r in json.loads(json_path.read_text()) if "_command_growth_" not in r["name"]]
    rows = [row for store, f in results.items() for row in rows_of(store, f)]
    json_path.write_text(json.dumps(kept + rows, indent=2) + "\n")
    text = md_path.read_text()
    before = text.split(SECTION)[0].rstrip("\n")
    md_path.write_text(before + "\n\n" + markdown(results, days, full, command))


def main(argv: Sequence[str] | None = None) -> int:
    """Run on SQLite and PostgreSQL (fsync on), print and record the ratios."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="python -m bench.command_growth", description=__doc__)
    parser.add_argument("--days", type=int, default=250, help="the last day (default 250)")
    parser.add_argument("--pace", type=int, default=10, help="tickets a day in between (10)")
    parser.add_argument("--full", type=int, default=5, help="full days at each end (5)")
    parser.add_argument("--stores", default="sqlite,postgres", help="sqlite,postgres")
    parser.add_argument("--out-dir", type=Path, default=BENCH_DIR)
    args = parser.parse_args(args_list)
    results: dict[str, Growth] = {}
    stores = str(args.stores).split(",")
    if "sqlite" in stores:
        with tempfile.TemporaryDirectory(prefix="dar-growth-") as folder:
            path = Path(folder) / "dar.sqlite"
            settings = Settings(database_url=f"sqlite:///{path}")
            results["sqlite"] = run_store(settings, args.days, args.pace, args.full, path)
            print("sqlite", results["sqlite"], flush=True)
    if "postgres" in stores:
        server = start_postgres(fsync=True)
        try:
            settings = PostgresDatabases(server).create()
            results["pg"] = run_store(settings, args.days, args.pace, args.full, None)
            print("pg", results["pg"], flush=True)
        finally:
            server.stop()
    command = shlex.join([".venv/bin/python", "-m", "bench.command_growth", *args_list])
    print(markdown(results, args.days, args.full, command))
    write(results, args.days, args.full, command, Path(args.out_dir))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
