"""Runs projections: catches up in batches, then follows the log.

One pass over the log feeds every projection: a page of events is read once (raw rows, by
keyset), each event is decoded once and only if some projection subscribes to its topic, and each
projection applies the page's events it has not applied yet, with batched writes, and records the
page's last position in the same transaction. So every event is applied exactly once even if the
process dies mid-way, projections at different positions (one rebuilt, one failing, one current)
share the pass, and a projection none of whose events were in a page still moves past it.

A projection that cannot apply an event stops just before it, alone: the batch is applied again
event by event so the events before it are kept, the failure is recorded in the read database
(`failures`), and the projection retries with back-off while every other one follows the log.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, Protocol, TypeVar

import psycopg
import psycopg_pool
from eventsourcing import persistence as es_persistence

from application.decoding import Fields
from application.errors import StoreBusyError
from application.store import EventStore
from infrastructure.clock import SystemClock
from infrastructure.readmodels.batching import BatchingCursor
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
from infrastructure.readmodels.log import Batch, Decoder, EventLog, RawEvent, Topics
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
    tables: tuple[str, ...] = ()  # unqualified names: what a rebuild empties first

    @property
    def key(self) -> str:
        """The projection's tracking key."""
        return self.projection.key

    def topics(self) -> Topics:
        """The events it applies: its `subscribes_to` aggregates' (every event if undeclared)."""
        aggregates: tuple[type, ...] | None = getattr(self.projection, "subscribes_to", None)
        return Topics(aggregates)


def fields_read(projections: Sequence[Registered[object]]) -> Fields:
    """What to decode of each event class for these projections, which share each decoded event.

    The fields their `reads` name, together; every field of a class that some projection
    subscribed to it declares no `reads` for.
    """
    declared = [(r.topics(), getattr(r.projection, "reads", None)) for r in projections]

    def fields(cls: type) -> frozenset[str] | None:
        wanted: set[str] = set()
        for topics, reads in declared:
            if not topics.owns(cls):
                continue
            if reads is None:
                return None
            wanted.update(reads.get(cls, ()))
        return frozenset(wanted)

    return fields


def apply_batch(
    registered: Registered[object],
    topics: Topics,
    batch: Batch,
    after: int,
    target: tuple[ReadDatabase, SqlCursor],
) -> int:
    """Apply the batch's events after `after` that the projection subscribes to, writes batched.

    The number of positions passed (applied or not the projection's).
    """
    writer = PageWriter.on(registered, target)
    done = writer.apply(topics, batch, after)
    writer.finish()
    return done


@dataclass(frozen=True)
class PageWriter:
    """A projection with its writer on a batching cursor: applies pages, flushing each.

    The runner makes one per batch (its transaction); a rebuild keeps one for its whole pass (one
    transaction), so the rows its writer's working sets hold stay known from page to page.
    """

    registered: Registered[object]
    writer: object
    batching: BatchingCursor

    @classmethod
    def on(
        cls, registered: Registered[object], target: tuple[ReadDatabase, SqlCursor]
    ) -> PageWriter:
        """A writer of `registered` in the transaction of `target`'s cursor."""
        db, cur = target
        batching = BatchingCursor(cur)
        return cls(registered, registered.writer(db, batching), batching)

    def apply(self, topics: Topics, batch: Batch, after: int) -> int:
        """Apply the batch's events after `after` that are the projection's, then flush.

        The number of positions passed (applied or not the projection's).
        """
        apply, event, writer = self.registered.projection.apply, batch.event, self.writer
        for raw in batch.after(after, topics):
            apply(event(raw), raw.position, writer)
        flush = getattr(writer, "flush", None)
        if callable(flush):
            flush()  # a writer that keeps rows until the end of the batch
        self.batching.flush()
        return batch.count_after(after)

    def finish(self) -> None:
        """After its last page: a writer that keeps work for the end of its pass does it now."""
        finish = getattr(self.writer, "finish", None)
        if callable(finish):
            finish()
            self.batching.flush()


@dataclass(eq=False)
class _Follower:
    """A projection during one pass: where it stands, whether it is failing."""

    registered: Registered[object]
    topics: Topics
    position: int
    failing: bool
    stopped: bool = field(default=False)

    @property
    def key(self) -> str:
        return self.registered.key


def _changed_first(followers: list[_Follower], batch: Batch, after: int) -> list[_Follower]:
    """The followers with events of their own in the batch first, the others after.

    Their changes, and their subscribers' pushes, do not wait for the tracking-only transactions.
    """
    return sorted(followers, key=lambda f: not batch.after(max(after, f.position), f.topics))


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

    @property
    def generation(self) -> int:
        """How many signals so far: pass it to `wait` to miss none sent after reading it."""
        with self._condition:
            return self._generation

    def wait(self, timeout: float, since: int | None = None) -> bool:
        """Wait for a signal (one after `since`, if given: it may have come already) or timeout.

        True if signalled, False if the timeout ran out.
        """
        with self._condition:
            seen = self._generation if since is None else since
            return self._condition.wait_for(lambda: self._generation != seen, timeout)


