"""The log read + decode against a raw sequential read of the same number of rows (PostgreSQL).

The raw read is `bench.run`'s: plain psycopg, keyset pages of 1000 from a table shaped like Dar's
events table. Dar's log is filled as `bench.run` fills it (one real `PartnerRegistered`, copied),
and read from the start in pages of 1000 by each of its readers, every event decoded to its
domain event. Samples are taken in turns (raw, then each reader), so that the shared machine's
load falls on all of them alike.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

import psycopg
from eventsourcing.postgres import PostgresApplicationRecorder

from api.bootstrap import Dar, bootstrap
from bench.command_setup import library_path
from bench.dar_clients import DarReader, fill_dar_log
from bench.raw import PgReader, fill_pg_table
from bench.stats import Measurement, Row
from infrastructure.readmodels.log import Decoder, EventLog
from tests.support.postgres import PostgresServer
from tests.support.stores import PostgresDatabases

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


def projection_read(dar: Dar, rows: int) -> Read:
    """The projections' reader: `EventLog.read` pages, each row through `Decoder.decode`."""
    log, decoder = EventLog(dar.store), Decoder(dar.store)

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
