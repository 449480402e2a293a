"""Rebuilding read models from zero, in one pass and one transaction, without downtime.

The rebuild empties the projections' tables and applies the whole log to them inside one write
transaction, holding the projections against the runners (which pass them by meanwhile); it reads
the next page and writes the last page's rows on two threads while it applies a page. Readers
keep seeing the read model as it was (PostgreSQL MVCC, SQLite WAL) until the commit, which
switches them to the rebuilt one at once, tracked at the position it reached (on PostgreSQL the
commit does not wait for its WAL to reach the disk: a crash just after it may lose the rebuild,
which leaves the read models and their positions as they were before it). A projection that
fails during the rebuild rolls it all back: the live read models are left exactly as they were.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import NoReturn

from application.store import EventStore
from infrastructure.cycles import no_cycle_collection
from infrastructure.readmodels.batching import BackgroundWrites, DeferredWriteError
from infrastructure.readmodels.database import ReadDatabase, SqlCursor, as_time
from infrastructure.readmodels.failures import clear_failure, create_failure_tables
from infrastructure.readmodels.log import Batch, Decoder, EventLog, Topics
from infrastructure.readmodels.runner import TRANSIENT, PageWriter, Registered, fields_read
from projections.errors import StaleError

REBUILDS = "dar_projection_rebuilds"
PAGE = 10_000  # events a rebuild reads, applies and flushes at a time
Progress = Callable[[int, int], None]
"""Told (position reached, head of the log) after each page."""


class RebuildFailedError(Exception):
    """A projection could not apply an event during a rebuild: nothing was changed."""

    def __init__(self, key: str, positions: tuple[int, int], error: BaseException) -> None:
        first, last = positions
        super().__init__(
            f"{key} failed on an event between positions {first} and {last}: "
            f"{type(error).__name__}: {error}; nothing was changed"
        )
        self.key = key
        self.positions = positions


@dataclass(frozen=True)
class Rebuilt:
    """What a rebuild did."""

    projections: tuple[str, ...]
    position: int
    events: int


def rebuild(  # noqa: PLR0913 - the store, the database, what to rebuild; the rest keywords
    store: EventStore,
    db: ReadDatabase,
    registered: Sequence[Registered[object]],
    *,
    now: Callable[[], datetime],
    progress: Progress | None = None,
    page: int = PAGE,
) -> Rebuilt:
    """Rebuild these read models from the start of the log, and switch to them when caught up."""
    keys = tuple(r.key for r in registered)
    _prepare(db, registered)
    _mark(db, keys, now())
    try:
        return _rebuild(store, db, registered, now=now, progress=progress or _silent, page=page)
    except BaseException:
        _unmark(db, keys)
        raise


def _rebuild(  # noqa: PLR0913 - as rebuild's
    store: EventStore,
    db: ReadDatabase,
    registered: Sequence[Registered[object]],
    *,
    now: Callable[[], datetime],
    progress: Progress,
    page: int,
) -> Rebuilt:
    """One pass, pipelined.

    The next page is read (a thread) and the last page's rows are written (another thread, in
    this transaction) while this page is decoded and applied.
    """
    log, decoder = EventLog(store), Decoder(store, fields_read(registered))
    topics = {r.key: r.topics() for r in registered}
    head = log.head()
    after = events = 0
    with (
        no_cycle_collection(),
        db.write() as cur,
        ThreadPoolExecutor(1, thread_name_prefix="dar-read") as reader,
    ):
        if db.kind == "postgres":  # derived data: a crash may lose the rebuild, never half of it
            cur.execute("SET LOCAL synchronous_commit TO OFF")
        for r in registered:
            db.claim(cur, r.key)  # waits for a runner's batch in flight, then holds it
        writes = BackgroundWrites(cur)
        try:
            cursors = {r.key: writes.cursor(f"{r.key} 1 {head}") for r in registered}
            for r in registered:  # emptied on the writes' thread while the first page is read
                for table in r.tables:
                    cursors[r.key].execute(f"DELETE FROM {db.table(table)}")
            writers = {r.key: PageWriter.on(r, (db, cursors[r.key])) for r in registered}
            rows = log.read(after, page)
            while rows:
                following = reader.submit(log.read, rows[-1].position, page)
                batch = Batch(rows, decoder)
                for r in registered:
                    cursors[r.key].label = f"{r.key} {after + 1} {batch.last}"
                    _apply(writers[r.key], topics[r.key], batch, after)
                after, events = batch.last, events + len(rows)
                head = max(head, after)
                progress(after, head)
                rows = following.result()
            for r in registered:
                _finish(writers[r.key], after)
            _written(writes)
        finally:
            writes.close()
        for r in registered:
            db.track(cur, r.key, after, now())
            clear_failure(db, cur, r.key, after)
        _unmark_in(db, cur, tuple(r.key for r in registered))
    return Rebuilt(tuple(r.key for r in registered), after, events)


def _apply(writer: PageWriter, topics: Topics, batch: Batch, after: int) -> None:
    try:
        writer.apply(topics, batch, after)
    except DeferredWriteError as failed:  # an earlier page's write, seen now
        _raise_write_failure(failed)
    except TRANSIENT:
        raise
    except Exception as error:
        raise RebuildFailedError(writer.registered.key, (after + 1, batch.last), error) from error


def _finish(writer: PageWriter, last: int) -> None:
    """The work a writer keeps for the end of its pass (failing as its last page would)."""
    try:
        writer.finish()
    except DeferredWriteError as failed:
        _raise_write_failure(failed)
    except TRANSIENT:
        raise
    except Exception as error:
        raise RebuildFailedError(writer.registered.key, (last, last), error) from error


def _written(writes: BackgroundWrites) -> None:
    """Wait for the last page's writes."""
    try:
        writes.wait()
    except DeferredWriteError as failed:
        _raise_write_failure(failed)


