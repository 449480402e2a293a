"""The counter dashboard read model's tables, on either store."""

from __future__ import annotations

import operator
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar
from uuid import UUID

from infrastructure.readmodels.database import TRACKING, ReadDatabase, SqlCursor, select_each
from infrastructure.readmodels.tables import Index, Table, create_tables
from infrastructure.readmodels.working_set import WorkingSet
from projections.dashboard.projection import GRANT, DashboardProjection
from projections.dashboard.view import (
    AgentDayRow,
    AgentRow,
    AuthorityRow,
    CollectedRow,
    CounterRow,
    DashboardRows,
    DayRow,
    HouseRow,
    LineRow,
    PartnerRow,
    PaymentRow,
    QueueRow,
    RefundRow,
    RequestRow,
    TicketRow,
    VisitRow,
)
from projections.errors import StaleError

R = TypeVar("R")
V = DashboardProjection.version
HOUSES = Table(f"dash_houses_v{V}", HouseRow, ("house_id",))
LINES = Table(f"dash_lines_v{V}", LineRow, ("house_id", "prefix"))
QUEUES = Table(f"dash_queues_v{V}", QueueRow, ("queue_id",), on_conflict="ignore")
TICKETS = Table(f"dash_tickets_v{V}", TicketRow, ("house_id", "day", "label"))
COUNTERS = Table(f"dash_counters_v{V}", CounterRow, ("house_id", "day", "number"))
DAYS = Table(f"dash_days_v{V}", DayRow, ("house_id", "day"))
AGENT_DAYS = Table(f"dash_agent_days_v{V}", AgentDayRow, ("house_id", "day", "agent_id"))
AGENTS = Table(
    f"dash_agents_v{V}", AgentRow, ("agent_id",), indexes=(Index("house", ("house_id",)),)
)
PARTNERS = Table(f"dash_partners_v{V}", PartnerRow, ("partner_id",), on_conflict="ignore")
VISITS = Table(f"dash_visits_v{V}", VisitRow, ("visit_id",), on_conflict="ignore")
REQUESTS = Table(
    f"dash_requests_v{V}",
    RequestRow,
    ("request_id",),
    indexes=(Index("house_status", ("house_id", "status")),),
)
PAYMENTS = Table(f"dash_payments_v{V}", PaymentRow, ("payment_id",), on_conflict="ignore")
COLLECTED = Table(
    f"dash_collected_v{V}", CollectedRow, ("house_id", "day", "partner_code", "method")
)
REFUNDS = Table(
    f"dash_refunds_v{V}",
    RefundRow,
    ("payment_id", "refund_id"),
    indexes=(Index("house", ("house_id",)),),
)
AUTHORITIES = Table(
    f"dash_authorities_v{V}",
    AuthorityRow,
    ("authority_id",),
    indexes=(Index("house", ("house_id",)),),
)
ALL: tuple[Table[Any], ...] = (
    HOUSES,
    LINES,
    QUEUES,
    TICKETS,
    COUNTERS,
    DAYS,
    AGENT_DAYS,
    AGENTS,
    PARTNERS,
    VISITS,
    REQUESTS,
    PAYMENTS,
    COLLECTED,
    REFUNDS,
    AUTHORITIES,
)
# requests at the partner's (a file returned for correction is back with the house)
AT_PARTNER = ("submitted", "at_partner", "resubmitted")


def create_dashboard_tables(db: ReadDatabase) -> None:
    """The tables of this projection version."""
    create_tables(db, *ALL)


