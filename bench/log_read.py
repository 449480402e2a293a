"""The log read + decode against a raw sequential read of the same number of rows (PostgreSQL).

`python -m bench.log_read [--rows 50000] [--repeats 7]` (also run by `bench.command_profile`).

The raw read is `bench.run`'s: plain psycopg, keyset pages of 1000 from a table shaped like Dar's
events table (`pg_log_raw_seq_read`, the baseline); the same plain read of Dar's own events table
(the very rows the readers decode) is reported beside it. Dar's log is filled as `bench.run` fills
it (one real `PartnerRegistered`, copied), and read from the start in pages of 1000 by each of its
readers, every event decoded to its domain event: the notification read alone, + the mapper's
decode (what the audit, the exports and the digest use), the library's path before Dar's cuts,
the projections' reader (`EventLog` + `Decoder`), and the projections' reader with a decoding
plan (the fields the statistics read of a partner's registration: its code). Samples are taken in
turns (raw, then each reader), so that the shared machine's load falls on all of them alike; each
figure is the median of its samples.
"""

from __future__ import annotations

import argparse
import functools
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import psycopg
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg import sql

from api.bootstrap import Dar, bootstrap
from application.decoding import Fields, every_field
from bench.command_setup import library_path
from bench.dar_clients import DarReader, fill_dar_log
from bench.raw import PgReader, fill_pg_table
from bench.report import merge_json, print_rows
from bench.stats import Measurement, Row
from domain.partners.partner import Partner
from infrastructure.eventstore.pg_setup import EVENTS_TABLE
from infrastructure.readmodels.log import Decoder, EventLog
from infrastructure.settings import Settings
from tests.support.postgres import PostgresServer, start_postgres
from tests.support.stores import PostgresDatabases

BENCH_DIR = Path(__file__).resolve().parent

PAGE = 1000
ROWS_PER_S = "rows/s"
RAW_DATABASE = "profile_raw"

Read = Callable[[], int]


def mapper_read(dar: Dar, rows: int) -> Read:
    """`select_notifications` and the mapper's `to_domain_event` for each notification."""
    recorder, mapper = dar.store.recorder, dar.store.mapper

    def read() -> int:
        total, start = 0, 1
        while total < rows:
            page = recorder.select_notifications(start=start, limit=PAGE)
            if not page:
                break
            for notification in page:
                mapper.to_domain_event(notification)
            total += len(page)
            start = page[-1].id + 1
        return total

    return read


def projection_read(dar: Dar, rows: int, fields: Fields = every_field) -> Read:
    """The projections' reader: `EventLog.read` pages, each row through `Decoder.decode`."""
    log, decoder = EventLog(dar.store), Decoder(dar.store, fields)

    def read() -> int:
        total, after = 0, 0
        while total < rows:
            page = log.read(after, PAGE)
            if not page:
                break
            for raw in page:
                decoder.decode(raw)
            total += len(page)
            after = page[-1].position
        return total

    return read


def code_only(cls: type) -> tuple[str, ...] | None:
    """The plan of a reader of partners' codes (as the statistics): every field of the others."""
    return ("code",) if cls is Partner.Registered else None


def dar_table_read(settings: Settings, rows: int) -> Read:
    """Plain psycopg reading Dar's own events table: keyset pages, the default (text) protocol."""
    url = settings.owner_database_url or settings.database_url
    statement = sql.SQL(
        "SELECT notification_id, originator_id, originator_version, topic, state FROM {0}.{1} "
        "WHERE notification_id > %s ORDER BY notification_id LIMIT %s"
    ).format(sql.Identifier(settings.postgres_schema), sql.Identifier(EVENTS_TABLE))
    conn = psycopg.connect(url, autocommit=True)

    def read() -> int:
        total, after = 0, 0
        while total < rows:
            page = conn.execute(statement, (after, PAGE)).fetchall()
            if not page:
                break
            total, after = total + len(page), int(page[-1][0])
        return total

    return read


def in_turns(reads: dict[str, Read], repetitions: int) -> dict[str, tuple[float, ...]]:
    """Rows per second of each read, sampled in turns after one warm-up read each."""
    for read in reads.values():
        read()
    samples: dict[str, list[float]] = {name: [] for name in reads}
    for _ in range(repetitions):
        for name, read in reads.items():
            started = time.perf_counter()
            count = read()
            samples[name].append(count / (time.perf_counter() - started))
    return {name: tuple(values) for name, values in samples.items()}


def raw_database(server: PostgresServer) -> str:
    """A database of the server's administrator for the raw baselines; its URL."""
    with psycopg.connect(server.admin_url(), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {RAW_DATABASE}")
    return server.admin_url(RAW_DATABASE)


def read_rows(raw_url: str, databases: PostgresDatabases, rows: int, repetitions: int) -> list[Row]:
    """The raw read and Dar's reads, each decoding every event, with and without Dar's cuts."""
    fill_pg_table(raw_url, rows)
    settings = databases.create()
    dar, before = bootstrap(settings), bootstrap(settings)
    raw = PgReader(raw_url, rows, PAGE)
    try:
        fill_dar_log(dar, settings, rows)
        library_path(before)
        recorder: Any = before.store.recorder
        recorder.select_notifications = functools.partial(
            PostgresApplicationRecorder.select_notifications.__wrapped__, recorder
        )
        samples = in_turns(
            {
                "pg_log_raw_seq_read": raw.read,
                "pg_log_read_notifications": DarReader(dar, rows, PAGE).read,
                "pg_log_read_decode": mapper_read(dar, rows),
                "pg_log_read_decode_library": mapper_read(before, rows),  # before: its read too
                "pg_log_read_decode_projections": projection_read(dar, rows),
                "pg_log_read_decode_projections_plan": projection_read(dar, rows, code_only),
                "pg_log_raw_dar_table_read": dar_table_read(settings, rows),
            },
            repetitions,
        )
    finally:
        raw.close()
        dar.close()
        before.close()
    baseline = Measurement("pg_log_raw_seq_read", 1, ROWS_PER_S, samples["pg_log_raw_seq_read"])
    return [Row.of_baseline(baseline)] + [
        Row(Measurement(name, 1, ROWS_PER_S, values), baseline)
        for name, values in samples.items()
        if name != baseline.name
    ]


def main(argv: Sequence[str] | None = None) -> int:
    """Measure on a throwaway PostgreSQL (fsync on), print, and merge into bench/results.json."""
    parser = argparse.ArgumentParser(prog="python -m bench.log_read", description=__doc__)
    parser.add_argument("--rows", type=int, default=50_000, help="events read (50,000)")
    parser.add_argument("--repeats", type=int, default=7, help="samples of each read (7)")
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "results.json")
    o = parser.parse_args(argv)
    print(f"load before: {os.getloadavg()}", flush=True)
    server = start_postgres(fsync=True)
    try:
        rows = read_rows(raw_database(server), PostgresDatabases(server), o.rows, o.repeats)
    finally:
        server.stop()
    print(f"load after: {os.getloadavg()}")
    print_rows(rows, decimals=0)
    for row in rows:
        m = row.measurement
        print(f"  {m.name:<40} {1e6 / m.median:6.2f} µs a row  ratio {row.ratio:.3f}")
    merge_json(rows, o.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
