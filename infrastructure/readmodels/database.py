"""A small SQL seam shared by the read models of both store kinds.

Read models write standard SQL with `?` parameters and `{uuid}`, `{time}`, `{bigint}` type names;
the database adapts parameters, types and table names to SQLite or PostgreSQL.
"""

from __future__ import annotations

import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from typing import Any, Literal, Protocol
from uuid import UUID

import psycopg
from psycopg_pool import ConnectionPool

from infrastructure.readmodels.text import storable, storable_param
from infrastructure.timeouts import BoundedPool, Timeouts
from projections.errors import StaleError

TRACKING = "dar_tracking"
NOT_BUILT = "this read model is not built yet: is the projection worker running?"
_TYPES = {
    "sqlite": {"uuid": "TEXT", "time": "TEXT", "bigint": "INTEGER", "text": "TEXT"},
    "postgres": {"uuid": "uuid", "time": "timestamptz", "bigint": "bigint", "text": "text"},
}


class SqlCursor(Protocol):
    """The part of a DB-API cursor that read models use."""

    def execute(self, sql: str, params: Sequence[object] = ()) -> None:
        """Run one statement."""
        ...

    def executemany(self, sql: str, params: Sequence[Sequence[object]]) -> None:
        """Run one statement for each set of parameters (one round trip, or few)."""
        ...

    def fetchall(self) -> list[tuple[Any, ...]]:
        """All rows of the last query."""
        ...

    def fetchone(self) -> tuple[Any, ...] | None:
        """One row of the last query."""
        ...


def as_uuid(value: object) -> UUID:
    """A UUID read from either store."""
    return value if isinstance(value, UUID) else UUID(str(value))


def as_time(value: object) -> datetime:
    """A timestamp read from either store."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


class ReadDatabase(ABC):
    """Where read models live, with one tracking row per projection."""

    kind: Literal["sqlite", "postgres"]

    def ddl(self, template: str) -> str:
        """A CREATE statement with the dialect's type names and qualified table names."""
        names = {**_TYPES[self.kind], "schema": self.prefix}
        return template.format(**names)

    @property
    @abstractmethod
    def prefix(self) -> str:
        """What precedes a table name: `dar_read.` on PostgreSQL, nothing on SQLite."""

    def table(self, name: str) -> str:
        """A table name, qualified."""
        return f"{self.prefix}{name}"

    @abstractmethod
    def write(self) -> AbstractContextManager[SqlCursor]:
        """A write transaction (the projector's role on PostgreSQL)."""

    @abstractmethod
    def read(self) -> AbstractContextManager[SqlCursor]:
        """A read-only view (the application's role on PostgreSQL), one snapshot throughout.

        Every statement of a read sees the read models as one commit left them: a batch of a
        runner or a rebuild's switch that commits between two of its statements is not seen.
        """

    def ensure_tracking(self) -> None:
        """Create the tracking table if it is missing."""
        with self.write() as cur:
            cur.execute(
                self.ddl(
                    "CREATE TABLE IF NOT EXISTS {schema}" + TRACKING + " ("
                    "projection {text} PRIMARY KEY, position {bigint} NOT NULL, "
                    "updated_at {time} NOT NULL)"
                )
            )

    def tracked(self, key: str) -> int:
        """The last position applied by the projection `key` (0 before any, or before set-up)."""
        try:
            with self.read() as cur:
                cur.execute(
                    f"SELECT position FROM {self.table(TRACKING)} WHERE projection = ?", (key,)
                )
                row = cur.fetchone()
        except StaleError:
            return 0
        return int(row[0]) if row else 0

    def claim(self, cur: SqlCursor, key: str) -> int:
        """In a write transaction: hold projection `key` against other runners; its position now.

        Another runner may have moved the position since this one read it.
        """
        self._lock_projection(cur, key)
        cur.execute(f"SELECT position FROM {self.table(TRACKING)} WHERE projection = ?", (key,))
        row = cur.fetchone()
        return int(row[0]) if row else 0

    def try_claim(self, cur: SqlCursor, key: str) -> int | None:
        """Like `claim`, without waiting: None if another transaction holds projection `key`.

        A rebuild holds its projections for its whole transaction; runners pass them by meanwhile.
        """
        if not self._try_lock_projection(cur, key):
            return None
        cur.execute(f"SELECT position FROM {self.table(TRACKING)} WHERE projection = ?", (key,))
        row = cur.fetchone()
        return int(row[0]) if row else 0

    def tracked_all(self) -> dict[str, int]:
        """The last position applied by every projection that has applied any."""
        try:
            with self.read() as cur:
                cur.execute(f"SELECT projection, position FROM {self.table(TRACKING)}")
                rows = cur.fetchall()
        except StaleError:
            return {}
        return {str(r[0]): int(r[1]) for r in rows}

    @abstractmethod
    def _lock_projection(self, cur: SqlCursor, key: str) -> None:
        """Keep other runners off projection `key` until this transaction ends."""

    @abstractmethod
    def _try_lock_projection(self, cur: SqlCursor, key: str) -> bool:
        """Keep other runners off projection `key`, unless one holds it already (False)."""

    def track(self, cur: SqlCursor, key: str, position: int, now: datetime) -> None:
        """Record, in the batch's transaction, the last position applied."""
        cur.execute(
            f"INSERT INTO {self.table(TRACKING)} (projection, position, updated_at) "
            "VALUES (?, ?, ?) ON CONFLICT (projection) DO UPDATE "
            "SET position = excluded.position, updated_at = excluded.updated_at",
            (key, position, now),
        )

    @property
    def channel(self) -> str | None:
        """Where other processes hear of read-model changes (PostgreSQL), or None (in-process)."""
        return None

    @abstractmethod
    def announce(self, cur: SqlCursor, key: str, position: int) -> None:
        """In a write transaction: tell other processes, once it commits, that `key` changed."""

    @abstractmethod
    def close(self) -> None:
        """Release connections."""


