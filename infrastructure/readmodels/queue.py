"""The queue read model's tables, on either store."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from infrastructure.readmodels.database import ReadDatabase, SqlCursor, as_time, as_uuid
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


class QueueTables:
    """Writes queue rows within a batch's transaction."""

    def __init__(self, db: ReadDatabase, cur: SqlCursor) -> None:
        self._queues = db.table(QUEUES)
        self._tickets = db.table(TICKETS)
        self._cur = cur

    def add_queue(self, row: QueueRow) -> None:
        """See QueueWriter."""
        self._cur.execute(
            f"INSERT INTO {self._queues} (queue_id, house_id, prefix, day) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (queue_id) DO NOTHING",
            (row.queue_id, row.house_id, row.prefix, row.day.isoformat()),
        )

    def queue(self, queue_id: UUID) -> QueueRow:
        """See QueueWriter."""
        self._cur.execute(
            f"SELECT queue_id, house_id, prefix, day FROM {self._queues} WHERE queue_id = ?",
            (queue_id,),
        )
        found = self._cur.fetchone()
        if found is None:  # pragma: no cover - the log always opens a queue first
            msg = f"queue {queue_id} was never opened"
            raise LookupError(msg)
        return QueueRow(as_uuid(found[0]), as_uuid(found[1]), str(found[2]), _day(found[3]))

    def put_ticket(self, row: TicketRow) -> None:
        """See QueueWriter."""
        self._cur.execute(
            f"DELETE FROM {self._tickets} WHERE house_id = ? AND day = ? AND label = ?",
            (row.house_id, row.day.isoformat(), row.label),
        )
        self._cur.execute(
            f"INSERT INTO {self._tickets} ({_TICKET_COLUMNS}) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
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
            ),
        )

    def ticket(self, house_id: UUID, day: date, label: str) -> TicketRow:
        """See QueueWriter."""
        self._cur.execute(
            f"SELECT {_TICKET_COLUMNS} FROM {self._tickets} "
            "WHERE house_id = ? AND day = ? AND label = ?",
            (house_id, day.isoformat(), label),
        )
        found = self._cur.fetchone()
        if found is None:  # pragma: no cover - the log always issues a ticket first
            msg = f"ticket {label} was never issued"
            raise LookupError(msg)
        return _ticket(found)


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
