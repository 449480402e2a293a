"""Reads the stored events and their chain links, read-only, one snapshot for the whole pass.

A read-only database role suffices: on PostgreSQL, USAGE on the event schema and SELECT on
`dar_events` and `dar_chain`; on SQLite the file is opened read-only.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Protocol

import psycopg
from psycopg import sql

from infrastructure.audit.chain import CHAIN_TABLE, StoredRow
from infrastructure.eventstore.factory import SQLITE_PREFIX, is_postgres
from infrastructure.settings import Settings

BATCH = 5000
PG_EVENTS = "dar_events"
SQLITE_EVENTS = "stored_events"


class StoredLog(Protocol):
    """The events and the chain links of one store, in position order."""

    def rows(self) -> Iterator[StoredRow]:
        """Every event as stored."""
        ...

    def links(self) -> Iterator[tuple[int, bytes]]:
        """Every chain link: its position and hash."""
        ...


class UnreadableStoreError(ValueError):
    """The configured store cannot be read by the verifier (an in-memory SQLite database)."""


def open_stored_log(settings: Settings) -> AbstractContextManager[StoredLog]:
    """The configured store's log, for reading only."""
    if is_postgres(settings.database_url):
        return _postgres_log(settings.database_url, settings.postgres_schema)
    path = settings.database_url.removeprefix(SQLITE_PREFIX)
    if ":memory:" in path or "mode=memory" in path:
        msg = "an in-memory SQLite store cannot be verified from outside its process"
        raise UnreadableStoreError(msg)
    return _sqlite_log(path)


def _pages(fetch: Callable[[int], Sequence[Any]], convert: Callable[[Any], Any]) -> Iterator[Any]:
    """Keyset pages by position (each row's first column), until a page comes back short."""
    after = 0
    while True:
        page = fetch(after)
        for row in page:
            yield convert(row)
        if len(page) < BATCH:
            return
        after = page[-1][0]


class _PostgresLog:
    def __init__(self, conn: psycopg.Connection[tuple[Any, ...]], schema: str) -> None:
        self._conn = conn
        s = sql.Identifier(schema)
        self._rows = sql.SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state "
            "FROM {0}.{1} WHERE notification_id > %s ORDER BY notification_id LIMIT {2}"
        ).format(s, sql.Identifier(PG_EVENTS), sql.Literal(BATCH))
        self._links = sql.SQL(
            "SELECT position, hash FROM {0}.{1} WHERE position > %s ORDER BY position LIMIT {2}"
        ).format(s, sql.Identifier(CHAIN_TABLE), sql.Literal(BATCH))

    def _fetch(self, statement: sql.Composed, after: int) -> list[tuple[Any, ...]]:
        with self._conn.cursor(binary=True) as cur:
            return cur.execute(statement, (after,)).fetchall()

    def rows(self) -> Iterator[StoredRow]:
        return _pages(
            lambda after: self._fetch(self._rows, after),
            lambda r: StoredRow(r[0], r[1].bytes, r[2], r[3], bytes(r[4])),
        )

    def links(self) -> Iterator[tuple[int, bytes]]:
        return _pages(lambda after: self._fetch(self._links, after), lambda r: (r[0], bytes(r[1])))


@contextmanager
def _postgres_log(url: str, schema: str) -> Iterator[StoredLog]:
    with psycopg.connect(url) as conn:
        conn.read_only = True
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        with conn.transaction():
            yield _PostgresLog(conn, schema)


class _SQLiteLog:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def _fetch(self, statement: str, after: int) -> list[Any]:
        return self._conn.execute(statement, (after, BATCH)).fetchall()

    def rows(self) -> Iterator[StoredRow]:
        statement = (  # the library's positions are SQLite's rowids
            "SELECT rowid, originator_id, originator_version, topic, state "  # noqa: S608
            f"FROM {SQLITE_EVENTS} WHERE rowid > ? ORDER BY rowid LIMIT ?"
        )
        return _pages(
            lambda after: self._fetch(statement, after),
            lambda r: StoredRow(r[0], bytes.fromhex(r[1].replace("-", "")), r[2], r[3], r[4]),
        )

    def links(self) -> Iterator[tuple[int, bytes]]:
        statement = (
            f"SELECT position, hash FROM {CHAIN_TABLE} "  # noqa: S608 - a constant
            "WHERE position > ? ORDER BY position LIMIT ?"
        )
        return _pages(lambda after: self._fetch(statement, after), lambda r: (r[0], r[1]))


@contextmanager
def _sqlite_log(path: str) -> Iterator[StoredLog]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
    try:
        conn.execute("BEGIN")  # one snapshot for the whole pass
        yield _SQLiteLog(conn)
        conn.execute("ROLLBACK")
    finally:
        conn.close()