class ReadModelChanges:
    """Tells this process that a read model changed: its projection key and the position reached.

    A runner announces each transaction it committed that applied events of a projection (after
    the commit, so a listener reading the read model sees the change); on PostgreSQL the
    read-model listener (`infrastructure.readmodels.listen`) announces the commits of every other
    process's runner. Listeners run on the announcing thread: they hand off and return at once.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: dict[str, list[Callable[[int], None]]] = {}

    def listen(self, key: str, listener: Callable[[int], None]) -> None:
        """Call `listener(position)` after each change of the read model of projection `key`."""
        with self._lock:
            self._listeners.setdefault(key, []).append(listener)

    def announce(self, key: str, position: int) -> None:
        """The read model of projection `key` changed, up to `position` (from any thread)."""
        with self._lock:
            listeners = list(self._listeners.get(key, ()))
        for listener in listeners:
            listener(position)


class WakeUp(Protocol):
    """Tells this process about events committed by other processes."""

    def start(self, signal: NewEvents, stop: threading.Event) -> None:
        """Begin signalling until `stop` is set."""
        ...


_WALL_CLOCK = SystemClock()  # when a runner is given no clock of its own


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
        changes: ReadModelChanges | None = None,
        backoff: Backoff | None = None,
        now: Callable[[], datetime] = _WALL_CLOCK.now,
    ) -> None:
        self._store = store
        self._db = db
        self._projections = projections
        self._topics = {r.key: r.topics() for r in projections}
        self._log = EventLog(store)
        self._decoder = Decoder(store, fields_read(projections))
        self._new_events = new_events or NewEvents()
        self._poll = poll_seconds
        self._wake_up = wake_up
        self._changes = changes or ReadModelChanges()
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
        """Apply every event not yet applied, in one pass; the positions passed, summed.

        A failed projection is tried again only once its next retry is due.
        """
        failing = self.failures()
        now = self._now()
        positions = self._db.tracked_all()
        followers = [
            _Follower(r, self._topics[r.key], positions.get(r.key, 0), r.key in failing)
            for r in self._projections
            if r.key not in failing or failing[r.key].next_retry <= now
        ]
        applied = 0
        waiting: BaseException | None = None
        while followers:
            after = min(f.position for f in followers)
            rows = self._log.read(after, BATCH)
            if not rows:
                break
            batch = Batch(rows, self._decoder)
            for follower in _changed_first(followers, batch, after):
                try:
                    applied += self._advance(follower, batch, after)
                except TRANSIENT as error:
                    waiting = error  # the others still go on; the follower waits after the pass
                    follower.stopped = True
            followers = [f for f in followers if not f.stopped]
        if waiting is not None:
            raise waiting
        return applied

    def _advance(self, follower: _Follower, batch: Batch, after: int) -> int:
        """Bring one projection to the batch's last position (or to the event it fails on)."""
        if follower.position >= batch.last:
            return 0
        try:
            return self._apply_batch(follower, batch, after)
        except TRANSIENT:
            raise
        except Exception:  # noqa: BLE001 - any error of one projection is isolated below
            follower.stopped = True
            return self._apply_singly(follower, batch)

    def _apply_batch(self, follower: _Follower, batch: Batch, after: int) -> int:
        """Apply the batch and track its last position in one transaction (0 if raced)."""
        key = follower.key
        with self._db.write() as cur:
            claimed = self._db.try_claim(cur, key)
            if claimed is None:  # a rebuild or another runner holds it: next round
                follower.stopped = True
                return 0
            if claimed < after or claimed >= batch.last:  # moved meanwhile: read on from there
                follower.position = claimed
                return 0
            target = (self._db, cur)
            changed = bool(batch.after(claimed, follower.topics))  # some events were its own
            done = apply_batch(follower.registered, follower.topics, batch, claimed, target)
            self._db.track(cur, key, batch.last, self._now())
            if changed:
                self._db.announce(cur, key, batch.last)  # PostgreSQL: delivered at commit only
            if follower.failing:
                clear_failure(self._db, cur, key, batch.last)
        if changed:
            self._changes.announce(key, batch.last)
        if follower.failing:
            log.info("projection %s passed position %d again", key, batch.last)
        follower.position, follower.failing = batch.last, False
        return done

    def _apply_singly(self, follower: _Follower, batch: Batch) -> int:
        """After a batch failed: apply its events one per transaction up to the one that fails."""
        applied = 0
        for raw in list(batch.after(follower.position, follower.topics)):
            try:
                applied += self._apply_one(follower, batch, raw)
            except TRANSIENT:
                raise
            except Exception as error:  # noqa: BLE001 - the projection stops here, alone
                self._move_to(follower, raw.position - 1)
                self._failed(follower.key, FailedEvent(raw.position, raw.topic, error))
                return applied
        self._move_to(follower, batch.last)  # failed only as a batch: every event passed
        return applied

    def _apply_one(self, follower: _Follower, batch: Batch, raw: RawEvent) -> int:
        key = follower.key
        with self._db.write() as cur:
            claimed = self._db.try_claim(cur, key)
            if claimed is None or claimed >= raw.position:
                return 0  # another runner holds it or applied it
            writer = follower.registered.writer(self._db, cur)
            follower.registered.projection.apply(batch.event(raw), raw.position, writer)
            for end in ("flush", "finish"):
                done = getattr(writer, end, None)
                if callable(done):
                    done()
            self._db.track(cur, key, raw.position, self._now())
            self._db.announce(cur, key, raw.position)
            if follower.failing:
                clear_failure(self._db, cur, key, raw.position)
        self._changes.announce(key, raw.position)
        follower.position = raw.position
        return 1

    def _move_to(self, follower: _Follower, position: int) -> None:
        """Track a position reached without applying anything (the events there are not its)."""
        if position <= follower.position:
            return
        with self._db.write() as cur:
            claimed = self._db.try_claim(cur, follower.key)
            if claimed is None or claimed >= position:
                return
            self._db.track(cur, follower.key, position, self._now())
            if follower.failing:
                clear_failure(self._db, cur, follower.key, position)
        follower.position = position

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
            seen = self._new_events.generation  # a commit during the pass is not slept through
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
            self._new_events.wait(self._poll, since=seen)
