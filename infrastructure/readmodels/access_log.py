"""The access log's table, on either store."""

from __future__ import annotations

from uuid import UUID

from infrastructure.readmodels.database import ReadDatabase, SqlCursor, as_time, as_uuid
from projections.citizens.projection import AccessLogProjection
from projections.citizens.view import AccessRow

TABLE = f"access_log_v{AccessLogProjection.version}"
_COLUMNS = "access_id, citizen_id, actor, at, purpose, operation, fields, house_id, position"


def create_access_log_table(db: ReadDatabase) -> None:
    """The table of this projection version."""
    with db.write() as cur:
        cur.execute(
            db.ddl(
                "CREATE TABLE IF NOT EXISTS {schema}" + TABLE + " ("
                "access_id {uuid} PRIMARY KEY, citizen_id {uuid} NOT NULL, actor {text} NOT NULL, "
                "at {time} NOT NULL, purpose {text} NOT NULL, operation {text} NOT NULL, "
                "fields {text} NOT NULL, house_id {uuid}, position {bigint} NOT NULL)"
            )
        )
        cur.execute(
            db.ddl(
                "CREATE INDEX IF NOT EXISTS "
                + TABLE
                + "_citizen ON {schema}"
                + TABLE
                + " (citizen_id, position)"
            )
        )


class AccessLogTable:
    """Writes access rows within a batch's transaction."""

    def __init__(self, db: ReadDatabase, cur: SqlCursor) -> None:
        self._table = db.table(TABLE)
        self._cur = cur

    def add(self, row: AccessRow) -> None:
        """Insert the row (a replayed batch finds it there already)."""
        self._cur.execute(
            f"INSERT INTO {self._table} ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (access_id) DO NOTHING",
            (
                row.access_id,
                row.citizen_id,
                row.actor,
                row.at,
                row.purpose,
                row.operation,
                ",".join(row.fields),
                row.house_id,
                row.position,
            ),
        )


class AccessLogQueries:
    """Reads the access log."""

    def __init__(self, db: ReadDatabase) -> None:
        self._db = db
        self._table = db.table(TABLE)

    def for_citizen(self, citizen_id: UUID, *, limit: int) -> list[AccessRow]:
        """The citizen's reads, oldest first."""
        with self._db.read() as cur:
            cur.execute(
                f"SELECT {_COLUMNS} FROM {self._table} WHERE citizen_id = ? "
                "ORDER BY position LIMIT ?",
                (citizen_id, limit),
            )
            return [_row(r) for r in cur.fetchall()]


def _row(r: tuple[object, ...]) -> AccessRow:
    return AccessRow(
        access_id=as_uuid(r[0]),
        citizen_id=as_uuid(r[1]),
        actor=str(r[2]),
        at=as_time(r[3]),
        purpose=str(r[4]),
        operation=str(r[5]),
        fields=tuple(f for f in str(r[6]).split(",") if f),
        house_id=as_uuid(r[7]) if r[7] is not None else None,
        position=int(str(r[8])),
    )