def _raise_write_failure(failed: DeferredWriteError) -> NoReturn:
    """A write of a projection's page failed: the rebuild fails with its name and its page."""
    if isinstance(failed.error, TRANSIENT):
        raise failed.error
    key, first, last = failed.label.rsplit(" ", 2)
    raise RebuildFailedError(key, (int(first), int(last)), failed.error) from failed.error


def _prepare(db: ReadDatabase, registered: Sequence[Registered[object]]) -> None:
    db.ensure_tracking()
    create_failure_tables(db)
    with db.write() as cur:
        cur.execute(
            db.ddl(
                "CREATE TABLE IF NOT EXISTS {schema}" + REBUILDS + " ("
                "projection {text} PRIMARY KEY, started_at {time} NOT NULL)"
            )
        )
    for r in registered:
        if not r.tables:
            msg = f"{r.key} does not name its tables: it cannot be rebuilt"
            raise ValueError(msg)
        r.create_tables(db)


def _mark(db: ReadDatabase, keys: tuple[str, ...], at: datetime) -> None:
    """Say, where every process can see it, that these read models are being rebuilt."""
    with db.write() as cur:
        for key in keys:
            cur.execute(
                f"INSERT INTO {db.table(REBUILDS)} (projection, started_at) VALUES (?, ?) "
                "ON CONFLICT (projection) DO UPDATE SET started_at = excluded.started_at",
                (key, at),
            )


def _unmark(db: ReadDatabase, keys: tuple[str, ...]) -> None:
    with db.write() as cur:
        _unmark_in(db, cur, keys)


def _unmark_in(db: ReadDatabase, cur: SqlCursor, keys: tuple[str, ...]) -> None:
    for key in keys:
        cur.execute(f"DELETE FROM {db.table(REBUILDS)} WHERE projection = ?", (key,))


def rebuilding(db: ReadDatabase) -> dict[str, datetime]:
    """The read models being rebuilt, with when each rebuild started.

    A rebuild whose process died leaves its mark until the next rebuild of that read model.
    """
    try:
        with db.read() as cur:
            cur.execute(f"SELECT projection, started_at FROM {db.table(REBUILDS)}")
            rows = cur.fetchall()
    except StaleError:
        return {}
    return {str(r[0]): as_time(r[1]) for r in rows}


def _silent(position: int, head: int) -> None:
    del position, head