def change_payload(key: str, position: int) -> str:
    """A change's notification text: the projection key and the position, space-separated."""
    return f"{key} {position}"


def parse_change(payload: str) -> tuple[str, int] | None:
    """A change read back from its notification text (None if it is not one)."""
    key, _, position = payload.rpartition(" ")
    return (key, int(position)) if key and position.isdigit() else None


class _SQLiteCursor:
    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    def execute(self, sql: str, params: Sequence[object] = ()) -> None:
        """Run one statement with adapted parameters."""
        self._cursor.execute(sql, [_to_sqlite(p) for p in params])

    def executemany(self, sql: str, params: Sequence[Sequence[object]]) -> None:
        """Run one statement per parameter set, in SQLite's own loop."""
        self._cursor.executemany(sql, [[_to_sqlite(p) for p in row] for row in params])

    def fetchall(self) -> list[tuple[Any, ...]]:
        """All rows."""
        return [tuple(row) for row in self._cursor.fetchall()]

    def fetchone(self) -> tuple[Any, ...] | None:
        """One row, or None."""
        row = self._cursor.fetchone()
        return tuple(row) if row is not None else None


def _to_sqlite(value: object) -> object:
    if isinstance(value, str):
        return storable(value)  # the same text as PostgreSQL holds
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


class SQLiteReadDatabase(ReadDatabase):
    """Read models in their own SQLite file, so projecting never blocks appending events."""

    kind: Literal["sqlite", "postgres"] = "sqlite"

    def __init__(self, path: str) -> None:
        self._uri = path if path.startswith("file:") else f"file:{path}"
        self._memory = "mode=memory" in path or ":memory:" in path
        self._conn = self._connect()
        self._conn.execute("PRAGMA journal_mode=WAL")
        # read models are derived from the log: a commit need not reach the disk at once (WAL
        # keeps the file consistent; a crash loses only the last batches, tracking included, and
        # they are projected again). A sync per batch competed with the commands' own commits.
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._lock = threading.RLock()
        self._readers = threading.local()
        self._all_readers: list[sqlite3.Connection] = []

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self._uri, uri=True, check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA busy_timeout=10000")
        return conn

    @contextmanager
    def _reader(self) -> Iterator[sqlite3.Connection]:
        """A connection to read with.

        Readers of a file each have their own connection (WAL: reads never wait for a batch);
        an in-memory database has one connection, shared under the lock.
        """
        if self._memory:
            with self._lock:
                yield self._conn
            return
        conn: sqlite3.Connection | None = getattr(self._readers, "conn", None)
        if conn is None:
            conn = self._readers.conn = self._connect()
            with self._lock:
                self._all_readers.append(conn)
        yield conn

    @property
    def prefix(self) -> str:
        """See ReadDatabase.prefix."""
        return ""

    def _lock_projection(self, cur: SqlCursor, key: str) -> None:
        """Nothing to do: a write transaction here already excludes every other writer."""

    def _try_lock_projection(self, cur: SqlCursor, key: str) -> bool:  # noqa: ARG002
        """Always held: a write transaction here already excludes every other writer."""
        return True

    def announce(self, cur: SqlCursor, key: str, position: int) -> None:
        """Nothing: SQLite cannot notify; the runner announces in its own process after commit."""

    @contextmanager
    def write(self) -> Iterator[SqlCursor]:
        """See ReadDatabase.write."""
        with self._lock:
            cursor = self._conn.cursor()
            cursor.execute("BEGIN IMMEDIATE")
            try:
                yield _SQLiteCursor(cursor)
            except BaseException:
                self._conn.rollback()
                raise
            self._conn.commit()

    @contextmanager
    def read(self) -> Iterator[SqlCursor]:
        """See ReadDatabase.read."""
        with self._reader() as conn:
            cursor = conn.cursor()
            cursor.execute("BEGIN")
            try:
                yield _SQLiteCursor(cursor)
            except sqlite3.OperationalError as error:
                if "no such table" in str(error):
                    raise StaleError(NOT_BUILT) from error
                raise
            finally:
                conn.rollback()

    def close(self) -> None:
        """See ReadDatabase.close."""
        with self._lock:
            for reader in self._all_readers:
                reader.close()
            self._conn.close()


