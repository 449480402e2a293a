"""The queue read model's tables, on either store."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from infrastructure.readmodels.database import ReadDatabase, SqlCursor
from infrastructure.readmodels.tables import Table, create_tables
from infrastructure.readmodels.working_set import WorkingSet
from projections.queue.projection import QueueProjection
from projections.queue.view import QueueRow, TicketRow

QUEUES_TABLE = Table(
    f"queues_v{QueueProjection.version}", QueueRow, ("queue_id",), on_conflict="ignore"
)
TICKETS_TABLE = Table(
    f"queue_tickets_v{QueueProjection.version}", TicketRow, ("house_id", "day", "label")
)
QUEUES, TICKETS = QUEUES_TABLE.name, TICKETS_TABLE.name
ALL = (QUEUES_TABLE, TICKETS_TABLE)


def create_queue_tables(db: ReadDatabase) -> None:
    """The tables of this projection version."""
    create_tables(db, *ALL)


class QueueTables:
    """Writes queue rows within a batch's transaction, through the batch's working set."""

    def __init__(self, db: ReadDatabase, cur: SqlCursor) -> None:
        self._queues = WorkingSet(db, cur, QUEUES_TABLE.spec)
        self._tickets = WorkingSet(db, cur, TICKETS_TABLE.spec)

    def add_queue(self, row: QueueRow) -> None:
        """See QueueWriter."""
        self._queues.put(row, row.queue_id)

    def queue(self, queue_id: UUID) -> QueueRow:
        """See QueueWriter."""
        found = self._queues.get(queue_id)
        if found is None:  # pragma: no cover - the log always opens a queue first
            msg = f"queue {queue_id} was never opened"
            raise LookupError(msg)
        return found

    def put_ticket(self, row: TicketRow) -> None:
        """See QueueWriter."""
        self._tickets.put(row, *TICKETS_TABLE.key_of(row))

    def ticket(self, house_id: UUID, day: date, label: str) -> TicketRow:
        """See QueueWriter."""
        found = self._tickets.get(*TICKETS_TABLE.key_params(house_id, day, label))
        if found is None:  # pragma: no cover - the log always issues a ticket first
            msg = f"ticket {label} was never issued"
            raise LookupError(msg)
        return found

    def flush(self) -> None:
        """Write the batch's queues and tickets."""
        self._queues.flush()
        self._tickets.flush()


class QueueQueries:
    """Reads the queue tables."""

    def __init__(self, db: ReadDatabase) -> None:
        self._db = db

    def tickets(self, house_id: UUID, day: date) -> list[TicketRow]:
        """See QueueReader."""
        with self._db.read() as cur:
            cur.execute(
                TICKETS_TABLE.select(self._db, "house_id = ? AND day = ?", "label"),
                (house_id, day.isoformat()),
            )
            return [TICKETS_TABLE.row(r) for r in cur.fetchall()]

    def called(self, house_id: UUID, day: date, limit: int) -> list[TicketRow]:
        """The tickets of the house that day called to a counter, the last called first.

        A ticket sent back to wait (recycled, transferred to a counter, no-show) has no counter
        and is not among them until a counter calls it again.
        """
        where = "house_id = ? AND day = ? AND called_at IS NOT NULL AND counter IS NOT NULL"
        with self._db.read() as cur:
            cur.execute(
                TICKETS_TABLE.select(self._db, where, "called_at DESC, label DESC LIMIT ?"),
                (house_id, day.isoformat(), limit),
            )
            return [TICKETS_TABLE.row(r) for r in cur.fetchall()]
