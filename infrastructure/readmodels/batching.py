"""Read-model writes sent in batches: one `executemany` per run of the same statement.

Writes are kept in order and sent before any query, so a projection reads what it wrote; on
PostgreSQL psycopg pipelines an `executemany` (no wait for each row), on SQLite it runs in
SQLite's own loop. A rebuild also runs its writes on a second thread (`BackgroundWrites`), so the
database works on one page's rows while the next page is decoded and applied.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
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


class DeferredWriteError(Exception):
    """A write run in the background failed; `label` names whose write it was."""

    def __init__(self, label: str, error: BaseException) -> None:
        super().__init__(f"{label}: {type(error).__name__}: {error}")
        self.label = label
        self.error = error


class BackgroundWrites:
    """Runs one transaction's writes on a second thread, in order, while the caller goes on.

    The database executes a batch's upserts while the next batch is read, decoded and applied:
    the driver waits for the server without holding the GIL. Anything that is not a write (a
    query, the tracking row, the commit) first waits for every write sent before it, so the
    transaction sees its statements in the order they were made. The first write that fails is
    raised, with its label, by the next wait; the writes after it are not run.
    """

    def __init__(self, cursor: SqlCursor) -> None:
        self._cursor = cursor
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dar-writes")
        self._pending: deque[tuple[str, Future[None]]] = deque()
        self._failed: DeferredWriteError | None = None

    def cursor(self, label: str) -> DeferredCursor:
        """A cursor whose writes run here, labelled `label` if they fail."""
        return DeferredCursor(self, label)

    def submit(self, label: str, write: Callable[[SqlCursor], None]) -> None:
        """Run `write` after the writes submitted before it."""
        self._pending.append((label, self._thread.submit(self._run, label, write)))

    def wait(self) -> SqlCursor:
        """Wait for every write submitted; raise the first failure. The cursor, free to use."""
        while self._pending:
            self._pending.popleft()[1].result()
        if self._failed is not None:
            raise self._failed
        return self._cursor

    def close(self) -> None:
        """Wait for the write in flight, if any, and stop the thread (after a failure too)."""
        self._thread.shutdown(wait=True, cancel_futures=True)
        self._pending.clear()

    def _run(self, label: str, write: Callable[[SqlCursor], None]) -> None:
        if self._failed is not None:
            return  # the transaction has failed: nothing after it is run
        try:
            write(self._cursor)
        except Exception as error:  # noqa: BLE001 - raised in the caller's thread by wait()
            self._failed = DeferredWriteError(label, error)


class DeferredCursor:
    """A cursor whose writes run on `BackgroundWrites`' thread; queries wait for them first."""

    def __init__(self, writes: BackgroundWrites, label: str) -> None:
        self._writes = writes
        self.label = label

    def execute(self, sql: str, params: Sequence[object] = ()) -> None:
        """A write: sent to the thread. Anything else: run here after the writes before it."""
        if _is_write(sql):
            self._writes.submit(self.label, lambda cur: cur.execute(sql, params))
            return
        self._writes.wait().execute(sql, params)

    def executemany(self, sql: str, params: Sequence[Sequence[object]]) -> None:
        """As `execute`, for each set of parameters."""
        if _is_write(sql):
            self._writes.submit(self.label, lambda cur: cur.executemany(sql, params))
            return
        self._writes.wait().executemany(sql, params)

    def fetchall(self) -> list[tuple[Any, ...]]:
        """All rows of the last query."""
        return self._writes.wait().fetchall()

    def fetchone(self) -> tuple[Any, ...] | None:
        """One row of the last query."""
        return self._writes.wait().fetchone()
