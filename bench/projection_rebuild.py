"""Full rebuild of every read model, as a ratio to a raw keyset read of the same events table.

`python -m bench.projection_rebuild [--events 100000] [--days 3] [--tickets 40] [--only KEY ...]`

The log: the payments scenario's house, then `days` ordinary days at its counter through the
application services (tickets, calls, lodgings, cash payments, contacts, no-shows: see
`tests/support/activity.py`). Those days are then cloned through the recorder until the log holds
`events` events: each clone gives every aggregate born or changed in those days a fresh id (the
references between them follow), suffixes receipts (unique in the read models), and keeps the
topics, sizes and shapes of the real events; the house, partners, agents and citizen stay shared.
The same run measures a plain keyset read of the events table (psycopg on PostgreSQL, sqlite3 on
SQLite), then `rebuild` of all read models from zero. Figures go to `bench/results.json` (rows
`*_projection_rebuild`) and are printed.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import psycopg
from eventsourcing.persistence import StoredEvent
from psycopg import sql

from api.bootstrap import Dar, projections
from bench.report import merge_json, print_rows
from bench.stats import Measurement, Row
from infrastructure.readmodels.rebuild import rebuild
from infrastructure.settings import Settings
from tests.support.activity import Activity
from tests.support.clock import TestClock
from tests.support.payments import payments_ready
from tests.support.postgres import start_postgres
from tests.support.stores import PostgresDatabases

BENCH_DIR = Path(__file__).resolve().parent
PAGE = 1000
CLONE_CHUNK = 500


def real_days(settings: Settings, days: int, tickets: int) -> tuple[Dar, int]:
    """Dar with the scenario and `days` real days recorded; the position where the days start."""
    clock = TestClock()
    dar, _, citizen = payments_ready(settings, clock)
    activity = Activity(dar, clock, citizen)
    activity.end_scenario_visit()
    start = dar.store.position()
    activity.days(3, days, tickets)
    return dar, start


def clone_until(dar: Dar, after: int, events: int) -> int:
    """Append clones of the events after `after` until the log holds `events`; the head."""
    rows = dar.store.recorder.select_notifications(
        start=after, limit=1_000_000, inclusive_of_start=False
    )
    born = {UUID(str(r.originator_id)) for r in rows}
    round_ = 0
    while dar.store.position() < events:
        round_ += 1
        fresh = {old: uuid4() for old in born}
        clones = [_clone(r, fresh, round_) for r in rows]
        for i in range(0, len(clones), CLONE_CHUNK):
            dar.store.recorder.insert_events(clones[i : i + CLONE_CHUNK])
    return dar.store.position()


def _clone(event: StoredEvent, fresh: dict[UUID, UUID], round_: int) -> StoredEvent:
    hexes = {old.hex: new.hex for old, new in fresh.items()}

    def walk(value: Any) -> Any:  # noqa: ANN401 - JSON
        if isinstance(value, dict):
            if value.get("_type_") == "uuid_hex":
                return {"_type_": "uuid_hex", "_data_": hexes.get(value["_data_"], value["_data_"])}
            return {
                k: (f"{v}/{round_}" if k == "receipt" and v else walk(v)) for k, v in value.items()
            }
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    state = json.dumps(walk(json.loads(event.state)), separators=(",", ":"), ensure_ascii=False)
    return StoredEvent(
        originator_id=fresh[UUID(str(event.originator_id))],
        originator_version=event.originator_version,
        topic=event.topic,
        state=state.encode(),
    )


def rate(action: Callable[[], int], repetitions: int) -> Measurement:
    """Rows (or events) per second of `action`, which returns how many it handled."""
    samples = []
    for _ in range(repetitions):
        began = time.perf_counter()
        done = action()
        samples.append(done / (time.perf_counter() - began))
    return Measurement("", 1, "events/s", tuple(samples))


def pg_raw_read(url: str, schema: str) -> int:
    """A plain psycopg keyset read of Dar's events table, a page at a time."""
    total, after = 0, 0
    page = sql.SQL(
        "SELECT notification_id, originator_id, originator_version, topic, state FROM {0}."
        "dar_events WHERE notification_id > %s ORDER BY notification_id LIMIT %s"
    ).format(sql.Identifier(schema))
    with psycopg.connect(url, autocommit=True) as conn:
        while rows := conn.execute(page, (after, PAGE)).fetchall():
            total, after = total + len(rows), int(rows[-1][0])
    return total


