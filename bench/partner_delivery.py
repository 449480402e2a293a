"""Deferred delivery rate against a raw baseline: `python -m bench.partner_delivery [--items N]`.

On each store, N cash payments of a partner reported unreachable wait (taken through the
commands, the read models caught up: not timed). The partner is reported back and one round of
the delivery process is timed: each item POSTed to the simulated partner over HTTP with its key,
then its confirmation appended through the command runner. The baseline, sampled in turn in the
same run, POSTs N new keys to the same server with the same HTTP client and nothing else. The
ratio is what recording each confirmation (a command: load the payment, append, key) costs on
top of the call. Rows `*_partner_delivery` and `*_raw_partner_post` are merged into
bench/results.json.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID, uuid4

import httpx

from api.bootstrap import Dar
from bench.report import merge_json, print_rows
from bench.stats import Measurement, Row
from domain.partners.reachability import Reachability
from infrastructure.settings import Settings
from tests.support.clock import TestClock
from tests.support.deliveries import http_partners, partner_day, report, take_payment
from tests.support.partner import SimulatedPartners, simulated_partners
from tests.support.postgres import start_postgres
from tests.support.stores import PostgresDatabases

BENCH_DIR = Path(__file__).resolve().parent
UNIT = "items/s"


def timed(action: Callable[[], int]) -> float:
    """Items per second of `action`, which returns how many it handled."""
    began = time.perf_counter()
    done = action()
    return done / (time.perf_counter() - began)


def raw_posts(partners: SimulatedPartners, items: int) -> int:
    """The baseline: N new keys POSTed to the partner, as the adapter posts them."""
    url = f"{partners.endpoints('SONEDE')['SONEDE']}/deliveries"
    with httpx.Client(timeout=5.0) as client:
        for _ in range(items):
            key = f"raw:{uuid4()}"
            response = client.post(url, json={"key": key}, headers={"Idempotency-Key": key})
            response.raise_for_status()
    return items


def one_round(dar: Dar, citizen: UUID, items: int, sample: int) -> Callable[[], int]:
    """N SONEDE payments waiting while SONEDE is down; the timed round once it is back."""
    report(dar, "SONEDE", Reachability.UNREACHABLE, f"down-{sample}")
    for n in range(items):
        take_payment(dar, citizen, "SONEDE", f"{sample + 1:02d}-{n + 1:05d}")
    report(dar, "SONEDE", Reachability.REACHABLE, f"up-{sample}")
    dar.projections.catch_up()

    def deliver() -> int:
        done = dar.delivery.run_round()
        if done.confirmed != items:
            msg = f"the round confirmed {done.confirmed} of {items}"
            raise RuntimeError(msg)
        return done.confirmed

    return deliver


def measure(store: str, settings: Settings, items: int, runs: int) -> tuple[Row, Row]:
    """The baseline and the delivery round, a sample of each in turn."""
    clock = TestClock(datetime(2026, 1, 5, 8, 0, tzinfo=UTC))
    raw_samples: list[float] = []
    round_samples: list[float] = []
    with simulated_partners() as partners:
        dar, citizen = partner_day(settings, clock, http_partners(partners.endpoints("SONEDE")))
        try:
            dar.projections.prepare()
            for sample in range(runs):
                raw_samples.append(timed(lambda: raw_posts(partners, items)))
                round_samples.append(timed(one_round(dar, citizen, items, sample)))
        finally:
            dar.close()
    baseline = Measurement(f"{store}_raw_partner_post", 1, UNIT, tuple(raw_samples))
    measured = Measurement(f"{store}_partner_delivery", 1, UNIT, tuple(round_samples))
    return Row.of_baseline(baseline), Row(measured, baseline)


def run_postgres(items: int, runs: int) -> tuple[Row, Row]:
    """On the suite's throwaway PostgreSQL (fsync on)."""
    server = start_postgres(fsync=True)
    try:
        return measure("pg", PostgresDatabases(server).create(), items, runs)
    finally:
        server.stop()


def run_sqlite(items: int, runs: int) -> tuple[Row, Row]:
    """On an embedded SQLite file."""
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(database_url=f"sqlite:///{folder}/dar.sqlite")
        return measure("sqlite", settings, items, runs)


def main(argv: Sequence[str] | None = None) -> int:
    """Measure on both stores, print, and merge the rows into bench/results.json."""
    parser = argparse.ArgumentParser(prog="python -m bench.partner_delivery", description=__doc__)
    parser.add_argument("--items", type=int, default=200, help="items per round (200)")
    parser.add_argument("--runs", type=int, default=3, help="samples of each (3)")
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "results.json")
    o = parser.parse_args(argv)
    rows = [*run_postgres(o.items, o.runs), *run_sqlite(o.items, o.runs)]
    print_rows(rows)
    merge_json(rows, o.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