class _Rows(Generic[R]):
    """One table's working set, keyed as its table keys it.

    Keys are turned into their stored form here, once per call and only where a key column
    needs it (a day): a rebuild looks rows up for nearly every event of the log.
    """

    def __init__(self, db: ReadDatabase, cur: SqlCursor, table: Table[R]) -> None:
        self.table = table
        self.set = WorkingSet(db, cur, table.spec)
        columns = {c.name: c for c in table.column_specs}
        self._writes = tuple(columns[k].write for k in table.key)
        self._plain = all(write is None for write in self._writes)
        self._key_of = operator.attrgetter(*table.key)
        self._single = len(table.key) == 1

    def _stored(self, key: tuple[object, ...]) -> tuple[object, ...]:
        if self._plain:
            return key
        return tuple(v if w is None else w(v) for w, v in zip(self._writes, key, strict=True))

    def get(self, *key: object) -> R | None:
        return self.set.get(*self._stored(key))

    def found(self, *key: object) -> R:
        row = self.get(*key)
        if row is None:  # pragma: no cover - the log always creates what it names later
            msg = f"{self.table.name}: nothing under {key}"
            raise LookupError(msg)
        return row

    def put(self, row: R) -> None:
        key = self._key_of(row)
        self.set.put(row, *self._stored((key,) if self._single else key))

    def drop(self, *key: object) -> None:
        self.set.delete(*self._stored(key))