def sqlite_raw_read(path: str) -> int:
    """A plain sqlite3 keyset read of Dar's events table, a page at a time."""
    total, after = 0, 0
    page = (
        "SELECT rowid, originator_id, originator_version, topic, state FROM stored_events "
        "WHERE rowid > ? ORDER BY rowid LIMIT ?"
    )
    conn = sqlite3.connect(path)
    try:
        while rows := conn.execute(page, (after, PAGE)).fetchall():
            total, after = total + len(rows), int(rows[-1][0])
    finally:
        conn.close()
    return total


def rebuild_all(dar: Dar, only: Sequence[str] = ()) -> int:
    """Every read model (or those whose keys are `only`) from zero, in one pass; the events read."""
    chosen = [r for r in projections() if not only or r.key in only]
    done = rebuild(dar.store, dar.read.db, chosen, now=lambda: datetime.now(tz=UTC))
    return done.events


def measure(
    store: str, dar: Dar, raw: Callable[[], int], repetitions: int, only: Sequence[str] = ()
) -> tuple[Row, Row]:
    """The raw read and the rebuild, alternated in one run: a sample of each in turn.

    On a machine shared with other work, the load moves during a run; alternating gives both
    figures the same share of it.
    """
    raw_samples: list[float] = []
    rebuilt_samples: list[float] = []
    for _ in range(repetitions):
        raw_samples.extend(rate(raw, 1).samples)
        rebuilt_samples.extend(rate(lambda: rebuild_all(dar, only), 1).samples)
    baseline = Measurement(f"{store}_raw_keyset_read", 1, "events/s", tuple(raw_samples))
    measured = Measurement(f"{store}_projection_rebuild", 1, "events/s", tuple(rebuilt_samples))
    return Row.of_baseline(baseline), Row(measured, baseline)


def run_postgres(o: argparse.Namespace) -> tuple[Row, Row]:
    """On the suite's throwaway PostgreSQL (fsync on)."""
    server = start_postgres(fsync=True)
    try:
        settings = PostgresDatabases(server).create()
        dar, start = real_days(settings, o.days, o.tickets)
        head = clone_until(dar, start, o.events)
        print(f"postgres: {head:,} events ({start} scenario, then cloned days)", flush=True)
        url = settings.owner_database_url or settings.database_url
        try:
            return measure(
                "pg", dar, lambda: pg_raw_read(url, settings.postgres_schema), o.runs, o.only
            )
        finally:
            dar.close()
    finally:
        server.stop()


def run_sqlite(o: argparse.Namespace) -> tuple[Row, Row]:
    """On the embedded SQLite files."""
    with tempfile.TemporaryDirectory() as folder:
        path = f"{folder}/dar.sqlite"
        dar, start = real_days(Settings(database_url=f"sqlite:///{path}"), o.days, o.tickets)
        head = clone_until(dar, start, o.events)
        print(f"sqlite: {head:,} events", flush=True)
        try:
            return measure("sqlite", dar, lambda: sqlite_raw_read(path), o.runs, o.only)
        finally:
            dar.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Measure on both stores, print, and merge the rows into bench/results.json."""
    parser = argparse.ArgumentParser(prog="python -m bench.projection_rebuild", description=__doc__)
    parser.add_argument("--events", type=int, default=100_000, help="log size (100000)")
    parser.add_argument("--days", type=int, default=3, help="real days recorded (3)")
    parser.add_argument("--tickets", type=int, default=40, help="tickets a day (40)")
    parser.add_argument("--runs", type=int, default=3, help="measurements of each (3)")
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "results.json")
    parser.add_argument(
        "--only", nargs="*", default=[], help="rebuild only these projections (tracking keys)"
    )
    o = parser.parse_args(argv)
    rows = [*run_postgres(o), *run_sqlite(o)]
    print_rows(rows)
    merge_json(rows, o.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
