"""Runs projections: catches up in batches, then follows the log.

Each batch applies many events and records the last position in the same transaction, so every
event is applied exactly once even if the process dies mid-way; the library's own runner commits
once per event, which is ~50x slower here.

A projection that cannot apply an event stops just before it, alone: the batch is applied again
event by event so the events before it are kept, the failure is recorded in the read database
(`failures`), and the projection retries with back-off while every other one follows the log.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, Protocol, TypeVar

import psycopg
import psycopg_pool
from eventsourcing import persistence as es_persistence
from eventsourcing.persistence import Notification

from application.errors import StoreBusyError
from application.store import EventStore
from infrastructure.readmodels.database import ReadDatabase, SqlCursor
from infrastructure.readmodels.failures import (
    Backoff,
    FailedEvent,
    Failure,
    clear_failure,
    create_failure_tables,
    current_failures,
    record_failure,
)
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
    """Keeps a set of read models up to date with the event log; one that fails stops alone."""

    def __init__(  # noqa: PLR0913 - the runner's collaborators, all keywords but three
        self,
        store: EventStore,
        db: ReadDatabase,
        projections: list[Registered[object]],
        *,
        new_events: NewEvents | None = None,
        poll_seconds: float = 0.2,
        wake_up: WakeUp | None = None,
        backoff: Backoff | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(tz=UTC),
    ) -> None:
        self._store = store
        self._db = db
        self._projections = projections
        self._new_events = new_events or NewEvents()
        self._poll = poll_seconds
        self._wake_up = wake_up
        self._backoff = backoff or Backoff()
        self._now = now
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def prepare(self) -> None:
        """Create the tracking and failure tables and every read model's tables."""
        self._db.ensure_tracking()
        create_failure_tables(self._db)
        for registered in self._projections:
            registered.create_tables(self._db)

    def failures(self) -> dict[str, Failure]:
        """The projections that are stopped at an event they cannot apply (any runner's)."""
        return current_failures(self._db)

    def catch_up(self) -> int:
        """Apply every event not yet applied; return how many were applied.

        A failed projection is tried again only once its next retry is due.
        """
        failing = self.failures()
        now = self._now()
        applied = 0
        waiting: BaseException | None = None
        for registered in self._projections:
            failure = failing.get(registered.projection.key)
            if failure is not None and failure.next_retry > now:
                continue
            try:
                applied += self._catch_up_one(registered, failing=failure is not None)
            except TRANSIENT as error:
                waiting = error  # the others still go on; the follower waits after the round
        if waiting is not None:
            raise waiting
        return applied

    def _catch_up_one(self, registered: Registered[object], *, failing: bool) -> int:
        key = registered.projection.key
        applied = 0
        while True:
            start = self._db.tracked(key)
            batch = self._store.recorder.select_notifications(
                start=start, limit=BATCH, inclusive_of_start=False
            )
            if not batch:
                return applied
            try:
                done = self._apply_batch(registered, start, batch, failing=failing)
            except TRANSIENT:
                raise
            except Exception:  # noqa: BLE001 - any error of one projection is isolated below
                return applied + self._apply_singly(registered, batch, failing=failing)
            applied += done
            failing = failing and not done  # a batch that passed cleared the failure

    def _apply_batch(
        self,
        registered: Registered[object],
        start: int,
        batch: Sequence[Notification],
        *,
        failing: bool,
    ) -> int:
        """Apply the batch and track its last position in one transaction (0 if raced)."""
        key = registered.projection.key
        with self._db.write() as cur:
            if self._db.claim(cur, key) != start:
                return 0  # another runner applied this batch meanwhile: read on from there
            writer = registered.writer(self._db, cur)
            for notification in batch:
                event = self._store.mapper.to_domain_event(notification)
                registered.projection.apply(event, notification.id, writer)
            self._db.track(cur, key, batch[-1].id, self._now())
            if failing:
                clear_failure(self._db, cur, key, batch[-1].id)
        if failing:
            log.info("projection %s passed position %d again", key, batch[-1].id)
        return len(batch)

    def _apply_singly(
        self, registered: Registered[object], batch: Sequence[Notification], *, failing: bool
    ) -> int:
        """After a batch failed: apply its events one per transaction up to the one that fails."""
        key = registered.projection.key
        applied = 0
        for notification in batch:
            try:
                applied += self._apply_one(registered, notification, failing=failing)
            except TRANSIENT:
                raise
            except Exception as error:  # noqa: BLE001 - the projection stops here, alone
                self._failed(key, FailedEvent(notification.id, notification.topic, error))
                return applied
        return applied

    def _apply_one(
        self, registered: Registered[object], notification: Notification, *, failing: bool
    ) -> int:
        key = registered.projection.key
        with self._db.write() as cur:
            if self._db.claim(cur, key) >= notification.id:
                return 0  # another runner applied it
            writer = registered.writer(self._db, cur)
            event = self._store.mapper.to_domain_event(notification)
            registered.projection.apply(event, notification.id, writer)
            self._db.track(cur, key, notification.id, self._now())
            if failing:
                clear_failure(self._db, cur, key, notification.id)
        return 1

    def _failed(self, key: str, failed: FailedEvent) -> None:
        """Record the failure where every process sees it, and say so in the log."""
        create_failure_tables(self._db)  # a runner used without prepare() (tests, tools)
        failure = record_failure(self._db, key, failed, self._now(), self._backoff)
        if failure is None:
            return  # skipped or applied by someone else meanwhile
        wait = (failure.next_retry - failure.last_seen).total_seconds()
        if failure.attempts == 1:
            log.error(
                "projection %s stopped before position %d (%s): %s; retrying in %.0f s",
                key,
                failure.position,
                failure.topic,
                failure.message,
                wait,
                exc_info=failed.error,
            )
        else:
            log.warning(
                "projection %s still fails at position %d (attempt %d): %s; retrying in %.0f s",
                key,
                failure.position,
                failure.attempts,
                failure.message,
                wait,
            )

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
        """Follow until stopped: nothing a projection or the database raises ends the follower."""
        errors_in_a_row = 0
        while not self._stop.is_set():
            try:
                self.catch_up()
            except TRANSIENT as error:
                log.warning("projection runner waiting for the database: %s", error)
                self._stop.wait(1.0)
                continue
            except Exception:
                errors_in_a_row += 1
                wait = self._backoff.delay(errors_in_a_row).total_seconds()
                log.exception("projection runner could not read on; retrying in %.0f s", wait)
                self._stop.wait(wait)
                continue
            errors_in_a_row = 0
            self._new_events.wait(self._poll)