class DashboardTables:
    """Writes the dashboard's rows within a batch's transaction, through working sets."""

    def __init__(self, db: ReadDatabase, cur: SqlCursor) -> None:
        self._houses = _Rows(db, cur, HOUSES)
        self._lines = _Rows(db, cur, LINES)
        self._queues = _Rows(db, cur, QUEUES)
        self._tickets = _Rows(db, cur, TICKETS)
        self._counters = _Rows(db, cur, COUNTERS)
        self._days = _Rows(db, cur, DAYS)
        self._agent_days = _Rows(db, cur, AGENT_DAYS)
        self._agents = _Rows(db, cur, AGENTS)
        self._partners = _Rows(db, cur, PARTNERS)
        self._visits = _Rows(db, cur, VISITS)
        self._requests = _Rows(db, cur, REQUESTS)
        self._payments = _Rows(db, cur, PAYMENTS)
        self._collected = _Rows(db, cur, COLLECTED)
        self._refunds = _Rows(db, cur, REFUNDS)
        self._authorities = _Rows(db, cur, AUTHORITIES)
        self._touched: dict[UUID, int] = {}
        self._all = (
            self._houses,
            self._lines,
            self._queues,
            self._tickets,
            self._counters,
            self._days,
            self._agent_days,
            self._agents,
            self._partners,
            self._visits,
            self._requests,
            self._payments,
            self._collected,
            self._refunds,
            self._authorities,
        )

    def touch(self, house_id: UUID, position: int) -> None:
        """See DashboardWriter (the batch's last position per house, written at its flush)."""
        self._touched[house_id] = position

    def put_line(self, row: LineRow) -> None:
        """See DashboardWriter."""
        self._lines.put(row)

    def line(self, house_id: UUID, prefix: str) -> LineRow | None:
        """See DashboardWriter."""
        return self._lines.get(house_id, prefix)

    def add_queue(self, row: QueueRow) -> None:
        """See DashboardWriter."""
        self._queues.put(row)

    def queue(self, queue_id: UUID) -> QueueRow:
        """See DashboardWriter."""
        return self._queues.found(queue_id)

    def put_ticket(self, row: TicketRow) -> None:
        """See DashboardWriter."""
        self._tickets.put(row)

    def ticket(self, house_id: UUID, day: date, label: str) -> TicketRow:
        """See DashboardWriter."""
        return self._tickets.found(house_id, day, label)

    def drop_ticket(self, house_id: UUID, day: date, label: str) -> None:
        """See DashboardWriter."""
        self._tickets.drop(house_id, day, label)

    def put_counter(self, row: CounterRow) -> None:
        """See DashboardWriter."""
        self._counters.put(row)

    def drop_counter(self, house_id: UUID, day: date, number: int) -> None:
        """See DashboardWriter."""
        self._counters.drop(house_id, day, number)

    def day(self, house_id: UUID, day: date) -> DayRow:
        """See DashboardWriter."""
        return self._days.get(house_id, day) or DayRow(house_id, day, 0, 0, 0, 0, 0, 0, 0)

    def put_day(self, row: DayRow) -> None:
        """See DashboardWriter."""
        self._days.put(row)

    def agent_day(self, house_id: UUID, day: date, agent_id: UUID) -> AgentDayRow:
        """See DashboardWriter."""
        found = self._agent_days.get(house_id, day, agent_id)
        return found or AgentDayRow(house_id, day, agent_id, 0, 0, 0, 0)

    def put_agent_day(self, row: AgentDayRow) -> None:
        """See DashboardWriter."""
        self._agent_days.put(row)

    def put_agent(self, row: AgentRow) -> None:
        """See DashboardWriter."""
        self._agents.put(row)

    def agent(self, agent_id: UUID) -> AgentRow | None:
        """See DashboardWriter."""
        return self._agents.get(agent_id)

    def add_partner(self, row: PartnerRow) -> None:
        """See DashboardWriter."""
        self._partners.put(row)

    def partner_code(self, partner_id: UUID) -> str:
        """See DashboardWriter."""
        return self._partners.found(partner_id).code

    def add_visit(self, row: VisitRow) -> None:
        """See DashboardWriter."""
        self._visits.put(row)

    def visit_house(self, visit_id: UUID) -> UUID:
        """See DashboardWriter."""
        return self._visits.found(visit_id).house_id

    def put_request(self, row: RequestRow) -> None:
        """See DashboardWriter."""
        self._requests.put(row)

    def request(self, request_id: UUID) -> RequestRow:
        """See DashboardWriter."""
        return self._requests.found(request_id)

    def add_payment(self, row: PaymentRow) -> None:
        """See DashboardWriter."""
        self._payments.put(row)

    def payment(self, payment_id: UUID) -> PaymentRow:
        """See DashboardWriter."""
        return self._payments.found(payment_id)

    def collected(self, house_id: UUID, day: date, partner_code: str, method: str) -> CollectedRow:
        """See DashboardWriter."""
        found = self._collected.get(house_id, day, partner_code, method)
        return found or CollectedRow(house_id, day, partner_code, method, 0, 0, 0)

    def put_collected(self, row: CollectedRow) -> None:
        """See DashboardWriter."""
        self._collected.put(row)

    def put_refund(self, row: RefundRow) -> None:
        """See DashboardWriter."""
        self._refunds.put(row)

    def refund(self, payment_id: UUID, refund_id: str) -> RefundRow:
        """See DashboardWriter."""
        return self._refunds.found(payment_id, refund_id)

    def drop_refund(self, payment_id: UUID, refund_id: str) -> None:
        """See DashboardWriter."""
        self._refunds.drop(payment_id, refund_id)

    def put_authority(self, row: AuthorityRow) -> None:
        """See DashboardWriter."""
        self._authorities.put(row)

    def authority(self, authority_id: str) -> AuthorityRow | None:
        """See DashboardWriter."""
        return self._authorities.get(authority_id)

    def drop_authority(self, authority_id: str) -> None:
        """See DashboardWriter."""
        self._authorities.drop(authority_id)

    def flush(self) -> None:
        """Write the batch's rows, table by table."""
        for house, position in self._touched.items():
            self._houses.put(HouseRow(house, position))
        self._touched = {}
        for rows in self._all:
            rows.set.flush()


@dataclass(frozen=True)
class _Read:
    """A house's rows of a day as its dashboard stood at `version`, from tables `table`."""

    table: str
    day: date
    version: int
    rows: DashboardRows