def _one_snapshot(conn: psycopg.Connection[Any]) -> None:
    """Reads run in read-only repeatable-read transactions: one snapshot for all their statements.

    (Read committed, the default, takes a snapshot per statement: a read of several statements
    could show some tables before a commit and the others after it.)
    """
    conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    conn.read_only = True


class _PgCursor:
    def __init__(self, cursor: Any) -> None:  # noqa: ANN401 - psycopg's cursor
        self._cursor = cursor

    @property
    def connection(self) -> Any:  # noqa: ANN401 - psycopg's connection
        """The connection the cursor runs on (for `select_each`'s pipeline)."""
        return self._cursor.connection

    def execute(self, sql: str, params: Sequence[object] = ()) -> None:
        """Run one statement with adapted parameters."""
        self._cursor.execute(sql.replace("?", "%s"), [storable_param(p) for p in params])

    def executemany(self, sql: str, params: Sequence[Sequence[object]]) -> None:
        """Run one statement per parameter set, pipelined by psycopg (no wait per row)."""
        self._cursor.executemany(
            sql.replace("?", "%s"), [[storable_param(p) for p in row] for row in params]
        )

    def fetchall(self) -> list[tuple[Any, ...]]:
        """All rows."""
        return list(self._cursor.fetchall())

    def fetchone(self) -> tuple[Any, ...] | None:
        """One row, or None."""
        row = self._cursor.fetchone()
        return tuple(row) if row is not None else None


