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
        ]

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
            if command is not None and ids:
                c.execute(
                    f"INSERT INTO {COMMANDS_TABLE} VALUES (?, ?, ?, ?, ?)",
                    (command.actor, command.command_id, command.digest, command.outcome, ids[-1]),
                )
            return ids

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


def _hex(originator_id: UUID | str) -> str:
    return originator_id.hex if isinstance(originator_id, UUID) else originator_id


class DarSQLiteFactory(SQLiteFactory):
    """The library's SQLite factory, whose snapshots keep only each aggregate's latest."""

    aggregate_recorder_class = DarSQLiteSnapshotRecorder
