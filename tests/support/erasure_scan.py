"""Decode everything Dar stores and collect the text in it, to look for a citizen's data.

Nothing is grepped as raw bytes: events and snapshots go through the mapper (so compression or encryption of
the stored form would not hide anything), every sealed value is opened with every key the vault
still holds, vault rows are unwrapped, and every read-model and command-log row is read by SQL.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from uuid import UUID

import psycopg
from eventsourcing.persistence import StoredEvent
from psycopg import sql

from api.bootstrap import Dar
from domain.citizens.categories import FIELD_CATEGORIES
from domain.citizens.citizen import SEALED_PREFIX
from infrastructure.eventstore.factory import SQLITE_PREFIX, is_postgres
from infrastructure.eventstore.pg_setup import read_schema
from infrastructure.vault.crypto import VaultIntegrityError

COMMANDS_TABLE = "dar_commands"
SNAPSHOT_TABLES = {False: "stored_snapshots", True: "dar_snapshots"}  # SQLite, PostgreSQL


@dataclass
class Found:
    """What the scan decoded: every text value, the index hashes and the citizens with a key."""

    texts: set[str] = field(default_factory=set)
    index_hashes: set[str] = field(default_factory=set)
    keyed_citizens: set[UUID] = field(default_factory=set)
    sealed_unopened: int = 0
    where: dict[str, set[str]] = field(default_factory=dict)

    def add(self, text: str, source: str) -> None:
        self.texts.add(text)
        self.where.setdefault(text, set()).add(source)

    def contains(self, needle: str) -> list[str]:
        """The sources of every decoded text that contains `needle`."""
        return sorted({s for t, srcs in self.where.items() if needle in t for s in srcs})


class ErasureScan:
    """One scan of both stores' live rows."""

    def __init__(self, dar: Dar) -> None:
        self.dar = dar
        self.found = Found()
        keys, index = dar.vault.storage.rows()
        self._keys = {c: dar.vault.crypto.unwrap(c, w) for c, w in keys}
        self.found.keyed_citizens = set(self._keys)
        self.found.index_hashes = {h for h, _ in index}

    def run(self) -> Found:
        self._events()
        self._snapshots()
        self._read_models()
        self._command_log()
        return self.found

    def _value(self, value: object, source: str) -> None:
        if isinstance(value, str):
            self.found.add(self._open(value) if value.startswith(SEALED_PREFIX) else value, source)
        elif isinstance(value, (list, tuple, set, frozenset)):
            for item in value:
                self._value(item, source)
        elif isinstance(value, dict):
            for item in value.values():
                self._value(item, source)
        elif value is not None:
            self.found.add(str(value), source)

    def _open(self, token: str) -> str:
        """Open with whichever key and field it was sealed for; else keep the ciphertext."""
        for citizen_id, key in self._keys.items():
            for name in FIELD_CATEGORIES:
                try:
                    return self.dar.vault.crypto.open(key, citizen_id, name, token)
                except VaultIntegrityError:
                    continue
        self.found.sealed_unopened += 1
        return token

    def _events(self) -> None:
        mapper, recorder = self.dar.store.mapper, self.dar.store.recorder
        for notification in recorder.select_notifications(start=1, limit=1_000_000):
            event = mapper.to_domain_event(notification)
            for name, value in vars(event).items():
                self._value(value, f"event {notification.id} {notification.topic} {name}")

    def _snapshots(self) -> None:
        """Every snapshot row, decoded through the mapper as the store reads it."""
        snapshots = self.dar.store.snapshots
        if snapshots is None:
            return
        for row in self._rows(SNAPSHOT_TABLES[is_postgres(self.dar.settings.database_url)]):
            originator_id, version, topic, state = row
            stored = StoredEvent(
                originator_id=UUID(str(originator_id)),
                originator_version=int(str(version)),
                topic=str(topic),
                state=bytes(state),  # type: ignore[call-overload]
            )
            snapshot = snapshots.mapper.to_domain_event(stored)
            for name, value in vars(snapshot).items():
                self._value(value, f"snapshot {topic} {originator_id} v{version} {name}")

    def _read_models(self) -> None:
        db = self.dar.read.db
        with db.read() as cur:
            if db.kind == "sqlite":
                cur.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            else:
                cur.execute(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = ?",
                    (read_schema(self.dar.settings),),
                )
            tables = [str(r[0]) for r in cur.fetchall()]
            assert tables, "no read-model table found"
            for table in tables:
                cur.execute(f"SELECT * FROM {db.table(table)}")
                for row in cur.fetchall():
                    for cell in row:
                        self._value(cell, f"read model {table}")

    def _command_log(self) -> None:
        for row in self._rows(COMMANDS_TABLE):
            for cell in row:
                self._value(cell, "command log")

    def _rows(self, table: str) -> list[tuple[object, ...]]:
        """Every row of a table of the event store, read by SQL as the application role."""
        url = self.dar.settings.database_url
        if is_postgres(url):
            with psycopg.connect(url) as conn:
                return conn.execute(
                    sql.SQL("SELECT * FROM {0}").format(
                        sql.Identifier(self.dar.settings.postgres_schema, table)
                    )
                ).fetchall()
        path = url.removeprefix(SQLITE_PREFIX)
        uri = path if path.startswith("file:") else f"file:{path}"
        with sqlite3.connect(uri, uri=True) as conn:
            return conn.execute(f"SELECT * FROM {table}").fetchall()
