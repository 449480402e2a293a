"""The live runner's cost of one batch: every read model caught up after one ticket issued.

Fills `--houses` houses with `--days` business days (as `bench.statistics`), catches up every
read model, opens a queue at one house on the next day, then issues `--tickets` tickets one command
at a time and times `catch_up` after each (every read model of the pass, the statistics among them:
what delays the counter dashboard's pushes). The baseline is a `catch_up` with nothing new, timed
in turns with the measured ones. PostgreSQL, throwaway server.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path

from api.bootstrap import bootstrap
from bench.report import merge_json, print_rows
from bench.statistics import BENCH_DIR, act, fill, percentile, tunis
from bench.stats import Measurement, Row
from domain.counter.queue import Queue
from tests.support.clock import TestClock
from tests.support.postgres import start_postgres
from tests.support.stores import PostgresDatabases


def _timed(run: Callable[[], object]) -> float:
    began = time.perf_counter()
    run()
    return (time.perf_counter() - began) * 1000


def main(argv: Sequence[str] | None = None) -> int:
    """Measure, print, and merge the rows into bench/results.json."""
    parser = argparse.ArgumentParser(prog="python -m bench.statistics_live", description=__doc__)
    parser.add_argument("--houses", type=int, default=34)
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--tickets", type=int, default=40, help="batches timed (40)")
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "results.json")
    o = parser.parse_args(argv)
    server = start_postgres(fsync=True)
    try:
        settings = PostgresDatabases(server).create()
        dar = bootstrap(settings, TestClock())
        try:
            head, days = fill(dar, o.houses, o.days, 60)
            print(f"{head:,} events: {o.houses} houses x {len(days)} days")
            dar.projections.prepare()
            dar.projections.catch_up()
            house = dar.read.statistics.houses()[0].house_id
            day = days[-1] + timedelta(days=1)
            queue = Queue.open(house, "Z", day, act(tunis(day, 8, 0), "kiosk:bench"))
            dar.store.save(queue)
            dar.projections.catch_up()
            batches: list[float] = []
            idle: list[float] = []
            for n in range(o.tickets):
                queue.issue(None, act(tunis(day, 9, n), "kiosk:bench"))
                dar.store.save(queue)
                batches.append(_timed(dar.projections.catch_up))
                idle.append(_timed(dar.projections.catch_up))
        finally:
            dar.close()
    finally:
        server.stop()
    rows = []
    for p in (50, 99):
        base = Measurement(f"pg_live_catch_up_idle_p{p}", o.houses, "ms", (percentile(idle, p),))
        took = Measurement(
            f"pg_live_catch_up_ticket_p{p}", o.houses, "ms", (percentile(batches, p),)
        )
        rows += [Row.of_baseline(base), Row(took, baseline=base)]
    print_rows(rows, decimals=1)
    merge_json(rows, o.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
