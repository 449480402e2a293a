"""The requests read model's tables, on either store."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any
from uuid import UUID

from domain.houses.calendar import BusinessCalendar
from infrastructure.readmodels.database import ReadDatabase, SqlCursor
from infrastructure.readmodels.tables import Index, Table, create_tables
from infrastructure.readmodels.working_set import WorkingSet
from projections.errors import StaleError
from projections.requests.projection import RequestsProjection
from projections.requests.view import (
    ContactRow,
    DecisionFilter,
    HolidayRow,
    PartnerScope,
    RequestFilter,
    RequestRow,
    VisitRow,
)

V = RequestsProjection.version
REQUESTS_TABLE = Table(
    f"requests_v{V}",
    RequestRow,
    ("request_id",),
    unique=("receipt",),
    indexes=(
        Index("house", ("house_id", "lodged_position")),
        Index("partner", ("partner_code", "status")),
        Index("citizen", ("citizen_id",)),
        Index("decided", ("partner_code", "decided_position")),
        Index("sent", ("partner_code", "sent_position")),
        Index("last_sent", ("sent_position",)),
    ),
    separator="\x1f",  # between document names (a unit separator never typed at a counter)
)
VISITS_TABLE = Table(f"visits_v{V}", VisitRow, ("visit_id",), on_conflict="ignore")
CONTACTS_TABLE = Table(f"contacts_v{V}", ContactRow, ("position",), on_conflict="ignore")
HOLIDAYS_TABLE = Table(
    f"house_holidays_v{V}", HolidayRow, ("house_id", "day"), on_conflict="ignore"
)
REQUESTS, CONTACTS, VISITS = REQUESTS_TABLE.name, CONTACTS_TABLE.name, VISITS_TABLE.name
ALL: tuple[Table[Any], ...] = (REQUESTS_TABLE, VISITS_TABLE, CONTACTS_TABLE, HOLIDAYS_TABLE)


def create_requests_tables(db: ReadDatabase) -> None:
    """The tables of this projection version."""
    create_tables(db, *ALL)


class RequestsTables:
    """Writes requests, visits, contacts and holidays in a batch's transaction (working set)."""

    def __init__(self, db: ReadDatabase, cur: SqlCursor) -> None:
        self._requests = WorkingSet(db, cur, REQUESTS_TABLE.spec)
        self._visits = WorkingSet(db, cur, VISITS_TABLE.spec)
        self._contacts = WorkingSet(db, cur, CONTACTS_TABLE.spec)
        self._holidays = WorkingSet(db, cur, HOLIDAYS_TABLE.spec)

    def put(self, row: RequestRow) -> None:
        """See RequestsWriter."""
        self._requests.put(row, row.request_id)

    def get(self, request_id: UUID) -> RequestRow:
        """See RequestsWriter."""
        found = self._requests.get(request_id)
        if found is None:  # pragma: no cover - the log always lodges a request first
            msg = f"request {request_id} was never lodged"
            raise LookupError(msg)
        return found

    def add_visit(self, visit_id: UUID, house_id: UUID) -> None:
        """See RequestsWriter."""
        self._visits.put(VisitRow(visit_id, house_id), visit_id)

    def visit_house(self, visit_id: UUID) -> UUID:
        """See RequestsWriter."""
        found = self._visits.get(visit_id)
        if found is None:  # pragma: no cover - the log always opens a visit first
            msg = f"visit {visit_id} was never opened"
            raise LookupError(msg)
        return found.house_id

    def add_contact(self, row: ContactRow) -> None:
        """See RequestsWriter."""
        self._contacts.put(row, row.position)

    def add_holiday(self, house_id: UUID, day: date) -> None:
        """See RequestsWriter."""
        row = HolidayRow(house_id, day)
        self._holidays.put(row, *HOLIDAYS_TABLE.key_of(row))

    def flush(self) -> None:
        """Write the batch's visits, requests, contacts and holidays."""
        self._visits.flush()
        self._requests.flush()
        self._contacts.flush()
        self._holidays.flush()


