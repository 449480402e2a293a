"""`dar simulate` on PostgreSQL: `python -m bench.simulate [--houses 34] [--days 20]`.

On the suite's throwaway PostgreSQL (fsync on), a fresh store is filled by `dar simulate`'s own
code path (`simulate_store`: every command through the application services, one writer), and the
rates are measured over the whole run: commands/s and events/s written. The baseline, measured
in the same run before and after, is plain psycopg committing one single-row INSERT per
transaction into a table shaped like Dar's (`bench/raw.py`). From the measured rate and the
commands a house-day takes, the time a simulated year (the working days of 2026 in
`calendar.yaml`) takes for 34 and for 350 houses, assuming flat command costs (bounded streams).
Rows `pg_simulate_*` are merged into bench/results.json.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

import psycopg

from api.simulate_cli import Simulated, simulate_store
from bench.raw import PgInsertClient, reset_pg_table
from bench.report import merge_json, print_rows
from bench.stats import Measurement, Row
from infrastructure.reference.places import business_calendar
from tests.support.postgres import start_postgres
from tests.support.stores import PostgresDatabases

BENCH_DIR = Path(__file__).resolve().parent
RAW_INSERTS = 2_000


def raw_inserts(url: str) -> float:
    """Single-row INSERT transactions per second, plain psycopg."""
    reset_pg_table(url)
    client = PgInsertClient(url)
    try:
        began = time.perf_counter()
        for _ in range(RAW_INSERTS):
            client.step()
        return RAW_INSERTS / (time.perf_counter() - began)
    finally:
        client.close()


def working_days_in(year: int) -> int:
    """The houses' working days of `year`."""
    calendar, first = business_calendar(), date(year, 1, 1)
    days = (first + timedelta(days=n) for n in range((date(year + 1, 1, 1) - first).days))
    return sum(1 for d in days if calendar.is_working_day(d))


def year_hours(done: Simulated, houses: int, days: int, rate: float, scale: int) -> float:
    """Hours to simulate a year of `scale` houses at `rate` commands/s."""
    per_house_day = (done.commands - done.setup_commands) / (houses * days)
    per_house_setup = done.setup_commands / houses
    commands = scale * (per_house_setup + per_house_day * working_days_in(2026))
    return commands / rate / 3600


def run(houses: int, days: int, visits: int) -> tuple[list[Row], Simulated]:
    """Measure on a fresh PostgreSQL store."""
    server = start_postgres(fsync=True)
    try:
        settings = PostgresDatabases(server).create()
        with psycopg.connect(server.admin_url(), autocommit=True) as conn:
            conn.execute("CREATE DATABASE bench_raw")
        url = server.admin_url("bench_raw")
        before = raw_inserts(url)
        done = simulate_store(settings, houses_count=houses, days=days, seed=1, visits=visits)
        after = raw_inserts(url)
    finally:
        server.stop()
    baseline = Measurement("pg_raw_insert_tx", 1, "tx/s", (before, after))
    commands = done.commands / done.seconds
    rows = [
        Row.of_baseline(baseline),
        Row(Measurement("pg_simulate_commands", 1, "commands/s", (commands,)), baseline),
        Row(
            Measurement("pg_simulate_events", 1, "events/s", (done.events / done.seconds,)),
            baseline,
        ),
    ]
    for scale in (34, 350):
        hours = year_hours(done, houses, days, commands, scale)
        m = Measurement(f"pg_simulate_year_{scale}_houses", 1, "hours", (hours,))
        rows.append(Row.of_baseline(m))
    return rows, done


def main(argv: Sequence[str] | None = None) -> int:
    """Measure, print, and merge the rows into bench/results.json."""
    parser = argparse.ArgumentParser(prog="python -m bench.simulate", description=__doc__)
    parser.add_argument("--houses", type=int, default=34, help="houses (34)")
    parser.add_argument("--days", type=int, default=20, help="working days (20)")
    parser.add_argument("--visits", type=int, default=60, help="visits per house-day (60)")
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "results.json")
    o = parser.parse_args(argv)
    rows, done = run(o.houses, o.days, o.visits)
    print(
        f"dar simulate --houses {o.houses} --days {o.days} --visits {o.visits}: "
        f"{done.commands} commands ({done.setup_commands} setting houses up), "
        f"{done.events} events in {done.seconds:.1f} s"
    )
    print_rows(rows, decimals=1)
    merge_json(rows, o.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
