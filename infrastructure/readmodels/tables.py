"""One spec per read-model table: its DDL, columns, statements, parameters and rows come from it.

A table is its row dataclass (projections/*/view.py) plus what SQL must know beyond the fields:
the key, the unique columns and the indexes. Each field's Python type chooses its column:

| field type          | column     | stored as                        |
|---------------------|------------|----------------------------------|
| `UUID`              | `{uuid}`   | uuid (PostgreSQL), text (SQLite) |
| `str`               | `{text}`   | text                             |
| `int`               | `{bigint}` | bigint / integer                 |
| `bool`              | `{bigint}` | 0 or 1                           |
| `datetime`          | `{time}`   | timestamptz / ISO text           |
| `date`              | `{text}`   | ISO text (compared as text)      |
| `tuple[str, ...]`   | `{text}`   | joined by the table's separator  |

`X | None` is a nullable column; any other is NOT NULL.
"""

from __future__ import annotations

import operator
import types
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Generic, Literal, TypeVar
from uuid import UUID

from infrastructure.readmodels.database import ReadDatabase, as_time, as_uuid
from infrastructure.readmodels.working_set import TableSpec

R = TypeVar("R")
Convert = Callable[[object], object]


@dataclass(frozen=True)
class Index:
    """A secondary index, named `<table>_<suffix>`."""

    suffix: str
    columns: tuple[str, ...]
    unique: bool = False


@dataclass(frozen=True)
class Column:
    """One column: its SQL type and how a field's value is written and read back."""

    name: str
    sql: Literal["uuid", "text", "bigint", "time"]
    nullable: bool
    write: Convert | None  # None: the value is written as it is
    read: Convert


def _whole(value: object) -> int:
    return value if type(value) is int else int(str(value))


