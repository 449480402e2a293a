"""The queue read model's tables, on either store."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from infrastructure.readmodels.database import ReadDatabase, SqlCursor, as_time, as_uuid
from infrastructure.readmodels.working_set import TableSpec, WorkingSet
from projections.queue.projection import QueueProjection
from projections.queue.view import QueueRow, TicketRow

QUEUES = f"queues_v{QueueProjection.version}"
TICKETS = f"queue_tickets_v{QueueProjection.version}"
_TICKET_COLUMNS = (
    "house_id, day, label, line, visit_id, priority, status, counter, for_counter, issued_at, "
    "waiting_since, first_called_at, called_at, ended_at, position"
)


def create_queue_tables(db: ReadDatabase) -> None:
    """The tables of this projection version."""
    with db.write() as cur:
        cur.execute(
            db.ddl(
                "CREATE TABLE IF NOT EXISTS {schema}" + QUEUES + " ("
                "queue_id {uuid} PRIMARY KEY, house_id {uuid} NOT NULL, prefix {text} NOT NULL, "
                "day {text} NOT NULL)"
            )
        )
        cur.execute(
            db.ddl(
                "CREATE TABLE IF NOT EXISTS {schema}" + TICKETS + " ("
                "house_id {uuid} NOT NULL, day {text} NOT NULL, label {text} NOT NULL, "
                "line {text} NOT NULL, visit_id {uuid} NOT NULL, priority {text}, "
                "status {text} NOT NULL, counter {bigint}, for_counter {bigint}, "
                "issued_at {time} NOT NULL, waiting_since {time} NOT NULL, "
                "first_called_at {time}, called_at {time}, ended_at {time}, "
                "position {bigint} NOT NULL, PRIMARY KEY (house_id, day, label))"
            )
        )


def _queue_params(row: QueueRow) -> tuple[object, ...]:
    return (row.queue_id, row.house_id, row.prefix, row.day.isoformat())


def _queue(r: tuple[object, ...]) -> QueueRow:
    return QueueRow(as_uuid(r[0]), as_uuid(r[1]), str(r[2]), _day(r[3]))


def _ticket_params(row: TicketRow) -> tuple[object, ...]:
    return (
        row.house_id,
        row.day.isoformat(),
        row.label,
        row.line,
        row.visit_id,
        row.priority,
        row.status,
        row.counter,
        row.for_counter,
        row.issued_at,
        row.waiting_since,
        row.first_called_at,
        row.called_at,
        row.ended_at,
        row.position,
    )


class QueueTables:
    """Writes queue rows within a batch's transaction, through the batch's working set."""

    def __init__(self, db: ReadDatabase, cur: SqlCursor) -> None:
        self._queues = WorkingSet(db, cur, QUEUE_SPEC)
        self._tickets = WorkingSet(db, cur, TICKET_SPEC)

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
        self._tickets.put(row, row.house_id, row.day.isoformat(), row.label)

    def ticket(self, house_id: UUID, day: date, label: str) -> TicketRow:
        """See QueueWriter."""
        found = self._tickets.get(house_id, day.isoformat(), label)
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
        self._tickets = db.table(TICKETS)

    def tickets(self, house_id: UUID, day: date) -> list[TicketRow]:
        """See QueueReader."""
        with self._db.read() as cur:
            cur.execute(
                f"SELECT {_TICKET_COLUMNS} FROM {self._tickets} "
                "WHERE house_id = ? AND day = ? ORDER BY label",
                (house_id, day.isoformat()),
            )
            return [_ticket(r) for r in cur.fetchall()]


def _day(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _ticket(r: tuple[object, ...]) -> TicketRow:
    return TicketRow(
        house_id=as_uuid(r[0]),
        day=_day(r[1]),
        label=str(r[2]),
        line=str(r[3]),
        visit_id=as_uuid(r[4]),
        priority=None if r[5] is None else str(r[5]),
        status=str(r[6]),
        counter=None if r[7] is None else int(str(r[7])),
        for_counter=None if r[8] is None else int(str(r[8])),
        issued_at=as_time(r[9]),
        waiting_since=as_time(r[10]),
        first_called_at=None if r[11] is None else as_time(r[11]),
        called_at=None if r[12] is None else as_time(r[12]),
        ended_at=None if r[13] is None else as_time(r[13]),
        position=int(str(r[14])),
    )


QUEUE_SPEC = TableSpec(
    QUEUES,
    ("queue_id", "house_id", "prefix", "day"),
    ("queue_id",),
    _queue_params,
    _queue,
    "ignore",
)
TICKET_SPEC = TableSpec(
    TICKETS,
    tuple(c.strip() for c in _TICKET_COLUMNS.split(",")),
    ("house_id", "day", "label"),
    _ticket_params,
    _ticket,
)
