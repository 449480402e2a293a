"""The audit index's table, on either store, and the journal's reads over it.

Each filter of the journal has an index led by its column and followed by the position, so a
page of a selective filter reads only its own rows, however long the log.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from infrastructure.readmodels.database import ReadDatabase, SqlCursor, as_uuid
from infrastructure.readmodels.tables import Index, Table, create_tables
from projections.audit.projection import AuditIndexProjection
from projections.audit.view import JournalFilter, JournalRow
from projections.rows import changed

AUDIT_INDEX = Table(
    f"audit_index_v{AuditIndexProjection.version}",
    JournalRow,
    ("position",),
    indexes=(
        Index("stream", ("originator_id", "originator_version")),
        Index("stream_at", ("originator_id", "at", "originator_version")),
        Index("house", ("house_id", "position")),
        Index("partner", ("partner_id", "position")),
        Index("actor", ("actor", "position")),
        Index("topic", ("topic", "position")),
        Index("day", ("day", "position")),
    ),
    on_conflict="ignore",
)
ALL = (AUDIT_INDEX,)


def create_audit_tables(db: ReadDatabase) -> None:
    """The table of this projection version."""
    create_tables(db, *ALL)


class AuditIndexTable:
    """Writes index rows within a batch's transaction.

    An event that names no house or partner is filed under its aggregate's (those its first event
    named): a grant's suspension is found under the grant's house and partner.
    """

    def __init__(self, db: ReadDatabase, cur: SqlCursor) -> None:
        self._insert = AUDIT_INDEX.insert(db)
        self._owner_sql = (
            f"SELECT house_id, partner_id FROM {db.table(AUDIT_INDEX.name)}"
            " WHERE originator_id = ? AND originator_version = 1"
        )
        self._cur = cur
        self._owners: dict[UUID, tuple[UUID | None, UUID | None]] = {}

    def add(self, row: JournalRow) -> None:
        """Insert the row (a replayed batch finds it there already)."""
        if row.originator_version == 1:
            self._owners[row.originator_id] = (row.house_id, row.partner_id)
        elif row.house_id is None or row.partner_id is None:
            house, partner = self._owner(row.originator_id)
            row = changed(row, house_id=row.house_id or house, partner_id=row.partner_id or partner)
        self._cur.execute(self._insert, AUDIT_INDEX.params(row))

    def _owner(self, originator_id: UUID) -> tuple[UUID | None, UUID | None]:
        if originator_id not in self._owners:
            self._cur.execute(self._owner_sql, (originator_id,))
            found = self._cur.fetchone()
            self._owners[originator_id] = (
                (None, None)
                if found is None
                else (
                    None if found[0] is None else as_uuid(found[0]),
                    None if found[1] is None else as_uuid(found[1]),
                )
            )
        return self._owners[originator_id]


def _where(after: int, narrowed: JournalFilter) -> tuple[str, list[object]]:
    clauses: list[str] = ["position > ?"]
    params: list[object] = [after]
    for column, value in (
        ("house_id", narrowed.house_id),
        ("partner_id", narrowed.partner_id),
        ("actor", narrowed.actor),
        ("topic", narrowed.topic),
    ):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    if narrowed.day_from is not None:
        clauses.append("day >= ?")
        params.append(narrowed.day_from.isoformat())
    if narrowed.day_to is not None:
        clauses.append("day <= ?")
        params.append(narrowed.day_to.isoformat())
    return " AND ".join(clauses), params


class AuditIndexQueries:
    """Reads the audit index."""

    def __init__(self, db: ReadDatabase) -> None:
        self._db = db
        table = db.table(AUDIT_INDEX.name)
        self._version_at = (
            f"SELECT originator_version FROM {table} WHERE originator_id = ? AND at <= ?"
            " ORDER BY at DESC, originator_version DESC LIMIT 1"
        )

    def journal(self, after: int, narrowed: JournalFilter, *, limit: int) -> list[JournalRow]:
        """The rows after `after` that match, in log order."""
        where, params = _where(after, narrowed)
        with self._db.read() as cur:
            cur.execute(AUDIT_INDEX.select(self._db, where, "position LIMIT ?"), (*params, limit))
            return [AUDIT_INDEX.row(r) for r in cur.fetchall()]

    def history(self, aggregate_id: UUID, after_version: int, *, limit: int) -> list[JournalRow]:
        """The aggregate's rows after that version, in version order."""
        with self._db.read() as cur:
            cur.execute(
                AUDIT_INDEX.select(
                    self._db,
                    "originator_id = ? AND originator_version > ?",
                    "originator_version LIMIT ?",
                ),
                (aggregate_id, after_version, limit),
            )
            return [AUDIT_INDEX.row(r) for r in cur.fetchall()]

    def version_at(self, aggregate_id: UUID, at: datetime) -> int:
        """The aggregate's last version recorded at or before `at` (0: it did not exist yet).

        Versions grow with time within an aggregate: one seek down its (id, at) index.
        """
        with self._db.read() as cur:
            cur.execute(self._version_at, (aggregate_id, at))
            found = cur.fetchone()
            return int(found[0]) if found else 0

    def created_in_house(self, house_id: UUID, topic: str, at: datetime) -> list[tuple[UUID, int]]:
        """Aggregates created at the house by a `topic` event by `at`, with their version then."""
        table = self._db.table(AUDIT_INDEX.name)
        with self._db.read() as cur:
            cur.execute(
                f"SELECT c.originator_id, (SELECT e.originator_version FROM {table} e"
                " WHERE e.originator_id = c.originator_id AND e.at <= ?"
                " ORDER BY e.at DESC, e.originator_version DESC LIMIT 1)"
                f" FROM {table} c WHERE c.house_id = ? AND c.topic = ? AND c.at <= ?"
                " ORDER BY c.position",
                (at, house_id, topic, at),
            )
            return [(as_uuid(r[0]), int(r[1])) for r in cur.fetchall()]
