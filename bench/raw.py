"""The raw baselines: what plain psycopg and plain sqlite3 do with a table shaped like Dar's.

The PostgreSQL table has the columns, primary key and notification index of Dar's event table;
each insert is one transaction (BEGIN; INSERT one row; COMMIT) on the client's own connection.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from uuid import uuid4

import psycopg
from psycopg.rows import TupleRow

TOPIC = "domain.partners.partner:Partner.Registered"
STATE = bytes(range(256))  # a stored PartnerRegistered event is about 260 bytes of JSON

PG_DROP = "DROP TABLE IF EXISTS raw_events"
PG_CREATE = (
    "CREATE TABLE raw_events ("
    "originator_id uuid NOT NULL, originator_version bigint NOT NULL, "
    "topic text NOT NULL, state bytea NOT NULL, notification_id bigserial NOT NULL, "
    "PRIMARY KEY (originator_id, originator_version))"
)
PG_INDEX = "CREATE UNIQUE INDEX raw_events_notification_id ON raw_events (notification_id)"
PG_INSERT = (
    "INSERT INTO raw_events (originator_id, originator_version, topic, state) "
    "VALUES (%s, %s, %s, %s)"
)
PG_FILL = (
    "INSERT INTO raw_events (originator_id, originator_version, topic, state) "
    "SELECT gen_random_uuid(), 1, %s, %s FROM generate_series(1, %s)"
)
PG_PAGE = (
    "SELECT originator_id, originator_version, topic, state, notification_id FROM raw_events "
    "WHERE notification_id >= %s ORDER BY notification_id LIMIT %s"
)

SQLITE_CREATE = (
    "CREATE TABLE IF NOT EXISTS raw_events ("
    "originator_id TEXT, originator_version INTEGER, topic TEXT, state BLOB, "
    "PRIMARY KEY (originator_id, originator_version))"
)
SQLITE_INSERT = (
    "INSERT INTO raw_events (originator_id, originator_version, topic, state) VALUES (?, ?, ?, ?)"
)

PgConnection = psycopg.Connection[TupleRow]


def reset_pg_table(url: str) -> None:
    """Create an empty raw event table (dropping the previous one)."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(PG_DROP)
        conn.execute(PG_CREATE)
        conn.execute(PG_INDEX)


def fill_pg_table(url: str, rows: int) -> None:
    """An empty raw table holding `rows` rows, vacuumed and analysed."""
    reset_pg_table(url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(PG_FILL, (TOPIC, STATE, rows))
        conn.execute("VACUUM ANALYZE raw_events")


class PgInsertClient:
    """A client that commits one single-row INSERT per transaction on its own connection."""

    def __init__(self, url: str) -> None:
        self._conn: PgConnection = psycopg.connect(url)

    def ready(self) -> None:
        """Nothing comes before an insert."""

    def step(self) -> None:
        """BEGIN; INSERT one row; COMMIT."""
        self._conn.execute(PG_INSERT, (uuid4(), 1, TOPIC, STATE))
        self._conn.commit()

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()


class PgReader:
    """Reads the raw table in notification order, one keyset page after another."""

    def __init__(self, url: str, rows: int, page: int) -> None:
        self._conn: PgConnection = psycopg.connect(url, autocommit=True)
        self._rows = rows
        self._page = page

    def read(self) -> int:
        """Read `rows` rows from the start of the log; how many were read."""
        total, next_id = 0, 1
        while total < self._rows:
            batch = self._conn.execute(PG_PAGE, (next_id, self._page)).fetchall()
            if not batch:
                break
            total += len(batch)
            next_id = int(batch[-1][4]) + 1
        return total

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()


def sqlite_connect(path: Path) -> sqlite3.Connection:
    """A connection in autocommit mode (explicit BEGIN/COMMIT), with the file in WAL mode."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    return conn


def sqlite_synchronous(conn: sqlite3.Connection) -> int:
    """The connection's `PRAGMA synchronous` level (2 = FULL, an fsync per commit)."""
    row = conn.execute("PRAGMA synchronous").fetchone()
    return int(row[0])


class SqliteInsertClient:
    """A client that commits one single-row INSERT per transaction into an SQLite WAL file."""

    def __init__(self, path: Path) -> None:
        self._conn = sqlite_connect(path)
        self._conn.execute(SQLITE_CREATE)

    @property
    def synchronous(self) -> int:
        """The synchronous level the inserts run at."""
        return sqlite_synchronous(self._conn)

    def ready(self) -> None:
        """Nothing comes before an insert."""

    def step(self) -> None:
        """BEGIN; INSERT one row; COMMIT."""
        self._conn.execute("BEGIN")
        self._conn.execute(SQLITE_INSERT, (uuid4().hex, 1, TOPIC, STATE))
        self._conn.execute("COMMIT")

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()