def select_each(
    cur: SqlCursor, statements: Sequence[tuple[str, Sequence[object]]]
) -> list[list[tuple[Any, ...]]]:
    """Every row of each query, in order, within the cursor's transaction.

    On PostgreSQL the queries go in one pipeline (one round trip for all, not one each); on
    SQLite, in-process, one after the other.
    """
    if not isinstance(cur, _PgCursor):
        found = []
        for sql, params in statements:
            cur.execute(sql, params)
            found.append(cur.fetchall())
        return found
    conn = cur.connection
    cursors = [conn.cursor() for _ in statements]
    try:
        with conn.pipeline():
            for each, (sql, params) in zip(cursors, statements, strict=True):
                each.execute(sql.replace("?", "%s"), [storable_param(p) for p in params])
        return [list(each.fetchall()) for each in cursors]
    finally:
        for each in cursors:
            each.close()


# the projector's commits do not wait for the WAL flush: read models are derived from the log,
# and a crash loses only the last batches with their tracking, projected again (never corrupts)
DERIVED_COMMITS = " -c synchronous_commit=off"


class PostgresReadDatabase(ReadDatabase):
    """Read models in the read schema: written by the projector role, read by the application.

    Each pool's connections carry their role's timeouts; a query that reaches one answers
    `StoreBusyError` (the projector's writes raise the driver's error, which its runner waits on).
    """

    kind: Literal["sqlite", "postgres"] = "postgres"

    def __init__(
        self,
        schema: str,
        read: tuple[str, Timeouts],
        write: tuple[str, Timeouts] | None,
    ) -> None:
        self._schema = schema
        read_url, read_bounds = read
        self._reader = BoundedPool(
            read_url,
            min_size=1,
            max_size=8,
            open=True,
            timeout=read_bounds.statement,  # waiting for a free connection is bounded too
            kwargs={"options": read_bounds.options()},
            configure=_one_snapshot,
        )
        self._writer = (
            ConnectionPool(
                write[0],
                min_size=1,
                max_size=2,
                open=True,
                kwargs={"options": write[1].options() + DERIVED_COMMITS},
            )
            if write
            else None
        )

    @property
    def prefix(self) -> str:
        """See ReadDatabase.prefix."""
        return f'"{self._schema}".'

    def _lock_projection(self, cur: SqlCursor, key: str) -> None:
        """A transaction-scoped advisory lock per projection: one runner applies a batch."""
        cur.execute("SELECT pg_advisory_xact_lock(hashtext(?))", (f"dar-projection:{key}",))

    def _try_lock_projection(self, cur: SqlCursor, key: str) -> bool:
        """The same lock, if free."""
        cur.execute("SELECT pg_try_advisory_xact_lock(hashtext(?))", (f"dar-projection:{key}",))
        row = cur.fetchone()
        return bool(row and row[0])

    @property
    def channel(self) -> str:
        """The read schema's notification channel (see ReadDatabase.channel)."""
        return f"{self._schema}_changed"

    def announce(self, cur: SqlCursor, key: str, position: int) -> None:
        """NOTIFY in the batch's transaction: listeners hear it if and when it commits."""
        cur.execute("SELECT pg_notify(?, ?)", (self.channel, change_payload(key, position)))

    @contextmanager
    def write(self) -> Iterator[SqlCursor]:
        """See ReadDatabase.write."""
        if self._writer is None:
            msg = "this process has no projector connection (DAR_PROJECTOR_DATABASE_URL)"
            raise RuntimeError(msg)
        with self._writer.connection() as conn, conn.transaction(), conn.cursor() as cur:
            yield _PgCursor(cur)

    @contextmanager
    def read(self) -> Iterator[SqlCursor]:
        """See ReadDatabase.read."""
        try:
            with self._reader.connection() as conn, conn.cursor() as cur:
                yield _PgCursor(cur)
        except psycopg.errors.UndefinedTable as error:
            raise StaleError(NOT_BUILT) from error

    def close(self) -> None:
        """See ReadDatabase.close."""
        self._reader.close()
        if self._writer is not None:
            self._writer.close()
