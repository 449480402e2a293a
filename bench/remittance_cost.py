"""What entering captures in remittances costs: `python -m bench.remittance_cost [--payments N]`.

On each store, cash payments of STEG bills at Haidra are recorded through `record_cash` (the
payment, its receipt, its due and its remittance entry in one save), and, as the baseline in the
same run, the same payments with the remittance entry switched off (the code path before
remittances). The two are sampled in turn. Then a day's remittance of N entries is closed, the
close timed against the cash payment's time (it replays the day's entries once). Rows
`*_cash_payment_with_remittance` (baseline `*_cash_payment_without_remittance`) and
`*_close_remittance` are merged into bench/results.json.
"""

from __future__ import annotations

import argparse
import itertools
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, suppress
from datetime import date
from pathlib import Path
from unittest.mock import patch
from uuid import UUID

from api.bootstrap import Dar
from application.payments import service as payment_service
from application.settlement.commands import CloseRemittance
from bench.report import merge_json, print_rows
from bench.stats import Measurement, Row
from domain.payments.remittance import RemittanceClosedError
from infrastructure.settings import Settings
from tests.support.payments import bill_request, pay_cash, payments_ready
from tests.support.postgres import start_postgres
from tests.support.stores import PostgresDatabases

BENCH_DIR = Path(__file__).resolve().parent
UNIT = "payments/s"
_bills = itertools.count(50_000_001)


def _payments(dar: Dar, request: UUID, count: int) -> float:
    """Record `count` cash payments; the rate."""
    start = time.perf_counter()
    for _ in range(count):
        bill = str(next(_bills))
        pay_cash(dar, request, bill, f"bench-{bill}")
    return count / (time.perf_counter() - start)


def _without_entry() -> AbstractContextManager[object]:
    return patch.object(payment_service, "enter_capture", lambda *_: [])


def measure(store: str, settings: Settings, payments: int, runs: int) -> list[Row]:
    """Payments with and without the entry, in turn; then the close of the day."""
    dar, _, citizen = payments_ready(settings)
    try:
        request = bill_request(dar, citizen)
        with_entry: list[float] = []
        without: list[float] = []
        for _ in range(runs):
            with_entry.append(_payments(dar, request, payments))
            with _without_entry():
                without.append(_payments(dar, request, payments))
        closing = _close(dar, runs)
    finally:
        dar.close()
    base = Measurement(f"{store}_cash_payment_without_remittance", 1, UNIT, tuple(without))
    measured = Measurement(f"{store}_cash_payment_with_remittance", 1, UNIT, tuple(with_entry))
    close = Measurement(f"{store}_close_remittance", 1, "closes/s", closing)
    return [Row.of_baseline(base), Row(measured, base), Row(close, base)]


def _close(dar: Dar, runs: int) -> tuple[float, ...]:
    """Close the day (its entries: every payment above with the entry on), timed once per run."""
    rates: list[float] = []
    for n in range(runs):
        day = date(2026, 1, 6)
        command = CloseRemittance(f"bench-close-{n}", "supervisor:S01", "haidra", "STEG", day)
        start = time.perf_counter()
        _tolerated(dar.settlement.close_remittance, command)
        rates.append(1 / (time.perf_counter() - start))
    return tuple(rates)


def _tolerated(close: Callable[[CloseRemittance], object], command: CloseRemittance) -> None:
    """The day closes once; later runs time the refusal, which replays the same entries."""
    with suppress(RemittanceClosedError):
        close(command)


def main(argv: Sequence[str] | None = None) -> int:
    """Measure on both stores, print, and merge the rows into bench/results.json."""
    parser = argparse.ArgumentParser(prog="python -m bench.remittance_cost", description=__doc__)
    parser.add_argument("--payments", type=int, default=100, help="per sample (100)")
    parser.add_argument("--runs", type=int, default=5, help="samples of each (5)")
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "results.json")
    o = parser.parse_args(argv)
    server = start_postgres(fsync=True)
    try:
        rows = measure("pg", PostgresDatabases(server).create(), o.payments, o.runs)
    finally:
        server.stop()
    with tempfile.TemporaryDirectory() as folder:
        sqlite = Settings(database_url=f"sqlite:///{folder}/dar.sqlite")
        rows += measure("sqlite", sqlite, o.payments, o.runs)
    print_rows(rows, decimals=1)
    merge_json(rows, o.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
