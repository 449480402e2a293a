"""Where the vault's rows live: its own tables beside the events (SQLite file, PostgreSQL schema).

Two tables: the wrapped data key per citizen, and the index from a keyed hash of an identity
document to the citizen id. Erasing overwrites a key before deleting it; SQLite runs with
`secure_delete` so freed pages are zeroed, and its write-ahead log is truncated after an erasure.
On PostgreSQL an UPDATE writes a new row version, so the old one lingers as a dead row until
`VACUUM` (`dar vault vacuum`, as the owner role) — see docs/personal-data.md.
"""

from __future__ import annotations

import sqlite3
import threading
from abc import ABC, abstractmethod
from uuid import UUID

import psycopg
from psycopg import sql

from infrastructure.timeouts import BoundedPool

KEYS = "citizen_keys"
INDEX = "citizen_index"


class VaultStorage(ABC):
    """The vault's two tables."""

    @abstractmethod
    def get_key(self, citizen_id: UUID) -> bytes | None:
        """The wrapped key, if it exists."""

    @abstractmethod
    def add_key(self, citizen_id: UUID, wrapped: bytes) -> None:
        """Store a wrapped key unless the citizen has one already."""

    @abstractmethod
    def find(self, lookup_hash: str) -> UUID | None:
        """The citizen indexed under the hash."""

    @abstractmethod
    def claim(self, lookup_hash: str, citizen_id: UUID) -> UUID:
        """Index the hash to the citizen unless taken; the citizen it belongs to."""

    @abstractmethod
    def erase(self, citizen_id: UUID) -> None:
        """Overwrite then delete the citizen's key and index rows, in one transaction."""

    @abstractmethod
    def rows(self) -> tuple[list[tuple[UUID, bytes]], list[tuple[str, UUID]]]:
        """Every key row and index row (for the erasure scan and audits)."""

    @abstractmethod
    def close(self) -> None:
        """Release connections."""


class SQLiteVaultStorage(VaultStorage):
    """The vault in its own SQLite file beside the events' file."""

    def __init__(self, path: str) -> None:
        uri = path if path.startswith("file:") else f"file:{path}"
        self._conn = sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        for statement in (
            "PRAGMA busy_timeout=10000",
            "PRAGMA secure_delete=ON",
            "PRAGMA journal_mode=WAL",
            (
                f"CREATE TABLE IF NOT EXISTS {KEYS} "
                "(citizen_id TEXT PRIMARY KEY, wrapped BLOB NOT NULL)"
            ),
            (
                f"CREATE TABLE IF NOT EXISTS {INDEX} "
                "(lookup_hash TEXT PRIMARY KEY, citizen_id TEXT NOT NULL)"
            ),
            f"CREATE INDEX IF NOT EXISTS {INDEX}_citizen ON {INDEX} (citizen_id)",
        ):
            self._conn.execute(statement)

    def get_key(self, citizen_id: UUID) -> bytes | None:
        """See VaultStorage."""
        with self._lock:
            row = self._conn.execute(
                f"SELECT wrapped FROM {KEYS} WHERE citizen_id = ?", (str(citizen_id),)
            ).fetchone()
        return bytes(row[0]) if row else None

    def add_key(self, citizen_id: UUID, wrapped: bytes) -> None:
        """See VaultStorage."""
        with self._lock:
            self._conn.execute(
                f"INSERT INTO {KEYS} (citizen_id, wrapped) VALUES (?, ?) "
                "ON CONFLICT (citizen_id) DO NOTHING",
                (str(citizen_id), wrapped),
            )

    def find(self, lookup_hash: str) -> UUID | None:
        """See VaultStorage."""
        with self._lock:
            row = self._conn.execute(
                f"SELECT citizen_id FROM {INDEX} WHERE lookup_hash = ?", (lookup_hash,)
            ).fetchone()
        return UUID(row[0]) if row else None

    def claim(self, lookup_hash: str, citizen_id: UUID) -> UUID:
        """See VaultStorage."""
        with self._lock:
            self._conn.execute(
                f"INSERT INTO {INDEX} (lookup_hash, citizen_id) VALUES (?, ?) "
                "ON CONFLICT (lookup_hash) DO NOTHING",
                (lookup_hash, str(citizen_id)),
            )
            row = self._conn.execute(
                f"SELECT citizen_id FROM {INDEX} WHERE lookup_hash = ?", (lookup_hash,)
            ).fetchone()
        return UUID(row[0])

    def erase(self, citizen_id: UUID) -> None:
        """See VaultStorage."""
        key = str(citizen_id)
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.execute(
                    f"UPDATE {KEYS} SET wrapped = zeroblob(length(wrapped)) WHERE citizen_id = ?",
                    (key,),
                )
                self._conn.execute(f"DELETE FROM {KEYS} WHERE citizen_id = ?", (key,))
                self._conn.execute(
                    f"UPDATE {INDEX} SET lookup_hash = 'erased:' || hex(randomblob(16)) "
                    "WHERE citizen_id = ?",
                    (key,),
                )
                self._conn.execute(f"DELETE FROM {INDEX} WHERE citizen_id = ?", (key,))
            except BaseException:
                self._conn.rollback()
                raise
            self._conn.commit()
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def rows(self) -> tuple[list[tuple[UUID, bytes]], list[tuple[str, UUID]]]:
        """See VaultStorage."""
        with self._lock:
            keys = self._conn.execute(f"SELECT citizen_id, wrapped FROM {KEYS}").fetchall()
            index = self._conn.execute(f"SELECT lookup_hash, citizen_id FROM {INDEX}").fetchall()
        return (
            [(UUID(c), bytes(w)) for c, w in keys],
            [(str(h), UUID(c)) for h, c in index],
        )

    def close(self) -> None:
        """See VaultStorage."""
        with self._lock:
            self._conn.close()


