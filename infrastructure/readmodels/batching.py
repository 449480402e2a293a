"""Read-model writes sent in batches: one `executemany` per run of the same statement.

Writes are kept in order and sent before any query, so a projection reads what it wrote; on
PostgreSQL psycopg pipelines an `executemany` (no wait for each row), on SQLite it runs in
SQLite's own loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from infrastructure.readmodels.database import SqlCursor

_WRITES = ("INSERT", "UPDATE", "DELETE")


class BatchingCursor:
    """A cursor that holds back writes until a query, a flush, or a different statement."""

    def __init__(self, cursor: SqlCursor) -> None:
        self._cursor = cursor
        self._sql: str | None = None
        self._rows: list[Sequence[object]] = []

    def execute(self, sql: str, params: Sequence[object] = ()) -> None:
        """Queue a write behind the same statement; run anything else at once, after the queue."""
        if sql != self._sql:
            self.flush()
            if not _is_write(sql):
                self._cursor.execute(sql, params)
                return
            self._sql = sql
        self._rows.append(params)

    def executemany(self, sql: str, params: Sequence[Sequence[object]]) -> None:
        """Queue (or run) each set of parameters."""
        for row in params:
            self.execute(sql, row)

    def fetchall(self) -> list[tuple[Any, ...]]:
        """All rows of the last query."""
        return self._cursor.fetchall()

    def fetchone(self) -> tuple[Any, ...] | None:
        """One row of the last query."""
        return self._cursor.fetchone()

    def flush(self) -> None:
        """Send the queued writes."""
        if self._sql is None:
            return
        sql, rows = self._sql, self._rows
        self._sql, self._rows = None, []
        if len(rows) == 1:
            self._cursor.execute(sql, rows[0])
        else:
            self._cursor.executemany(sql, rows)


def _is_write(sql: str) -> bool:
    head = sql.lstrip()[:6].upper()
    return head.startswith(_WRITES) and "RETURNING" not in sql.upper()
