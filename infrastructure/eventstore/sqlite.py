"""The SQLite recorders of Dar (the embedded store, and the in-memory store of fast tests).

An append is one `BEGIN IMMEDIATE` transaction: the write lock is taken first, so the command
key and declared reads are checked against the state the events will be appended to, even when
another process shares the file.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import (
    SQLiteAggregateRecorder,
    SQLiteApplicationRecorder,
    SQLiteCursor,
    SQLiteDatastore,
    SQLiteFactory,
    SQLiteTransaction,
)

from application.errors import CommandAlreadyRecordedError, StaleReadError, StoreBusyError
from application.ports import CommandRecord, RecordedCommand
from infrastructure.audit.chain import CHAIN_TABLE, GENESIS, StoredRow, chain_hashes

COMMANDS_TABLE = "dar_commands"


class _ImmediateTransaction(SQLiteTransaction):
    """A write transaction that takes SQLite's write lock at BEGIN, not at the first write."""

    def __enter__(self) -> SQLiteCursor:
        cursor = self.connection.cursor()
        try:
            cursor.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:  # another process holds the write lock
            raise StoreBusyError from error
        return cursor


class DarSQLiteRecorder(SQLiteApplicationRecorder):
    """Application recorder that stores command keys with events and checks declared reads."""

    def __init__(
        self, datastore: SQLiteDatastore, events_table_name: str = "stored_events"
    ) -> None:
        super().__init__(datastore, events_table_name)
        self._select_command = (
            f"SELECT actor, command_id, digest, outcome, position FROM {COMMANDS_TABLE} "
            "WHERE actor = ? AND command_id = ?"
        )
        self._select_version = (
            f"SELECT MAX(originator_version) FROM {self.events_table_name} WHERE originator_id = ?"
        )

    def construct_create_table_statements(self) -> list[str]:
        """The library's event table, and the command keys beside it."""
        return [
            *super().construct_create_table_statements(),
            (
                f"CREATE TABLE IF NOT EXISTS {COMMANDS_TABLE} ("
                "actor TEXT NOT NULL, command_id TEXT NOT NULL, digest TEXT NOT NULL, "
                "outcome TEXT NOT NULL, position INTEGER NOT NULL, "
                "PRIMARY KEY (actor, command_id)) WITHOUT ROWID"
            ),
            f"CREATE TABLE IF NOT EXISTS {CHAIN_TABLE} (position INTEGER PRIMARY KEY, hash BLOB)",
        ]

    def create_table(self) -> None:
        """Create the tables; a store that had events before its chain gets it now, once."""
        super().create_table()
        with (
            self.datastore.get_connection(commit=True) as conn,
            _ImmediateTransaction(conn, commit=True) as c,
        ):
            c.execute(f"SELECT 1 FROM {CHAIN_TABLE} LIMIT 1")
            if c.fetchone() is None:
                c.execute(
                    "SELECT rowid, originator_id, originator_version, topic, state "
                    f"FROM {self.events_table_name} ORDER BY rowid"
                )
                rows = [
                    StoredRow(r[0], bytes.fromhex(r[1].replace("-", "")), r[2], r[3], r[4])
                    for r in c.fetchall()
                ]
                c.executemany(
                    f"INSERT INTO {CHAIN_TABLE} VALUES (?, ?)", chain_hashes(GENESIS, rows)
                )

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """Append events and the command key in one immediate transaction."""
        command: CommandRecord | None = kwargs.get("dar_command")
        reads: Mapping[UUID, int] = kwargs.get("dar_reads") or {}
        with (
            self.datastore.get_connection(commit=True) as conn,
            _ImmediateTransaction(conn, commit=True) as c,
        ):
            if command is not None and self._find(c, command.actor, command.command_id):
                msg = f"command {command.command_id} of {command.actor} is already recorded"
                raise CommandAlreadyRecordedError(msg)
            self._check_reads(c, reads)
            ids = self._insert_events(c, stored_events)
            if ids:
                self._chain(c, ids, stored_events)
            if command is not None and ids:
                c.execute(
                    f"INSERT INTO {COMMANDS_TABLE} VALUES (?, ?, ?, ?, ?)",
                    (command.actor, command.command_id, command.digest, command.outcome, ids[-1]),
                )
            return ids

    def _chain(
        self, c: SQLiteCursor, ids: Sequence[int], stored_events: Sequence[StoredEvent]
    ) -> None:
        """Chain the appended events onto the head, in the append's transaction (write-locked)."""
        c.execute(f"SELECT hash FROM {CHAIN_TABLE} ORDER BY position DESC LIMIT 1")
        head = c.fetchone()
        rows = (
            StoredRow(
                position, _uuid_bytes(e.originator_id), e.originator_version, e.topic, e.state
            )
            for position, e in zip(ids, stored_events, strict=True)
        )
        c.executemany(
            f"INSERT INTO {CHAIN_TABLE} VALUES (?, ?)",
            chain_hashes(GENESIS if head is None else head[0], rows),
        )

    def _check_reads(self, c: SQLiteCursor, reads: Mapping[UUID, int]) -> None:
        for aggregate_id, version in reads.items():
            c.execute(self._select_version, (aggregate_id.hex,))
            current = c.fetchone()[0] or 0
            if current != version:
                raise StaleReadError(str(aggregate_id))

    def _find(self, c: SQLiteCursor, actor: str, command_id: str) -> RecordedCommand | None:
        c.execute(self._select_command, (actor, command_id))
        row = c.fetchone()
        if row is None:
            return None
        return RecordedCommand(
            actor=row["actor"],
            command_id=row["command_id"],
            digest=row["digest"],
            outcome=row["outcome"],
            position=row["position"],
        )

    def find_command(self, actor: str, command_id: str) -> RecordedCommand | None:
        """The command recorded under (actor, command_id), with its last event's position."""
        with self.datastore.transaction(commit=False) as c:
            return self._find(c, actor, command_id)


class DarSQLiteSnapshotRecorder(SQLiteAggregateRecorder):
    """The snapshots: one per aggregate, the latest; a cache, so rows are replaced and deleted."""

    def __init__(
        self, datastore: SQLiteDatastore, events_table_name: str = "stored_snapshots"
    ) -> None:
        super().__init__(datastore, events_table_name)
        self._delete_older = (
            f"DELETE FROM {self.events_table_name} "
            "WHERE originator_id = ? AND originator_version <= ?"
        )
        self._insert_new = f"INSERT OR IGNORE INTO {self.events_table_name} VALUES (?, ?, ?, ?)"

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """Put each snapshot in place of the aggregate's earlier ones (or a stale one)."""
        del kwargs
        with (
            self.datastore.get_connection(commit=True) as conn,
            _ImmediateTransaction(conn, commit=True) as c,
        ):
            for snapshot in stored_events:
                key = _hex(snapshot.originator_id)
                c.execute(self._delete_older, (key, snapshot.originator_version))
                c.execute(
                    self._insert_new,
                    (key, snapshot.originator_version, snapshot.topic, snapshot.state),
                )
        return None


def _uuid_bytes(originator_id: UUID | str) -> bytes:
    return originator_id.bytes if isinstance(originator_id, UUID) else UUID(originator_id).bytes


def _hex(originator_id: UUID | str) -> str:
    return originator_id.hex if isinstance(originator_id, UUID) else originator_id


class DarSQLiteFactory(SQLiteFactory):
    """The library's SQLite factory, whose snapshots keep only each aggregate's latest."""

    aggregate_recorder_class = DarSQLiteSnapshotRecorder
