"""The access log's table, on either store."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID

from domain.shared.time import TUNIS
from infrastructure.readmodels.database import ReadDatabase, SqlCursor
from infrastructure.readmodels.tables import Index, Table, create_tables
from projections.citizens.projection import AccessLogProjection
from projections.citizens.view import AccessFilter, AccessRow

ACCESS_LOG = Table(
    f"access_log_v{AccessLogProjection.version}",
    AccessRow,
    ("access_id",),
    # an auditor narrows by citizen, by actor or by period, each read in log order
    indexes=(
        Index("citizen", ("citizen_id", "position")),
        Index("actor", ("actor", "position")),
        Index("at", ("at",)),
    ),
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

    def accesses(self, narrowed: AccessFilter, after: int, *, limit: int) -> list[AccessRow]:
        """The reads after log position `after` that match, in log order.

        A page ends at a position and new reads come after every stored one, so asking again
        after a page's last position never skips nor repeats a read.
        """
        where, params = _where(narrowed, after)
        with self._db.read() as cur:
            cur.execute(ACCESS_LOG.select(self._db, where, "position LIMIT ?"), (*params, limit))
            return [ACCESS_LOG.row(r) for r in cur.fetchall()]


def _day_start(day: date) -> datetime:
    """A Tunis day's first instant, in UTC as the rows store their times."""
    return datetime.combine(day, time(), TUNIS).astimezone(UTC)


def _where(narrowed: AccessFilter, after: int) -> tuple[str, list[object]]:
    clauses: list[str] = ["position > ?"]
    params: list[object] = [after]
    if narrowed.citizen_id is not None:
        clauses.append("citizen_id = ?")
        params.append(narrowed.citizen_id)
    if narrowed.actor is not None:
        clauses.append("actor = ?")
        params.append(narrowed.actor)
    if narrowed.day_from is not None:
        clauses.append("at >= ?")
        params.append(_day_start(narrowed.day_from))
    if narrowed.day_to is not None:
        clauses.append("at < ?")
        params.append(_day_start(narrowed.day_to + timedelta(days=1)))
    return " AND ".join(clauses), params
