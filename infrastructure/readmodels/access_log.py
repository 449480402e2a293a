"""The access log's table, on either store."""

from __future__ import annotations

from uuid import UUID

from infrastructure.readmodels.database import ReadDatabase, SqlCursor
from infrastructure.readmodels.tables import Index, Table, create_tables
from projections.citizens.projection import AccessLogProjection
from projections.citizens.view import AccessRow

ACCESS_LOG = Table(
    f"access_log_v{AccessLogProjection.version}",
    AccessRow,
    ("access_id",),
    indexes=(Index("citizen", ("citizen_id", "position")),),
    on_conflict="ignore",
)
TABLE = ACCESS_LOG.name
ALL = (ACCESS_LOG,)


def create_access_log_table(db: ReadDatabase) -> None:
    """The table of this projection version."""
    create_tables(db, *ALL)


class AccessLogTable:
    """Writes access rows within a batch's transaction."""

    def __init__(self, db: ReadDatabase, cur: SqlCursor) -> None:
        self._insert = ACCESS_LOG.insert(db)
        self._cur = cur

    def add(self, row: AccessRow) -> None:
        """Insert the row (a replayed batch finds it there already)."""
        self._cur.execute(self._insert, ACCESS_LOG.params(row))


class AccessLogQueries:
    """Reads the access log."""

    def __init__(self, db: ReadDatabase) -> None:
        self._db = db

    def for_citizen(self, citizen_id: UUID, *, limit: int) -> list[AccessRow]:
        """The citizen's reads, oldest first."""
        with self._db.read() as cur:
            cur.execute(
                ACCESS_LOG.select(self._db, "citizen_id = ?", "position LIMIT ?"),
                (citizen_id, limit),
            )
            return [ACCESS_LOG.row(r) for r in cur.fetchall()]
