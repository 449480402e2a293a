"""The partners read model's table, on either store."""

from __future__ import annotations

from uuid import UUID

from infrastructure.readmodels.database import ReadDatabase, SqlCursor, as_time, as_uuid
from projections.errors import StaleError
from projections.partners.projection import PartnersProjection
from projections.partners.view import PartnerRow

TABLE = f"partners_v{PartnersProjection.version}"
_COLUMNS = "partner_id, code, name_ar, name_fr, registered_at, position"


def create_partners_table(db: ReadDatabase) -> None:
    """The table of this projection version."""
    with db.write() as cur:
        cur.execute(
            db.ddl(
                "CREATE TABLE IF NOT EXISTS {schema}" + TABLE + " ("
                "partner_id {uuid} PRIMARY KEY, code {text} NOT NULL UNIQUE, "
                "name_ar {text} NOT NULL, name_fr {text} NOT NULL, "
                "registered_at {time} NOT NULL, position {bigint} NOT NULL)"
            )
        )


class PartnersTable:
    """Writes partner rows within a batch's transaction."""

    def __init__(self, db: ReadDatabase, cur: SqlCursor) -> None:
        self._table = db.table(TABLE)
        self._cur = cur

    def add(self, row: PartnerRow) -> None:
        """Insert the row (a replayed batch finds it there already)."""
        self._cur.execute(
            f"INSERT INTO {self._table} ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (partner_id) DO NOTHING",
            (row.partner_id, row.code, row.name_ar, row.name_fr, row.registered_at, row.position),
        )

    def rename(self, partner_id: UUID, name_ar: str, name_fr: str, position: int) -> None:
        """Update the names."""
        self._cur.execute(
            f"UPDATE {self._table} SET name_ar = ?, name_fr = ?, position = ? WHERE partner_id = ?",
            (name_ar, name_fr, position, partner_id),
        )


class PartnersQueries:
    """Reads the partners table."""

    def __init__(self, db: ReadDatabase) -> None:
        self._db = db
        self._table = db.table(TABLE)

    def list(self, *, limit: int, after_code: str | None = None) -> list[PartnerRow]:
        """Partners ordered by code."""
        with self._db.read() as cur:
            cur.execute(
                f"SELECT {_COLUMNS} FROM {self._table} WHERE code > ? ORDER BY code LIMIT ?",
                (after_code or "", limit),
            )
            return [_row(r) for r in cur.fetchall()]

    def version(self) -> int:
        """The position of the last event applied to any partner (0 before any, or unbuilt)."""
        try:
            with self._db.read() as cur:
                cur.execute(f"SELECT COALESCE(MAX(position), 0) FROM {self._table}")
                row = cur.fetchone()
        except StaleError:
            return 0
        return int(row[0]) if row else 0

    def by_code(self, code: str) -> PartnerRow | None:
        """One partner."""
        with self._db.read() as cur:
            cur.execute(f"SELECT {_COLUMNS} FROM {self._table} WHERE code = ?", (code,))
            found = cur.fetchone()
        return _row(found) if found else None


def _row(r: tuple[object, ...]) -> PartnerRow:
    return PartnerRow(
        partner_id=as_uuid(r[0]),
        code=str(r[1]),
        name_ar=str(r[2]),
        name_fr=str(r[3]),
        registered_at=as_time(r[4]),
        position=int(str(r[5])),
    )
