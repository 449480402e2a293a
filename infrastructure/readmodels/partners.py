"""The partners read model's table, on either store."""

from __future__ import annotations

from uuid import UUID

from infrastructure.readmodels.database import ReadDatabase, SqlCursor
from infrastructure.readmodels.tables import Table, create_tables
from projections.errors import StaleError
from projections.partners.projection import PartnersProjection
from projections.partners.view import PartnerRow

PARTNERS = Table(
    f"partners_v{PartnersProjection.version}",
    PartnerRow,
    ("partner_id",),
    unique=("code",),
    on_conflict="ignore",  # a replayed batch finds its partners there already
)
TABLE = PARTNERS.name
ALL = (PARTNERS,)


def create_partners_table(db: ReadDatabase) -> None:
    """The table of this projection version."""
    create_tables(db, *ALL)


class PartnersTable:
    """Writes partner rows within a batch's transaction."""

    def __init__(self, db: ReadDatabase, cur: SqlCursor) -> None:
        self._table = db.table(TABLE)
        self._insert = PARTNERS.insert(db)
        self._cur = cur

    def add(self, row: PartnerRow) -> None:
        """Insert the row (a replayed batch finds it there already)."""
        self._cur.execute(self._insert, PARTNERS.params(row))

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
                PARTNERS.select(self._db, "code > ?", "code LIMIT ?"), (after_code or "", limit)
            )
            return [PARTNERS.row(r) for r in cur.fetchall()]

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
            cur.execute(PARTNERS.select(self._db, "code = ?"), (code,))
            found = cur.fetchone()
        return PARTNERS.row(found) if found else None
