"""The vault in its own schema of the events' database, owned by the owner role.

An UPDATE or DELETE leaves the old row version in the heap file: only a rewrite of the table
removes it. `vacuum_vault` rewrites both tables (`VACUUM FULL`, as their owner).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from uuid import UUID

import psycopg
from psycopg import sql

from infrastructure.timeouts import BoundedPool
from infrastructure.vault.storage import (
    ADDED_COLUMNS,
    INDEX,
    KEYS,
    IndexEntry,
    StoredKey,
    VaultStorage,
)

Connection = psycopg.Connection[tuple[object, ...]]
VACUUM_LOCK_TIMEOUT = "5s"
_FIRST_NUMBER = re.compile(r"\d+")


def create_postgres_vault_tables(conn: Connection, schema: str, app_role: str) -> None:
    """As the owner: the vault's tables, readable and erasable by the application role only."""
    s, app = sql.Identifier(schema), sql.Identifier(app_role)
    for statement in (
        sql.SQL(
            "CREATE TABLE IF NOT EXISTS {0}.{1} "
            "(citizen_id uuid PRIMARY KEY, wrapped bytea NOT NULL, key_id text)"
        ).format(s, sql.Identifier(KEYS)),
        sql.SQL(
            "CREATE TABLE IF NOT EXISTS {0}.{1} (lookup_hash text PRIMARY KEY, "
            "citizen_id uuid NOT NULL, key_id text, sealed_lookup text)"
        ).format(s, sql.Identifier(INDEX)),
        *(
            sql.SQL("ALTER TABLE {0}.{1} ADD COLUMN IF NOT EXISTS {2} text").format(
                s, sql.Identifier(table), sql.Identifier(column)
            )
            for table, column in ADDED_COLUMNS
        ),
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

    def _all(self, query: str, args: Sequence[object] = ()) -> list[tuple[object, ...]]:
        statement = sql.SQL(query).format(keys=self._keys, index=self._index)
        with self._pool.connection() as conn:
            rows: list[tuple[object, ...]] = conn.execute(statement, args).fetchall()
            return rows

    def _changed(self, query: str, args: Sequence[object]) -> bool:
        statement = sql.SQL(query).format(keys=self._keys, index=self._index)
        with self._pool.connection() as conn:
            changed: bool = conn.execute(statement, args).rowcount > 0
            return changed

    def get_key(self, citizen_id: UUID) -> StoredKey | None:
        """See VaultStorage."""
        rows = self._all("SELECT wrapped, key_id FROM {keys} WHERE citizen_id = %s", (citizen_id,))
        return _stored(*rows[0]) if rows else None

    def add_key(self, citizen_id: UUID, key: StoredKey) -> None:
        """See VaultStorage."""
        self._changed(
            "INSERT INTO {keys} (citizen_id, wrapped, key_id) VALUES (%s, %s, %s) "
            "ON CONFLICT (citizen_id) DO NOTHING",
            (citizen_id, key.wrapped, key.key_id),
        )

    def find(self, lookup_hashes: Sequence[str]) -> UUID | None:
        """See VaultStorage."""
        rows = self._all(
            "SELECT citizen_id FROM {index} WHERE lookup_hash = ANY(%s)", (list(lookup_hashes),)
        )
        return UUID(str(rows[0][0])) if rows else None

    def claim(self, entry: IndexEntry) -> UUID:
        """See VaultStorage."""
        self._changed(
            "INSERT INTO {index} (lookup_hash, citizen_id, key_id, sealed_lookup) "
            "VALUES (%s, %s, %s, %s) ON CONFLICT (lookup_hash) DO NOTHING",
            (entry.lookup_hash, entry.citizen_id, entry.key_id, entry.sealed_lookup),
        )
        rows = self._all(
            "SELECT citizen_id FROM {index} WHERE lookup_hash = %s", (entry.lookup_hash,)
        )
        return UUID(str(rows[0][0]))

    def erase(self, citizen_id: UUID) -> None:
        """See VaultStorage."""
        with self._pool.connection() as conn, conn.transaction():
            for query in (
                (
                    "UPDATE {keys} SET wrapped = decode(repeat('00', length(wrapped)), 'hex') "
                    "WHERE citizen_id = %s"
                ),
                "DELETE FROM {keys} WHERE citizen_id = %s",
                "DELETE FROM {index} WHERE citizen_id = %s",
            ):
                conn.execute(
                    sql.SQL(query).format(keys=self._keys, index=self._index), (citizen_id,)
                )

    def rows(self) -> tuple[list[tuple[UUID, bytes]], list[tuple[str, UUID]]]:
        """See VaultStorage."""
        keys = self._all("SELECT citizen_id, wrapped FROM {keys}")
        index = self._all("SELECT lookup_hash, citizen_id FROM {index}")
        return (
            [(UUID(str(c)), _bytes(w)) for c, w in keys],
            [(str(h), UUID(str(c))) for h, c in index],
        )

    def keys_not_under(
        self, key_id: str, after: UUID | None, limit: int
    ) -> list[tuple[UUID, StoredKey]]:
        """See VaultStorage."""
        rows = self._all(
            "SELECT citizen_id, wrapped, key_id FROM {keys} "
            "WHERE key_id IS DISTINCT FROM %s AND (%s::uuid IS NULL OR citizen_id > %s) "
            "ORDER BY citizen_id LIMIT %s",
            (key_id, after, after, limit),
        )
        return [(UUID(str(c)), _stored(w, k)) for c, w, k in rows]

    def replace_key(self, citizen_id: UUID, old: bytes, new: StoredKey) -> bool:
        """See VaultStorage."""
        return self._changed(
            "UPDATE {keys} SET wrapped = %s, key_id = %s WHERE citizen_id = %s AND wrapped = %s",
            (new.wrapped, new.key_id, citizen_id, old),
        )

    def index_not_under(self, key_id: str, after: str | None, limit: int) -> list[IndexEntry]:
        """See VaultStorage."""
        rows = self._all(
            "SELECT lookup_hash, citizen_id, key_id, sealed_lookup FROM {index} "
            "WHERE key_id IS DISTINCT FROM %s AND sealed_lookup IS NOT NULL "
            "AND lookup_hash > %s ORDER BY lookup_hash LIMIT %s",
            (key_id, after or "", limit),
        )
        return [IndexEntry(str(h), UUID(str(c)), _text(k), _text(s)) for h, c, k, s in rows]

    def rehash(self, old_hash: str, new_hash: str, key_id: str) -> bool:
        """See VaultStorage."""
        return self._changed(
            "UPDATE {index} SET lookup_hash = %s, key_id = %s WHERE lookup_hash = %s",
            (new_hash, key_id, old_hash),
        )

    def unsealed_index(self, after: str | None, limit: int) -> list[IndexEntry]:
        """See VaultStorage."""
        rows = self._all(
            "SELECT lookup_hash, citizen_id, key_id, sealed_lookup FROM {index} "
            "WHERE sealed_lookup IS NULL AND lookup_hash > %s ORDER BY lookup_hash LIMIT %s",
            (after or "", limit),
        )
        return [IndexEntry(str(h), UUID(str(c)), _text(k), _text(s)) for h, c, k, s in rows]

    def seal_lookup(self, lookup_hash: str, sealed: str) -> bool:
        """See VaultStorage."""
        return self._changed(
            "UPDATE {index} SET sealed_lookup = %s "
            "WHERE lookup_hash = %s AND sealed_lookup IS NULL",
            (sealed, lookup_hash),
        )

    def unsealed_index_rows(self) -> int:
        """See VaultStorage."""
        rows = self._all("SELECT count(*) FROM {index} WHERE sealed_lookup IS NULL")
        return int(str(rows[0][0]))

    def close(self) -> None:
        """See VaultStorage."""
        self._pool.close()


def vacuum_vault(owner_url: str, schema: str) -> int:
    """As the owner: rewrite the vault's tables, so no erased or re-wrapped key stays in them.

    `VACUUM FULL` copies the live rows into new files and drops the old ones (with every dead row
    version); it holds an ACCESS EXCLUSIVE lock on each table while it copies. It waits at most
    `VACUUM_LOCK_TIMEOUT` for that lock, so a long transaction on the vault cannot make every
    registration and read queue behind it: `LockNotAvailable` then, and it is run again later.

    A row version that a transaction open elsewhere in the database may still see (any snapshot
    older than the erasure, even one reading other tables) is copied too. The rewrite reports how
    many (VERBOSE): the count returned, 0 when every erased row is gone from the files.
    """
    kept = 0

    def count_kept(notice: psycopg.errors.Diagnostic) -> None:
        nonlocal kept
        # "<table>: found N removable, M nonremovable row versions in P pages", detailed by
        # "K dead row versions cannot be removed yet": K is the detail's first number in every
        # language the server may speak (the other notice, "vacuuming <table>", has no detail).
        number = _FIRST_NUMBER.search(notice.message_detail or "")
        if number is not None:
            kept += int(number.group())

    with psycopg.connect(owner_url, autocommit=True) as conn:
        conn.execute(sql.SQL("SET lock_timeout = {0}").format(sql.Literal(VACUUM_LOCK_TIMEOUT)))
        conn.add_notice_handler(count_kept)
        for table in (KEYS, INDEX):
            conn.execute(
                sql.SQL("VACUUM (FULL, VERBOSE) {0}").format(sql.Identifier(schema, table))
            )
    return kept


def _bytes(value: object) -> bytes:
    if isinstance(value, memoryview):
        return value.tobytes()
    assert isinstance(value, bytes)  # noqa: S101 - a bytea column
    return value


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _stored(wrapped: object, key_id: object) -> StoredKey:
    return StoredKey(wrapped=_bytes(wrapped), key_id=_text(key_id))