def _day(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _flag(value: object) -> object:
    return int(bool(value))


def _iso(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


def _column(name: str, hint: object, separator: str) -> Column:
    """The column a field of this type is stored in."""
    nullable = False
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        kinds = [a for a in typing.get_args(hint) if a is not type(None)]
        nullable, hint = len(kinds) < len(typing.get_args(hint)), kinds[0]
    columns: dict[object, Column] = {
        UUID: Column(name, "uuid", nullable, None, as_uuid),
        str: Column(name, "text", nullable, None, str),
        bool: Column(name, "bigint", nullable, _flag, bool),
        int: Column(name, "bigint", nullable, None, _whole),
        datetime: Column(name, "time", nullable, None, as_time),
        date: Column(name, "text", nullable, _iso, _day),
    }
    if hint in columns:
        return columns[hint]
    if typing.get_origin(hint) is tuple:
        return Column(
            name,
            "text",
            nullable,
            lambda v: separator.join(typing.cast("tuple[str, ...]", v)),
            lambda v: tuple(part for part in str(v).split(separator) if part),
        )
    msg = f"no column type for field {name}: {hint!r}"
    raise TypeError(msg)


class Table(Generic[R]):
    """A read-model table made from its row dataclass.

    `key` is the primary key; `unique` columns are declared UNIQUE beside their type; `indexes`
    are created with the table. `on_conflict` is what writing a row already stored does: replace
    it (`update`) or keep the stored one (`ignore`, rows written once).
    """

    def __init__(  # noqa: PLR0913 - what a table declares
        self,
        name: str,
        row: type[R],
        key: tuple[str, ...],
        *,
        unique: tuple[str, ...] = (),
        indexes: tuple[Index, ...] = (),
        separator: str = ",",
        on_conflict: Literal["update", "ignore"] = "update",
    ) -> None:
        hints = typing.get_type_hints(row)
        self.name = name
        self.row_type = row
        self.key = key
        self.unique = unique
        self.indexes = indexes
        self.on_conflict = on_conflict
        self.column_specs = tuple(
            _column(f.name, hints[f.name], separator)
            for f in fields(row)  # type: ignore[arg-type]
        )
        self.columns = tuple(c.name for c in self.column_specs)
        if len(self.columns) < 2 or not set(key) <= set(self.columns):
            msg = f"{name}: a table has a key among two columns or more"
            raise ValueError(msg)
        self._values = operator.attrgetter(*self.columns)  # a tuple: two names or more
        self._writes = tuple((i, c.write) for i, c in enumerate(self.column_specs) if c.write)
        self._reads = tuple(c.read for c in self.column_specs)
        by_name = {c.name: c for c in self.column_specs}
        self._key_writes = tuple(by_name[k].write for k in key)
        self.spec = TableSpec(name, self.columns, key, self.params, self.row, on_conflict)

    def ddl(self, db: ReadDatabase) -> list[str]:
        """CREATE TABLE and CREATE INDEX statements in the database's dialect."""
        lines = [self._column_ddl(c) for c in self.column_specs]
        if len(self.key) > 1:
            lines.append(f"PRIMARY KEY ({', '.join(self.key)})")
        statements = [
            f"CREATE TABLE IF NOT EXISTS {{schema}}{self.name} ({', '.join(lines)})",
            *(
                f"CREATE {'UNIQUE ' if i.unique else ''}INDEX IF NOT EXISTS "
                f"{self.name}_{i.suffix} ON {{schema}}{self.name} ({', '.join(i.columns)})"
                for i in self.indexes
            ),
        ]
        return [db.ddl(s) for s in statements]

    def _column_ddl(self, column: Column) -> str:
        text = f"{column.name} {{{column.sql}}}"
        if self.key == (column.name,):
            return text + " PRIMARY KEY"
        text += "" if column.nullable else " NOT NULL"
        return text + (" UNIQUE" if column.name in self.unique else "")

    def select(self, db: ReadDatabase, where: str = "", order: str = "") -> str:
        """SELECT of every column, optionally narrowed and ordered."""
        sql = f"SELECT {', '.join(self.columns)} FROM {db.table(self.name)}"
        sql += f" WHERE {where}" if where else ""
        return sql + (f" ORDER BY {order}" if order else "")

    def insert(self, db: ReadDatabase) -> str:
        """INSERT of one row; a row already stored is replaced or kept (`on_conflict`)."""
        marks = ", ".join("?" * len(self.columns))
        if self.on_conflict == "ignore":
            action = "DO NOTHING"
        else:
            kept = (c for c in self.columns if c not in self.key)
            action = "DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in kept)
        return (
            f"INSERT INTO {db.table(self.name)} ({', '.join(self.columns)}) VALUES ({marks}) "
            f"ON CONFLICT ({', '.join(self.key)}) {action}"
        )

    def params(self, row: R) -> Sequence[object]:
        """The row's values as the columns store them, in column order."""
        values = list(self._values(row))
        for i, write in self._writes:
            if values[i] is not None:
                values[i] = write(values[i])
        return values

    def row(self, values: tuple[object, ...]) -> R:
        """The row from a fetched tuple of every column, in column order (NULL read as None)."""
        return self.row_type(
            *[None if v is None else read(v) for read, v in zip(self._reads, values, strict=True)]
        )

    def key_params(self, *key: object) -> tuple[object, ...]:
        """Key values as stored (what `WorkingSet.get`, `put` and `delete` are given)."""
        return tuple(
            v if write is None else write(v) for write, v in zip(self._key_writes, key, strict=True)
        )

    def key_of(self, row: R) -> tuple[object, ...]:
        """The row's key, as stored."""
        return self.key_params(*(getattr(row, k) for k in self.key))


def create_tables(db: ReadDatabase, *tables: Table[typing.Any]) -> None:
    """Create the tables (and their indexes) that are missing, in one transaction."""
    with db.write() as cur:
        for table in tables:
            for statement in table.ddl(db):
                cur.execute(statement)