class DashboardQueries:
    """Reads the dashboard tables: a house's rows of a day in one read transaction.

    Every change to a house's rows moves the house's position (`touch`), so rows read at one
    position stay right until it moves: the last rows read of each house are kept, and a read at
    the same position (the same tables, the same day) costs one statement instead of eleven.
    """

    def __init__(self, db: ReadDatabase) -> None:
        self._db = db
        self._last: dict[UUID, _Read] = {}

    def rows(self, house_id: UUID, day: date) -> DashboardRows:
        """See DashboardReader."""
        with self._db.read() as cur:
            return self._rows(cur, house_id, day)

    def tracked_rows(self, house_id: UUID, day: date, key: str) -> tuple[int, DashboardRows]:
        """See DashboardReader."""
        with self._db.read() as cur:
            cur.execute(
                f"SELECT position FROM {self._db.table(TRACKING)} WHERE projection = ?", (key,)
            )
            found = cur.fetchone()
            return (int(found[0]) if found else 0), self._rows(cur, house_id, day)

    def _rows(self, cur: SqlCursor, house_id: UUID, day: date) -> DashboardRows:
        """The house's rows, from the last read if the house's position did not move."""
        table = self._db.table(HOUSES.name)
        cur.execute(HOUSES.select(self._db, "house_id = ?"), (house_id,))
        found = cur.fetchone()
        house = HOUSES.row(found) if found is not None else None
        version = house.position if house is not None else 0
        last = self._last.get(house_id)
        if last is not None and (last.table, last.day, last.version) == (table, day, version):
            return last.rows
        rows = self._rows_of(cur, house, house_id, day)
        if house is not None:
            self._last[house_id] = _Read(table, day, version, rows)
        return rows

    def _rows_of(
        self, cur: SqlCursor, house: HouseRow | None, house_id: UUID, day: date
    ) -> DashboardRows:
        """The house's rows of the day, read within the caller's transaction (one round trip)."""
        today = day.isoformat()
        marks = ", ".join("?" * len(AT_PARTNER))
        queries: list[tuple[Table[Any], str, tuple[object, ...]]] = [
            (DAYS, "house_id = ? AND day = ?", (house_id, today)),
            (AGENTS, "house_id = ?", (house_id,)),
            (LINES, "house_id = ?", (house_id,)),
            (TICKETS, "house_id = ? AND day = ?", (house_id, today)),
            (COUNTERS, "house_id = ? AND day = ?", (house_id, today)),
            (AGENT_DAYS, "house_id = ? AND day = ?", (house_id, today)),
            (COLLECTED, "house_id = ? AND day = ?", (house_id, today)),
            (REFUNDS, "house_id = ? AND approved = 0", (house_id,)),
            (
                REQUESTS,
                f"house_id = ? AND status IN ({marks}) AND due_on IS NOT NULL",
                (house_id, *AT_PARTNER),
            ),
            (AUTHORITIES, "house_id = ?", (house_id,)),
        ]
        found = select_each(cur, [(t.select(self._db, where), p) for t, where, p in queries])
        (
            days,
            agents,
            lines,
            tickets,
            counters,
            agent_days,
            collected,
            refunds,
            files,
            authorities,
        ) = (
            [table.row(r) for r in rows] for (table, _, _), rows in zip(queries, found, strict=True)
        )
        active = {a.agent_id for a in agents if a.active}
        return DashboardRows(
            house=house,
            lines=lines,
            tickets=tickets,
            counters=counters,
            day=days[0] if days else None,
            agents=agents,
            agent_days=agent_days,
            collected=collected,
            refunds=refunds,
            files=files,
            authorities=[a for a in authorities if a.kind == GRANT or a.agent_id in active],
        )

    def version(self) -> int:
        """See DashboardReader."""
        return self._position(
            f"SELECT COALESCE(MAX(position), 0) FROM {self._db.table(HOUSES.name)}"
        )

    def house_version(self, house_id: UUID) -> int:
        """See DashboardReader."""
        return self._position(
            f"SELECT COALESCE(MAX(position), 0) FROM {self._db.table(HOUSES.name)} "
            "WHERE house_id = ?",
            house_id,
        )

    def _position(self, sql: str, *params: object) -> int:
        try:
            with self._db.read() as cur:
                cur.execute(sql, params)
                row = cur.fetchone()
        except StaleError:
            return 0
        return int(row[0]) if row else 0
