"""Chain verification rate against a raw baseline: `python -m bench.audit_verify [--events N]`.

On each store a log of N events (one real PartnerRegistered copied by the owner, chained by the
store itself: the PostgreSQL trigger, the SQLite start-up chaining) is verified by `dar audit
verify`'s code path (events and chain links read in keyset pages, two SHA-256 per event), and
read by a minimal baseline: the same event rows in the same order, keyset pages of the same size,
one SHA-256 per row in one pass. The two are sampled in turn in one run (the machine is shared).
Target: verification at least 0.5 of the baseline. Rows `*_audit_verify` and `*_raw_hash_read`
are merged into bench/results.json.
"""

from __future__ import annotations

import argparse
import hashlib
import sqlite3
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import psycopg
from psycopg import sql

from api.bootstrap import bootstrap
from bench.dar_clients import DarCommandClient, fill_dar_log
from bench.projection_rebuild import rate
from bench.report import merge_json, print_rows
from bench.stats import Measurement, Row
from infrastructure.audit.chain import verify
from infrastructure.audit.log import BATCH, open_stored_log
from infrastructure.settings import Settings
from tests.support.clock import TestClock
from tests.support.postgres import start_postgres
from tests.support.stores import PostgresDatabases

BENCH_DIR = Path(__file__).resolve().parent
UNIT = "events/s"


def verified(settings: Settings) -> int:
    """Verify the whole chain as `dar audit verify` does; the events verified."""
    with open_stored_log(settings) as log:
        found = verify(log.walk())
    if not found.intact:
        msg = f"the benchmark's log is broken at {found.broken_at}: {found.reason}"
        raise RuntimeError(msg)
    return found.events


def pg_hash_read(url: str, schema: str) -> int:
    """The baseline: the same rows in order, keyset pages, one SHA-256 per row."""
    page = sql.SQL(
        "SELECT notification_id, originator_id, originator_version, topic, state "
        "FROM {0}.dar_events WHERE notification_id > %s ORDER BY notification_id LIMIT %s"
    ).format(sql.Identifier(schema))
    total, after = 0, 0
    with psycopg.connect(url) as conn, conn.cursor(binary=True) as cur:
        while True:
            rows = cur.execute(page, (after, BATCH)).fetchall()
            for r in rows:
                hashlib.sha256(r[1].bytes + r[3].encode() + r[4]).digest()
            total += len(rows)
            if len(rows) < BATCH:
                return total
            after = rows[-1][0]


def sqlite_hash_read(path: str) -> int:
    """The baseline on SQLite: as `pg_hash_read`."""
    page = (
        "SELECT rowid, originator_id, originator_version, topic, state FROM stored_events "
        "WHERE rowid > ? ORDER BY rowid LIMIT ?"
    )
    total, after = 0, 0
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        while True:
            rows = conn.execute(page, (after, BATCH)).fetchall()
            for r in rows:
                hashlib.sha256(bytes.fromhex(r[1]) + r[3].encode() + r[4]).digest()
            total += len(rows)
            if len(rows) < BATCH:
                return total
            after = rows[-1][0]
    finally:
        conn.close()


_APPEND = (
    "INSERT INTO {0}.dar_events (originator_id, originator_version, topic, state) "
    "SELECT gen_random_uuid(), 1, topic, state FROM {0}.dar_events WHERE notification_id = 1"
)
_TRIGGER = "ALTER TABLE {0}.dar_events {1} TRIGGER dar_chain_appended"


def pg_appends(url: str, schema: str, *, chained: bool, count: int = 300) -> int:
    """One-event appends, each its own transaction, with the chaining trigger on or off."""
    s = sql.Identifier(schema)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL(_TRIGGER).format(s, sql.SQL("ENABLE" if chained else "DISABLE")))
        append = sql.SQL(_APPEND).format(s)
        for _ in range(count):
            conn.execute(append)
        conn.execute(sql.SQL(_TRIGGER).format(s, sql.SQL("ENABLE")))
    return count


def measure(
    store: str, raw: Callable[[], int], check: Callable[[], int], runs: int
) -> tuple[Row, Row]:
    """The baseline and the verification, a sample of each in turn."""
    raw_samples: list[float] = []
    verify_samples: list[float] = []
    for _ in range(runs):
        raw_samples.extend(rate(raw, 1).samples)
        verify_samples.extend(rate(check, 1).samples)
    baseline = Measurement(f"{store}_raw_hash_read", 1, UNIT, tuple(raw_samples))
    measured = Measurement(f"{store}_audit_verify", 1, UNIT, tuple(verify_samples))
    return Row.of_baseline(baseline), Row(measured, baseline)


def _renamed(row: Row, name: str) -> Row:
    """The row under another name (the append figures reuse `measure`), its baseline renamed."""
    base = Measurement("pg_append_unchained", 1, UNIT, row.baseline.samples)
    m = row.measurement
    return Row(Measurement(name, 1, UNIT, m.samples), base)


def run_postgres(events: int, runs: int) -> tuple[Row, ...]:
    """On the suite's throwaway PostgreSQL (fsync on); the copies chained by the trigger."""
    server = start_postgres(fsync=True)
    try:
        settings = PostgresDatabases(server).create()
        dar = bootstrap(settings, TestClock())
        try:
            fill_dar_log(dar, settings, events)
        finally:
            dar.close()
        url = settings.owner_database_url or settings.database_url
        schema = settings.postgres_schema
        rows = measure("pg", lambda: pg_hash_read(url, schema), lambda: verified(settings), runs)
        # Last: the unchained appends leave the log unverifiable.
        unchained, chained = measure(
            "pg",
            lambda: pg_appends(url, schema, chained=False),
            lambda: pg_appends(url, schema, chained=True),
            runs,
        )
        return (
            *rows,
            _renamed(unchained, "pg_append_unchained"),
            _renamed(chained, "pg_append_chained"),
        )
    finally:
        server.stop()


def run_sqlite(events: int, runs: int) -> tuple[Row, Row]:
    """On an embedded SQLite file; the copies chained when the store starts."""
    with tempfile.TemporaryDirectory() as folder:
        path = f"{folder}/dar.sqlite"
        settings = Settings(database_url=f"sqlite:///{path}")
        dar = bootstrap(settings, TestClock())
        DarCommandClient(dar, thread=0).step()
        dar.close()
        conn = sqlite3.connect(path)
        with conn:
            conn.execute(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
                "INSERT INTO stored_events SELECT lower(hex(randomblob(16))), 1, topic, state "
                "FROM stored_events, n WHERE rowid = 1",
                (events - 1,),
            )
            conn.execute("DELETE FROM dar_chain")
        conn.close()
        bootstrap(settings, TestClock()).close()  # chains the copies (the start-up chaining)
        return measure("sqlite", lambda: sqlite_hash_read(path), lambda: verified(settings), runs)


def main(argv: Sequence[str] | None = None) -> int:
    """Measure on both stores, print, and merge the rows into bench/results.json."""
    parser = argparse.ArgumentParser(prog="python -m bench.audit_verify", description=__doc__)
    parser.add_argument("--events", type=int, default=100_000, help="log size (100000)")
    parser.add_argument("--runs", type=int, default=5, help="samples of each (5)")
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "results.json")
    o = parser.parse_args(argv)
    rows = [*run_postgres(o.events, o.runs), *run_sqlite(o.events, o.runs)]
    print_rows(rows)
    merge_json(rows, o.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
