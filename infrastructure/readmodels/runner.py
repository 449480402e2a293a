"""Runs projections: catches up in batches, then follows the log.

Each batch applies many events and records the last position in the same transaction, so every
event is applied exactly once even if the process dies mid-way; the library's own runner commits
once per event, which is ~50x slower here.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, Protocol, TypeVar

import psycopg
import psycopg_pool
from eventsourcing import persistence as es_persistence

from application.errors import StoreBusyError
from application.store import EventStore
from infrastructure.readmodels.database import ReadDatabase, SqlCursor
from projections.ports import Projection

W = TypeVar("W")
TRANSIENT = (
    es_persistence.OperationalError,
    es_persistence.InterfaceError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
    psycopg_pool.PoolTimeout,
    sqlite3.OperationalError,
    StoreBusyError,  # a lock or statement timeout: wait, then read again
)
BATCH = 1000
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Registered(Generic[W]):
    """A projection with the way to build its writer on a cursor, and to create its tables."""

    projection: Projection[W]
    writer: Callable[[ReadDatabase, SqlCursor], W]
    create_tables: Callable[[ReadDatabase], None]


class NewEvents:
    """Wakes followers in this process as soon as a command commits (other processes poll)."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._generation = 0

    def signal(self) -> None:
        """Called after a command has saved its events."""
        with self._condition:
            self._generation += 1
            self._condition.notify_all()

    def wait(self, timeout: float) -> None:
        """Wait for a signal or the timeout."""
        with self._condition:
            seen = self._generation
            self._condition.wait_for(lambda: self._generation != seen, timeout)


class WakeUp(Protocol):
    """Tells this process about events committed by other processes."""

    def start(self, signal: NewEvents, stop: threading.Event) -> None:
        """Begin signalling until `stop` is set."""
        ...


class ProjectionRunner:
    """Keeps a set of read models up to date with the event log."""

    def __init__(  # noqa: PLR0913 - the runner's collaborators, all keywords but three
        self,
        store: EventStore,
        db: ReadDatabase,
        projections: list[Registered[object]],
        *,
        new_events: NewEvents | None = None,
        poll_seconds: float = 0.2,
        wake_up: WakeUp | None = None,
    ) -> None:
        self._store = store
        self._db = db
        self._projections = projections
        self._new_events = new_events or NewEvents()
        self._poll = poll_seconds
        self._wake_up = wake_up
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.error: BaseException | None = None

    def prepare(self) -> None:
        """Create the tracking table and every read model's tables."""
        self._db.ensure_tracking()
        for registered in self._projections:
            registered.create_tables(self._db)

    def catch_up(self) -> int:
        """Apply every event not yet applied; return how many were applied."""
        return sum(self._catch_up_one(r) for r in self._projections)

    def _catch_up_one(self, registered: Registered[object]) -> int:
        key = registered.projection.key
        applied = 0
        while True:
            start = self._db.tracked(key)
            batch = self._store.recorder.select_notifications(
                start=start, limit=BATCH, inclusive_of_start=False
            )
            if not batch:
                return applied
            with self._db.write() as cur:
                if self._db.claim(cur, key) != start:
                    continue  # another runner applied this batch meanwhile: read on from there
                writer = registered.writer(self._db, cur)
                for notification in batch:
                    event = self._store.mapper.to_domain_event(notification)
                    registered.projection.apply(event, notification.id, writer)
                self._db.track(cur, key, batch[-1].id, datetime.now(tz=UTC))
            applied += len(batch)

    def start(self) -> None:
        """Follow the log in a background thread."""
        self.prepare()
        if self._wake_up is not None:
            self._wake_up.start(self._new_events, self._stop)
        self._thread = threading.Thread(target=self._follow, name="dar-projections", daemon=True)
        self._thread.start()

    def run_forever(self) -> None:
        """Follow the log in this thread until stopped (the worker process)."""
        self.prepare()
        if self._wake_up is not None:
            self._wake_up.start(self._new_events, self._stop)
        self._follow()

    def stop(self) -> None:
        """Stop following."""
        self._stop.set()
        self._new_events.signal()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _follow(self) -> None:
        while not self._stop.is_set():
            try:
                self.catch_up()
            except TRANSIENT as error:
                log.warning("projection runner waiting for the database: %s", error)
                self._stop.wait(1.0)
                continue
            except Exception as error:
                # A projection that cannot apply an event must not skip it: stop and say so.
                log.exception("projection runner stopped")
                self.error = error
                return
            self._new_events.wait(self._poll)
