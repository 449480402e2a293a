"""The vault in its own SQLite file beside the events' file.

The connection runs with `secure_delete` (freed cells and pages are zeroed) in WAL mode; an
erasure overwrites, deletes and truncates the write-ahead log (unless a reader holds it: then it
says so, and the key stays in the log until a vacuum completes); `vacuum_sqlite_vault` rebuilds the
file and truncates the log again, so no erased or re-wrapped key is left in the live files.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from infrastructure.vault.storage import (
    ADDED_COLUMNS,
    INDEX,
    KEYS,
    IndexEntry,
    StoredKey,
    VaultStorage,
)

log = logging.getLogger(__name__)
Row = tuple[object, ...]
PRAGMAS = ("PRAGMA busy_timeout=10000", "PRAGMA secure_delete=ON", "PRAGMA journal_mode=WAL")
TABLES = (
    (
        f"CREATE TABLE IF NOT EXISTS {KEYS} "
        "(citizen_id TEXT PRIMARY KEY, wrapped BLOB NOT NULL, key_id TEXT)"
    ),
    (
        f"CREATE TABLE IF NOT EXISTS {INDEX} (lookup_hash TEXT PRIMARY KEY, "
        "citizen_id TEXT NOT NULL, key_id TEXT, sealed_lookup TEXT)"
    ),
    f"CREATE INDEX IF NOT EXISTS {INDEX}_citizen ON {INDEX} (citizen_id)",
)


def _connect(path: str) -> sqlite3.Connection:
    uri = path if path.startswith("file:") else f"file:{path}"
    conn = sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None)
    for pragma in PRAGMAS:
        conn.execute(pragma)
    return conn


def _add_missing_columns(conn: sqlite3.Connection) -> None:
    """Files made before key ids and sealed lookups get the columns (their rows keep NULL)."""
    for table, column in ADDED_COLUMNS:
        present = {str(r[1]) for r in conn.execute(f"PRAGMA table_info({table})").fetchall()}
        if column not in present:
            conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} TEXT")


class SQLiteVaultStorage(VaultStorage):
    """The vault in its own SQLite file beside the events' file."""

    def __init__(self, path: str) -> None:
        self._conn = _connect(path)
        self._lock = threading.Lock()
        for statement in TABLES:
            self._conn.execute(statement)
        _add_missing_columns(self._conn)

    def _one(self, query: str, args: Sequence[object] = ()) -> Row | None:
        with self._lock:
            row: Row | None = self._conn.execute(query, args).fetchone()
        return row

    def _all(self, query: str, args: Sequence[object] = ()) -> list[Row]:
        with self._lock:
            return list(self._conn.execute(query, args).fetchall())

    def _changed(self, query: str, args: Sequence[object]) -> bool:
        with self._lock:
            return self._conn.execute(query, args).rowcount > 0

    def get_key(self, citizen_id: UUID) -> StoredKey | None:
        """See VaultStorage."""
        row = self._one(
            f"SELECT wrapped, key_id FROM {KEYS} WHERE citizen_id = ?", (str(citizen_id),)
        )
        return None if row is None else _stored(row[0], row[1])

    def add_key(self, citizen_id: UUID, key: StoredKey) -> None:
        """See VaultStorage."""
        self._changed(
            f"INSERT INTO {KEYS} (citizen_id, wrapped, key_id) VALUES (?, ?, ?) "
            "ON CONFLICT (citizen_id) DO NOTHING",
            (str(citizen_id), key.wrapped, key.key_id),
        )

    def find(self, lookup_hashes: Sequence[str]) -> UUID | None:
        """See VaultStorage."""
        marks = ", ".join("?" for _ in lookup_hashes)
        row = self._one(
            f"SELECT citizen_id FROM {INDEX} WHERE lookup_hash IN ({marks})", lookup_hashes
        )
        return UUID(str(row[0])) if row else None

    def claim(self, entry: IndexEntry) -> UUID:
        """See VaultStorage."""
        with self._lock:
            self._conn.execute(
                f"INSERT INTO {INDEX} (lookup_hash, citizen_id, key_id, sealed_lookup) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (lookup_hash) DO NOTHING",
                (entry.lookup_hash, str(entry.citizen_id), entry.key_id, entry.sealed_lookup),
            )
            row = self._conn.execute(
                f"SELECT citizen_id FROM {INDEX} WHERE lookup_hash = ?", (entry.lookup_hash,)
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
                    f"UPDATE {INDEX} SET lookup_hash = 'erased:' || hex(randomblob(16)), "
                    "sealed_lookup = NULL WHERE citizen_id = ?",
                    (key,),
                )
                self._conn.execute(f"DELETE FROM {INDEX} WHERE citizen_id = ?", (key,))
            except BaseException:
                self._conn.rollback()
                raise
            self._conn.commit()
            if _checkpoint(self._conn).busy:
                log.warning(
                    "vault: erasure committed, but a reader kept the write-ahead log from "
                    "emptying: the erased key stays in it until a dar vault vacuum completes"
                )

    def rows(self) -> tuple[list[tuple[UUID, bytes]], list[tuple[str, UUID]]]:
        """See VaultStorage."""
        keys = self._all(f"SELECT citizen_id, wrapped FROM {KEYS}")
        index = self._all(f"SELECT lookup_hash, citizen_id FROM {INDEX}")
        return (
            [(UUID(str(c)), _bytes(w)) for c, w in keys],
            [(str(h), UUID(str(c))) for h, c in index],
        )

    def keys_not_under(
        self, key_id: str, after: UUID | None, limit: int
    ) -> list[tuple[UUID, StoredKey]]:
        """See VaultStorage."""
        rows = self._all(
            f"SELECT citizen_id, wrapped, key_id FROM {KEYS} "
            "WHERE (key_id IS NULL OR key_id <> ?) AND citizen_id > ? ORDER BY citizen_id LIMIT ?",
            (key_id, "" if after is None else str(after), limit),
        )
        return [(UUID(str(c)), _stored(w, k)) for c, w, k in rows]

    def replace_key(self, citizen_id: UUID, old: bytes, new: StoredKey) -> bool:
        """See VaultStorage."""
        return self._changed(
            f"UPDATE {KEYS} SET wrapped = ?, key_id = ? WHERE citizen_id = ? AND wrapped = ?",
            (new.wrapped, new.key_id, str(citizen_id), old),
        )

    def index_not_under(self, key_id: str, after: str | None, limit: int) -> list[IndexEntry]:
        """See VaultStorage."""
        rows = self._all(
            f"SELECT lookup_hash, citizen_id, key_id, sealed_lookup FROM {INDEX} "
            "WHERE (key_id IS NULL OR key_id <> ?) AND sealed_lookup IS NOT NULL "
            "AND lookup_hash > ? ORDER BY lookup_hash LIMIT ?",
            (key_id, after or "", limit),
        )
        return [_entry(r) for r in rows]

    def rehash(self, old_hash: str, new_hash: str, key_id: str) -> bool:
        """See VaultStorage."""
        return self._changed(
            f"UPDATE {INDEX} SET lookup_hash = ?, key_id = ? WHERE lookup_hash = ?",
            (new_hash, key_id, old_hash),
        )

    def unsealed_index(self, after: str | None, limit: int) -> list[IndexEntry]:
        """See VaultStorage."""
        rows = self._all(
            f"SELECT lookup_hash, citizen_id, key_id, sealed_lookup FROM {INDEX} "
            "WHERE sealed_lookup IS NULL AND lookup_hash > ? ORDER BY lookup_hash LIMIT ?",
            (after or "", limit),
        )
        return [_entry(r) for r in rows]

    def seal_lookup(self, lookup_hash: str, sealed: str) -> bool:
        """See VaultStorage."""
        return self._changed(
            f"UPDATE {INDEX} SET sealed_lookup = ? WHERE lookup_hash = ? AND sealed_lookup IS NULL",
            (sealed, lookup_hash),
        )

    def unsealed_index_rows(self) -> int:
        """See VaultStorage."""
        row = self._one(f"SELECT count(*) FROM {INDEX} WHERE sealed_lookup IS NULL")
        return int(str(row[0])) if row else 0

    def close(self) -> None:
        """See VaultStorage."""
        with self._lock:
            self._conn.close()


