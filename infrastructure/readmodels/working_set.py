"""A batch's working set of read-model rows: read once, changed in memory, written once.

A writer that reads a row before changing it (a ticket called, a payment captured) would send one
query per event and, with batched writes, flush every queued write before it. Instead each table
keeps, for the length of one batch, the rows the batch has read or written: a read is served from
the set (the database is asked only for a row the batch has not touched yet), repeated changes to
one row collapse to its final state, and `flush` writes each table's final rows with a few
multi-row statements and its deleted keys with one `executemany`: on PostgreSQL one
`INSERT .. SELECT .. FROM json_populate_recordset(..) ON CONFLICT ..` per table (the rows sent as
one JSON parameter, typed by the table itself), on SQLite one `INSERT .. VALUES (..), (..) ..
ON CONFLICT` per chunk of rows. The runner flushes before it records the batch's position,
in the same transaction, so a batch's rows and its tracking still commit together.

Rows the database holds but the batch has not touched are not in the set; every row the batch
writes is, so a read never needs the writes flushed first. After a flush the set still knows its
rows (up to `KEPT`): a writer that lives for several batches of one transaction (a rebuild's, for
its whole pass) reads them from memory in the next batch; the runner's writers live one batch.
A row of a write-once table (`on_conflict="ignore"`) read after a batch re-adds it is the
batch's: such rows are written by one event each (a queue opened, a visit opened), so it is the
stored one.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

import orjson

from infrastructure.readmodels.database import ReadDatabase, SqlCursor
from infrastructure.readmodels.text import storable

R = TypeVar("R")
MAX_PARAMETERS = 16_000  # per statement: under SQLite's 32,766 and PostgreSQL's 65,535
KEPT = 50_000  # rows a set keeps knowing after a flush (beyond: forgotten, read again if needed)
_DELETED = object()


@dataclass(frozen=True)
class TableSpec(Generic[R]):
    """How a table's rows are keyed, turned into parameters, and read back.

    `on_conflict` is what an insert does to a row already stored: replace it (`update`) or keep
    it (`ignore`, for rows written once, such as a queue opened or a contact recorded).
    """

    name: str  # unqualified
    columns: tuple[str, ...]
    keys: tuple[str, ...]
    params: Callable[[R], Sequence[object]]
    row: Callable[[tuple[object, ...]], R]
    on_conflict: Literal["update", "ignore"] = "update"


class WorkingSet(Generic[R]):
    """One table's rows touched by the current batch."""

    def __init__(self, db: ReadDatabase, cur: SqlCursor, spec: TableSpec[R]) -> None:
        self._cur = cur
        self._postgres = db.kind == "postgres"
        self._spec = spec
        self._table = db.table(spec.name)
        self._rows: dict[Hashable, object] = {}  # key -> row, or _DELETED; what the DB will hold
        self._dirty: dict[Hashable, None] = {}  # keys written, in first-write order

    def get(self, *key: object) -> R | None:
        """The row under `key`: the batch's own version, else the stored one (None if none)."""
        k = _key(key)
        found = self._rows.get(k, None)
        if found is None:
            found = self._load(key)
            self._rows[k] = _DELETED if found is None else found
        return None if found is _DELETED else found  # type: ignore[return-value]

    def put(self, row: R, *key: object) -> None:
        """Write `row` under `key` (its final state in this batch is what is stored)."""
        k = _key(key)
        if self._spec.on_conflict == "ignore" and self._rows.get(k, _DELETED) is not _DELETED:
            return  # written once: the first row stays, as ON CONFLICT DO NOTHING would keep it
        self._rows[k] = row
        self._dirty[k] = None

    def delete(self, *key: object) -> None:
        """Remove the row under `key`."""
        k = _key(key)
        self._rows[k] = _DELETED
        self._dirty[k] = None

    def flush(self) -> None:
        """Write the batch's final rows and deletions.

        The rows stay known while the set lives and holds at most `KEPT` rows: in the same
        transaction (a rebuild's writer lives for its whole pass), they are what the table holds.
        """
        upserts: list[Sequence[object]] = []
        deletes: list[tuple[object, ...]] = []
        for k in self._dirty:
            row = self._rows[k]
            if row is _DELETED:
                deletes.append(k if isinstance(k, tuple) else (k,))
            else:
                upserts.append(self._spec.params(row))  # type: ignore[arg-type]
        self._dirty = {}
        if len(self._rows) > KEPT:
            self._rows = {}  # else known still: the next batch of the same writer reads them here
        if deletes:
            where = " AND ".join(f"{c} = ?" for c in self._spec.keys)
            self._cur.executemany(f"DELETE FROM {self._table} WHERE {where}", deletes)
        self._insert(upserts)

    def _insert(self, rows: list[Sequence[object]]) -> None:
        if not rows:
            return
        spec = self._spec
        if spec.on_conflict == "ignore":
            action = "DO NOTHING"
        else:
            updates = ", ".join(f"{c} = excluded.{c}" for c in spec.columns if c not in spec.keys)
            action = f"DO UPDATE SET {updates}"
        columns = ", ".join(spec.columns)
        if self._postgres:
            self._cur.execute(
                f"INSERT INTO {self._table} ({columns}) SELECT {columns} "
                f"FROM json_populate_recordset(NULL::{self._table}, ?::json) "
                f"ON CONFLICT ({', '.join(spec.keys)}) {action}",
                (json_rows(spec.columns, rows),),
            )
            return
        per_statement = max(1, MAX_PARAMETERS // len(spec.columns))
        one = "(" + ", ".join("?" * len(spec.columns)) + ")"
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            values = ", ".join([one] * len(chunk))
            self._cur.execute(
                f"INSERT INTO {self._table} ({columns}) VALUES {values} "
                f"ON CONFLICT ({', '.join(spec.keys)}) {action}",
                [p for row in chunk for p in row],
            )

    def _load(self, key: tuple[object, ...]) -> R | None:
        where = " AND ".join(f"{c} = ?" for c in self._spec.keys)
        self._cur.execute(
            f"SELECT {', '.join(self._spec.columns)} FROM {self._table} WHERE {where}", key
        )
        found = self._cur.fetchone()
        return None if found is None else self._spec.row(found)


def json_rows(columns: tuple[str, ...], rows: list[Sequence[object]]) -> str:
    """Rows as a JSON array of objects (UUIDs, datetimes as PostgreSQL reads them); storable.

    Most rows hold no text a store refuses: they are encoded as they are. Text with a lone
    surrogate (which orjson refuses) or a NUL (which it escapes) sends every row through
    `storable` first.
    """
    try:
        encoded = orjson.dumps([dict(zip(columns, row, strict=True)) for row in rows])
    except orjson.JSONEncodeError:
        encoded = b"\\u0000"  # a lone surrogate: cleaned below
    if b"\\u0000" in encoded:
        encoded = orjson.dumps(
            [
                {
                    c: storable(v) if isinstance(v, str) else v
                    for c, v in zip(columns, row, strict=True)
                }
                for row in rows
            ]
        )
    return encoded.decode()


def _key(key: tuple[object, ...]) -> Hashable:
    """The set's key: what the database compares (text made storable), one value bare."""
    if len(key) == 1:
        part = key[0]
        return storable(part) if type(part) is str else part
    for part in key:
        if type(part) is str and not (part.isascii() and "\x00" not in part):
            return tuple([storable(p) if type(p) is str else p for p in key])
    return key  # nothing to clean (most keys): the tuple as it came
