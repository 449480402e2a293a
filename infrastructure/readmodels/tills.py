"""The tills read model's tables, on either store."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from infrastructure.readmodels.database import ReadDatabase, SqlCursor
from infrastructure.readmodels.tables import Index, Table, create_tables
from infrastructure.readmodels.working_set import WorkingSet
from projections.tills.projection import TillsProjection
from projections.tills.view import CashMovementRow, TillRow

V = TillsProjection.version
TILLS_TABLE = Table(
    f"tills_v{V}",
    TillRow,
    ("till_id",),
    indexes=(Index("house_day", ("house_id", "business_date")),),
)
MOVEMENTS_TABLE = Table(
    f"till_movements_v{V}",
    CashMovementRow,
    ("number",),
    indexes=(Index("till", ("till_id", "position")),),
)
TILLS, MOVEMENTS = TILLS_TABLE.name, MOVEMENTS_TABLE.name
ALL = (TILLS_TABLE, MOVEMENTS_TABLE)


def create_tills_tables(db: ReadDatabase) -> None:
    """The tables of this projection version."""
    create_tables(db, *ALL)


class TillsTables:
    """Writes tills and their movements within a batch's transaction, through its working set."""

    def __init__(self, db: ReadDatabase, cur: SqlCursor) -> None:
        self._tills = WorkingSet(db, cur, TILLS_TABLE.spec)
        self._movements = WorkingSet(db, cur, MOVEMENTS_TABLE.spec)

    def put(self, row: TillRow) -> None:
        """See TillsWriter."""
        self._tills.put(row, row.till_id)

    def get(self, till_id: UUID) -> TillRow:
        """See TillsWriter."""
        found = self._tills.get(till_id)
        if found is None:  # pragma: no cover - the log always opens a till first
            msg = f"till {till_id} was never opened"
            raise LookupError(msg)
        return found

    def put_movement(self, row: CashMovementRow) -> None:
        """See TillsWriter."""
        self._movements.put(row, row.number)

    def flush(self) -> None:
        """Write the batch's tills and movements."""
        self._tills.flush()
        self._movements.flush()


class TillsQueries:
    """Reads the tills tables."""

    def __init__(self, db: ReadDatabase) -> None:
        self._db = db

    def of_day(self, house_id: UUID, day: date) -> list[TillRow]:
        """See TillsReader."""
        with self._db.read() as cur:
            cur.execute(
                TILLS_TABLE.select(self._db, "house_id = ? AND business_date = ?"),
                (house_id, day.isoformat()),
            )
            rows = [TILLS_TABLE.row(r) for r in cur.fetchall()]
        # sorted here, by code point: the same order on both stores whatever their collation
        return sorted(rows, key=lambda r: (r.employee_number, r.shift))

    def get(self, till_id: UUID) -> TillRow | None:
        """See TillsReader."""
        with self._db.read() as cur:
            cur.execute(TILLS_TABLE.select(self._db, "till_id = ?"), (till_id,))
            found = cur.fetchone()
        return TILLS_TABLE.row(found) if found else None

    def movement(self, number: str) -> CashMovementRow | None:
        """See TillsReader."""
        with self._db.read() as cur:
            cur.execute(MOVEMENTS_TABLE.select(self._db, "number = ?"), (number,))
            found = cur.fetchone()
        return MOVEMENTS_TABLE.row(found) if found else None