class RequestsQueries:
    """Reads the requests tables; `national` is the calendar every house keeps."""

    def __init__(self, db: ReadDatabase, national: BusinessCalendar) -> None:
        self._db = db
        self._national = national
        self._table = db.table(REQUESTS)

    def get(self, request_id: UUID) -> RequestRow | None:
        """See RequestsReader."""
        return self._one("request_id = ?", request_id)

    def by_receipt(self, receipt: str) -> RequestRow | None:
        """See RequestsReader."""
        return self._one("receipt = ?", receipt)

    def page(self, where: RequestFilter, *, limit: int) -> list[RequestRow]:
        """See RequestsReader."""
        clauses: list[str] = []
        params: list[object] = []
        for column, value in (
            ("house_id", where.house_id),
            ("partner_code", where.partner_code),
            ("citizen_id", where.citizen_id),
        ):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        if where.statuses:
            clauses.append("status IN (" + ", ".join("?" * len(where.statuses)) + ")")
            params.extend(where.statuses)
        if where.before is not None:
            clauses.append("lodged_position < ?")
            params.append(where.before)
        condition = " AND ".join(clauses) or "1 = 1"
        with self._db.read() as cur:
            cur.execute(
                REQUESTS_TABLE.select(self._db, condition, "lodged_position DESC LIMIT ?"),
                (*params, limit),
            )
            return [REQUESTS_TABLE.row(r) for r in cur.fetchall()]

    def decided(self, where: DecisionFilter, *, limit: int) -> list[RequestRow]:
        """See RequestsReader."""
        condition, params = _scope(PartnerScope(where.partner_code, where.house_id))
        condition += " AND decided_position IS NOT NULL"
        for clause, value in (
            ("service_code = ?", where.service_code),
            ("decided_on >= ?", _day(where.decided_from)),
            ("decided_on <= ?", _day(where.decided_to)),
            ("decided_position < ?", where.before),
        ):
            if value is not None:
                condition += f" AND {clause}"
                params.append(value)
        if where.decisions:
            condition += " AND status IN (" + ", ".join("?" * len(where.decisions)) + ")"
            params.extend(where.decisions)
        return self._rows(condition, "decided_position DESC LIMIT ?", [*params, limit])

    def past_deadline(
        self,
        scope: PartnerScope,
        statuses: tuple[str, ...],
        today: date,
        *,
        after: tuple[date, int] | None = None,
        limit: int,
    ) -> list[RequestRow]:
        """See RequestsReader."""
        condition, params = _scope(scope)
        marks = ", ".join("?" * len(statuses))
        condition += f" AND status IN ({marks}) AND due_on IS NOT NULL AND due_on < ?"
        params += [*statuses, today.isoformat()]
        if after is not None:
            due, lodged = after
            condition += " AND (due_on > ? OR (due_on = ? AND lodged_position > ?))"
            params += [due.isoformat(), due.isoformat(), lodged]
        return self._rows(condition, "due_on, lodged_position LIMIT ?", [*params, limit])

    def national(self) -> BusinessCalendar:
        """See RequestsReader."""
        return self._national

    def arrivals(self, scope: PartnerScope, *, after: int, limit: int) -> list[RequestRow]:
        """See RequestsReader."""
        condition, params = _scope(scope)
        condition += " AND sent_position > ?"
        return self._rows(condition, "sent_position LIMIT ?", [*params, after, limit])

    def last_arrival(self) -> int:
        """See RequestsReader (0 too while the table is not built)."""
        try:
            with self._db.read() as cur:
                cur.execute(f"SELECT COALESCE(MAX(sent_position), 0) FROM {self._table}")
                row = cur.fetchone()
        except StaleError:
            return 0
        return int(row[0]) if row else 0

    def contacts(self, house_id: UUID) -> list[ContactRow]:
        """See RequestsReader."""
        with self._db.read() as cur:
            cur.execute(CONTACTS_TABLE.select(self._db, "house_id = ?", "position"), (house_id,))
            return [CONTACTS_TABLE.row(r) for r in cur.fetchall()]

    def calendars(self, house_ids: set[UUID]) -> dict[UUID, BusinessCalendar]:
        """See RequestsReader: one query for every house asked."""
        if not house_ids:
            return {}
        marks = ", ".join("?" * len(house_ids))
        with self._db.read() as cur:
            cur.execute(HOLIDAYS_TABLE.select(self._db, f"house_id IN ({marks})"), (*house_ids,))
            holidays = [HOLIDAYS_TABLE.row(r) for r in cur.fetchall()]
        national = self._national
        return {
            house: replace(
                national,
                holidays=national.holidays | {h.day for h in holidays if h.house_id == house},
            )
            for house in house_ids
        }

    def _rows(self, condition: str, order: str, params: list[object]) -> list[RequestRow]:
        with self._db.read() as cur:
            cur.execute(REQUESTS_TABLE.select(self._db, condition, order), tuple(params))
            return [REQUESTS_TABLE.row(r) for r in cur.fetchall()]

    def _one(self, condition: str, value: object) -> RequestRow | None:
        with self._db.read() as cur:
            cur.execute(REQUESTS_TABLE.select(self._db, condition), (value,))
            found = cur.fetchone()
        return REQUESTS_TABLE.row(found) if found else None


def _scope(scope: PartnerScope) -> tuple[str, list[object]]:
    """The condition (and its parameters) keeping one partner's files, of one house if given."""
    if scope.house_id is None:
        return "partner_code = ?", [scope.partner_code]
    return "partner_code = ? AND house_id = ?", [scope.partner_code, scope.house_id]


def _day(day: date | None) -> str | None:
    """A day as the table stores it (ISO text, which sorts as the days do)."""
    return None if day is None else day.isoformat()