def create_postgres_vault_tables(
    conn: psycopg.Connection[tuple[object, ...]], schema: str, app_role: str
) -> None:
    """As the owner: the vault's tables, readable and erasable by the application role only."""
    s, app = sql.Identifier(schema), sql.Identifier(app_role)
    for statement in (
        sql.SQL(
            "CREATE TABLE IF NOT EXISTS {0}.{1} "
            "(citizen_id uuid PRIMARY KEY, wrapped bytea NOT NULL)"
        ).format(s, sql.Identifier(KEYS)),
        sql.SQL(
            "CREATE TABLE IF NOT EXISTS {0}.{1} "
            "(lookup_hash text PRIMARY KEY, citizen_id uuid NOT NULL)"
        ).format(s, sql.Identifier(INDEX)),
        sql.SQL("CREATE INDEX IF NOT EXISTS {0} ON {1}.{2} (citizen_id)").format(
            sql.Identifier(INDEX + "_citizen"), s, sql.Identifier(INDEX)
        ),
        sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA {0} FROM PUBLIC").format(s),
        sql.SQL("GRANT USAGE ON SCHEMA {0} TO {1}").format(s, app),
        sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON {0}.{1}, {0}.{2} TO {3}").format(
            s, sql.Identifier(KEYS), sql.Identifier(INDEX), app
        ),
    ):
        conn.execute(statement)


class PostgresVaultStorage(VaultStorage):
    """The vault in its own schema of the events' database."""

    def __init__(self, url: str, schema: str, options: str = "") -> None:
        """`options`: libpq options of its connections (the application role's timeouts)."""
        self._pool = BoundedPool(
            url, min_size=1, max_size=4, open=True, kwargs={"autocommit": True, "options": options}
        )
        self._keys = sql.Identifier(schema, KEYS)
        self._index = sql.Identifier(schema, INDEX)

    def get_key(self, citizen_id: UUID) -> bytes | None:
        """See VaultStorage."""
        with self._pool.connection() as conn:
            row = conn.execute(
                sql.SQL("SELECT wrapped FROM {0} WHERE citizen_id = %s").format(self._keys),
                (citizen_id,),
            ).fetchone()
        return bytes(row[0]) if row else None

    def add_key(self, citizen_id: UUID, wrapped: bytes) -> None:
        """See VaultStorage."""
        with self._pool.connection() as conn:
            conn.execute(
                sql.SQL(
                    "INSERT INTO {0} (citizen_id, wrapped) VALUES (%s, %s) "
                    "ON CONFLICT (citizen_id) DO NOTHING"
                ).format(self._keys),
                (citizen_id, wrapped),
            )

    def find(self, lookup_hash: str) -> UUID | None:
        """See VaultStorage."""
        with self._pool.connection() as conn:
            row = conn.execute(
                sql.SQL("SELECT citizen_id FROM {0} WHERE lookup_hash = %s").format(self._index),
                (lookup_hash,),
            ).fetchone()
        return UUID(str(row[0])) if row else None

    def claim(self, lookup_hash: str, citizen_id: UUID) -> UUID:
        """See VaultStorage."""
        with self._pool.connection() as conn:
            conn.execute(
                sql.SQL(
                    "INSERT INTO {0} (lookup_hash, citizen_id) VALUES (%s, %s) "
                    "ON CONFLICT (lookup_hash) DO NOTHING"
                ).format(self._index),
                (lookup_hash, citizen_id),
            )
            row = conn.execute(
                sql.SQL("SELECT citizen_id FROM {0} WHERE lookup_hash = %s").format(self._index),
                (lookup_hash,),
            ).fetchone()
        assert row is not None  # noqa: S101 - inserted or found just now
        return UUID(str(row[0]))

    def erase(self, citizen_id: UUID) -> None:
        """See VaultStorage."""
        with self._pool.connection() as conn, conn.transaction():
            conn.execute(
                sql.SQL(
                    "UPDATE {0} SET wrapped = decode(repeat('00', length(wrapped)), 'hex') "
                    "WHERE citizen_id = %s"
                ).format(self._keys),
                (citizen_id,),
            )
            conn.execute(
                sql.SQL("DELETE FROM {0} WHERE citizen_id = %s").format(self._keys), (citizen_id,)
            )
            conn.execute(
                sql.SQL("DELETE FROM {0} WHERE citizen_id = %s").format(self._index),
                (citizen_id,),
            )

    def rows(self) -> tuple[list[tuple[UUID, bytes]], list[tuple[str, UUID]]]:
        """See VaultStorage."""
        with self._pool.connection() as conn:
            keys = conn.execute(sql.SQL("SELECT citizen_id, wrapped FROM {0}").format(self._keys))
            key_rows = [(UUID(str(c)), bytes(w)) for c, w in keys.fetchall()]
            index = conn.execute(
                sql.SQL("SELECT lookup_hash, citizen_id FROM {0}").format(self._index)
            )
            index_rows = [(str(h), UUID(str(c))) for h, c in index.fetchall()]
        return key_rows, index_rows

    def close(self) -> None:
        """See VaultStorage."""
        self._pool.close()


def vacuum_vault(owner_url: str, schema: str) -> None:
    """As the owner: VACUUM the vault's tables, so erased keys leave their dead row versions."""
    with psycopg.connect(owner_url, autocommit=True) as conn:
        for table in (KEYS, INDEX):
            conn.execute(sql.SQL("VACUUM {0}").format(sql.Identifier(schema, table)))
