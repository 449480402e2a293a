"""Reads the stored events with their chain links, read-only, one snapshot for the whole pass.

Each page of events comes with its links (a join on the position); the links whose event is
gone are read apart (an anti-join, normally empty) and put back in position order.

A read-only database role suffices: on PostgreSQL, USAGE on the event schema and SELECT on
`dar_events` and `dar_chain`; on SQLite the file is opened read-only. A shared-cache in-memory
SQLite store (`file:NAME?mode=memory&cache=shared`, for development and tests) is read in the
process that holds it, through a connection that may only query; a private one (`:memory:`)
cannot be reached from another connection, and is refused with a typed error.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Protocol

import psycopg
from psycopg import sql

from domain.shared.errors import DarError
from infrastructure.audit.chain import CHAIN_TABLE, Position, StoredRow
from infrastructure.eventstore.factory import SQLITE_PREFIX, is_postgres
from infrastructure.settings import Settings

BATCH = 5000
PG_EVENTS = "dar_events"
SQLITE_EVENTS = "stored_events"


class StoredLog(Protocol):
    """The events and the chain links of one store, in position order."""

    def walk(self) -> Iterator[Position]:
        """Every position that has an event or a link: (position, event or None, hash or None)."""
        ...


class UnreadableStoreError(DarError):
    """The store cannot be read apart from the connection that holds it (private SQLite memory)."""

    code = "STORE_NOT_READABLE"


def open_stored_log(settings: Settings) -> AbstractContextManager[StoredLog]:
    """The configured store's log, for reading only."""
    if is_postgres(settings.database_url):
        return _postgres_log(settings.database_url, settings.postgres_schema)
    path = settings.database_url.removeprefix(SQLITE_PREFIX)
    if "mode=memory" in path and "cache=shared" in path:
        return _sqlite_log(path, in_memory=True)
    if ":memory:" in path or "mode=memory" in path:
        msg = (
            "a private in-memory SQLite store cannot be read from another connection: "
            "use a file, or a shared one (sqlite:///file:NAME?mode=memory&cache=shared)"
        )
        raise UnreadableStoreError(msg)
    return _sqlite_log(path)


def _walk(
    fetch: Callable[[int], Sequence[Any]],
    convert: Callable[[Any], StoredRow],
    orphans: Sequence[tuple[int, bytes]],
) -> Iterator[Position]:
    """Keyset pages of (event columns…, link hash), with the orphan links put in their place."""
    after, pending = 0, list(reversed(orphans))
    while True:
        page = fetch(after)
        for r in page:
            while pending and pending[-1][0] < r[0]:
                position, stored = pending.pop()
                yield position, None, stored
            yield r[0], convert(r), None if r[5] is None else bytes(r[5])
        if len(page) < BATCH:
            break
        after = page[-1][0]
    while pending:
        position, stored = pending.pop()
        yield position, None, stored


class _PostgresLog:
    def __init__(self, conn: psycopg.Connection[tuple[Any, ...]], schema: str) -> None:
        self._conn = conn
        names = {
            "s": sql.Identifier(schema),
            "e": sql.Identifier(PG_EVENTS),
            "c": sql.Identifier(CHAIN_TABLE),
            "n": sql.Literal(BATCH),
        }
        self._page = sql.SQL(
            "SELECT e.notification_id, e.originator_id, e.originator_version, e.topic, e.state, "
            "c.hash FROM {s}.{e} e LEFT JOIN {s}.{c} c ON c.position = e.notification_id "
            "WHERE e.notification_id > %s ORDER BY e.notification_id LIMIT {n}"
        ).format(**names)
        self._orphans = sql.SQL(
            "SELECT c.position, c.hash FROM {s}.{c} c WHERE NOT EXISTS "
            "(SELECT 1 FROM {s}.{e} e WHERE e.notification_id = c.position) ORDER BY c.position"
        ).format(**names)

    def _fetch(self, statement: sql.Composed, *params: int) -> list[tuple[Any, ...]]:
        with self._conn.cursor(binary=True) as cur:
            return cur.execute(statement, params).fetchall()

    def walk(self) -> Iterator[Position]:
        orphans = [(r[0], bytes(r[1])) for r in self._fetch(self._orphans)]
        return _walk(
            lambda after: self._fetch(self._page, after),
            lambda r: StoredRow(r[0], r[1].bytes, r[2], r[3], bytes(r[4])),
            orphans,
        )


@contextmanager
def _postgres_log(url: str, schema: str) -> Iterator[StoredLog]:
    with psycopg.connect(url) as conn:
        conn.read_only = True
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        with conn.transaction():
            yield _PostgresLog(conn, schema)


# The library's positions are SQLite's rowids; both names are constants.
_SQLITE_PAGE = (
    "SELECT e.rowid, e.originator_id, e.originator_version, e.topic, CAST(e.state AS BLOB), "  # noqa: S608
    "c.hash "
    f"FROM {SQLITE_EVENTS} e LEFT JOIN {CHAIN_TABLE} c ON c.position = e.rowid "
    "WHERE e.rowid > ? ORDER BY e.rowid LIMIT ?"
)
_SQLITE_ORPHANS = (
    f"SELECT c.position, c.hash FROM {CHAIN_TABLE} c WHERE NOT EXISTS "  # noqa: S608
    f"(SELECT 1 FROM {SQLITE_EVENTS} e WHERE e.rowid = c.position) ORDER BY c.position"
)


def _sqlite_row(r: Any) -> StoredRow:  # noqa: ANN401 - a sqlite3 row
    try:
        key = bytes.fromhex(r[1])  # the library writes 32 hex digits
    except (TypeError, ValueError):  # written by hand: hashed as found, so it cannot verify
        key = str(r[1]).encode()
    return StoredRow(r[0], key, r[2], r[3], r[4])


class _SQLiteLog:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def walk(self) -> Iterator[Position]:
        orphans = self._conn.execute(_SQLITE_ORPHANS).fetchall()
        return _walk(
            lambda after: self._conn.execute(_SQLITE_PAGE, (after, BATCH)).fetchall(),
            _sqlite_row,
            orphans,
        )


@contextmanager
def _sqlite_log(path: str, *, in_memory: bool = False) -> Iterator[StoredLog]:
    """The file opened read-only; or a shared in-memory database, this connection query-only."""
    uri = path if in_memory else f"file:{path}?mode=ro"
    conn = sqlite3.connect(uri, uri=True, isolation_level=None)
    try:
        if in_memory:
            conn.execute("PRAGMA query_only = ON")
        conn.execute("BEGIN")  # one snapshot for the whole pass
        yield _SQLiteLog(conn)
        conn.execute("ROLLBACK")
    finally:
        conn.close()