@dataclass(frozen=True)
class Checkpoint:
    """The outcome of `wal_checkpoint(TRUNCATE)`: busy when a reader kept the log from emptying."""

    busy: bool
    frames_left: int


def vacuum_sqlite_vault(path: str) -> Checkpoint:
    """Rebuild the vault file (freed pages zeroed) and truncate its write-ahead log."""
    conn = _connect(path)
    try:
        conn.execute("VACUUM")
        return _checkpoint(conn)
    finally:
        conn.close()


def _checkpoint(conn: sqlite3.Connection) -> Checkpoint:
    """Copy the write-ahead log into the file and truncate it, unless a reader still needs it."""
    busy, frames, copied = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    return Checkpoint(busy=bool(busy), frames_left=max(int(frames) - int(copied), 0))


def _bytes(value: object) -> bytes:
    if isinstance(value, memoryview):
        return value.tobytes()
    assert isinstance(value, bytes)  # noqa: S101 - a BLOB column
    return value


def _stored(wrapped: object, key_id: object) -> StoredKey:
    return StoredKey(wrapped=_bytes(wrapped), key_id=None if key_id is None else str(key_id))


def _entry(row: Row) -> IndexEntry:
    lookup_hash, citizen_id, key_id, sealed = row
    return IndexEntry(
        lookup_hash=str(lookup_hash),
        citizen_id=UUID(str(citizen_id)),
        key_id=None if key_id is None else str(key_id),
        sealed_lookup=None if sealed is None else str(sealed),
    )
