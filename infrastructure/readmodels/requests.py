"""The requests read model's tables, on either store."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from infrastructure.readmodels.database import ReadDatabase, SqlCursor, as_time, as_uuid
from infrastructure.readmodels.working_set import TableSpec, WorkingSet
from projections.requests.projection import RequestsProjection
from projections.requests.view import ContactRow, RequestFilter, RequestRow

V = RequestsProjection.version
REQUESTS, CONTACTS, VISITS = f"requests_v{V}", f"contacts_v{V}", f"visits_v{V}"
_COLUMNS = (
    "request_id, house_id, visit_id, citizen_id, partner_code, service_code, mode, status, "
    "receipt, documents, lodged_at, due_on, partner_reference, note, updated_at, "
    "lodged_position, position"
)
_SEPARATOR = "\x1f"  # between document names (a unit separator never typed at a counter)


def create_requests_tables(db: ReadDatabase) -> None:
    """The tables of this projection version."""
    with db.write() as cur:
        cur.execute(
            db.ddl(
                "CREATE TABLE IF NOT EXISTS {schema}" + REQUESTS + " ("
                "request_id {uuid} PRIMARY KEY, house_id {uuid} NOT NULL, "
                "visit_id {uuid} NOT NULL, citizen_id {uuid} NOT NULL, "
                "partner_code {text} NOT NULL, service_code {text} NOT NULL, "
                "mode {text} NOT NULL, status {text} NOT NULL, receipt {text} NOT NULL UNIQUE, "
                "documents {text} NOT NULL, lodged_at {time} NOT NULL, due_on {text}, "
                "partner_reference {text}, note {text}, updated_at {time} NOT NULL, "
                "lodged_position {bigint} NOT NULL, position {bigint} NOT NULL)"
            )
        )
        for name, columns in (
            ("house", "house_id, lodged_position"),
            ("partner", "partner_code, status"),
            ("citizen", "citizen_id"),
        ):
            cur.execute(
                db.ddl(
                    f"CREATE INDEX IF NOT EXISTS {REQUESTS}_{name} "
                    "ON {schema}" + REQUESTS + f" ({columns})"
                )
            )
        cur.execute(
            db.ddl(
                "CREATE TABLE IF NOT EXISTS {schema}" + VISITS + " ("
                "visit_id {uuid} PRIMARY KEY, house_id {uuid} NOT NULL)"
            )
        )
        cur.execute(
            db.ddl(
                "CREATE TABLE IF NOT EXISTS {schema}" + CONTACTS + " ("
                "position {bigint} PRIMARY KEY, visit_id {uuid} NOT NULL, "
                "house_id {uuid} NOT NULL, kind {text} NOT NULL, partner_code {text} NOT NULL, "
                "topic {text} NOT NULL, at {time} NOT NULL)"
            )
        )


def _params(row: RequestRow) -> tuple[object, ...]:
    return (
        row.request_id,
        row.house_id,
        row.visit_id,
        row.citizen_id,
        row.partner_code,
        row.service_code,
        row.mode,
        row.status,
        row.receipt,
        _SEPARATOR.join(row.documents),
        row.lodged_at,
        row.due_on.isoformat() if row.due_on else None,
        row.partner_reference,
        row.note,
        row.updated_at,
        row.lodged_position,
        row.position,
    )


def _row(r: tuple[object, ...]) -> RequestRow:
    return RequestRow(
        request_id=as_uuid(r[0]),
        house_id=as_uuid(r[1]),
        visit_id=as_uuid(r[2]),
        citizen_id=as_uuid(r[3]),
        partner_code=str(r[4]),
        service_code=str(r[5]),
        mode=str(r[6]),
        status=str(r[7]),
        receipt=str(r[8]),
        documents=tuple(d for d in str(r[9]).split(_SEPARATOR) if d),
        lodged_at=as_time(r[10]),
        due_on=date.fromisoformat(str(r[11])) if r[11] is not None else None,
        partner_reference=None if r[12] is None else str(r[12]),
        note=None if r[13] is None else str(r[13]),
        updated_at=as_time(r[14]),
        lodged_position=int(str(r[15])),
        position=int(str(r[16])),
    )


class RequestsTables:
    """Writes requests, visits and contacts in a batch's transaction, through its working set."""

    def __init__(self, db: ReadDatabase, cur: SqlCursor) -> None:
        self._requests = WorkingSet(db, cur, REQUEST_SPEC)
        self._visits = WorkingSet(db, cur, VISIT_SPEC)
        self._contacts = WorkingSet(db, cur, CONTACT_SPEC)

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
        self._visits.put((visit_id, house_id), visit_id)

    def visit_house(self, visit_id: UUID) -> UUID:
        """See RequestsWriter."""
        found = self._visits.get(visit_id)
        if found is None:  # pragma: no cover - the log always opens a visit first
            msg = f"visit {visit_id} was never opened"
            raise LookupError(msg)
        return found[1]

    def add_contact(self, row: ContactRow) -> None:
        """See RequestsWriter."""
        self._contacts.put(row, row.position)

    def flush(self) -> None:
        """Write the batch's visits, requests and contacts."""
        self._visits.flush()
        self._requests.flush()
        self._contacts.flush()


class RequestsQueries:
    """Reads the requests tables."""

    def __init__(self, db: ReadDatabase) -> None:
        self._db = db
        self._requests = db.table(REQUESTS)
        self._contacts = db.table(CONTACTS)

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
                f"SELECT {_COLUMNS} FROM {self._requests} WHERE {condition} "
                "ORDER BY lodged_position DESC LIMIT ?",
                (*params, limit),
            )
            return [_row(r) for r in cur.fetchall()]

    def contacts(self, house_id: UUID) -> list[ContactRow]:
        """See RequestsReader."""
        with self._db.read() as cur:
            cur.execute(
                "SELECT visit_id, house_id, kind, partner_code, topic, at, position "
                f"FROM {self._contacts} WHERE house_id = ? ORDER BY position",
                (house_id,),
            )
            return [
                ContactRow(
                    visit_id=as_uuid(r[0]),
                    house_id=as_uuid(r[1]),
                    kind=str(r[2]),
                    partner_code=str(r[3]),
                    topic=str(r[4]),
                    at=as_time(r[5]),
                    position=int(str(r[6])),
                )
                for r in cur.fetchall()
            ]

    def _one(self, condition: str, value: object) -> RequestRow | None:
        with self._db.read() as cur:
            cur.execute(f"SELECT {_COLUMNS} FROM {self._requests} WHERE {condition}", (value,))
            found = cur.fetchone()
        return _row(found) if found else None


def _visit(r: tuple[object, ...]) -> tuple[UUID, UUID]:
    return as_uuid(r[0]), as_uuid(r[1])


def _contact_params(row: ContactRow) -> tuple[object, ...]:
    return (row.position, row.visit_id, row.house_id, row.kind, row.partner_code, row.topic, row.at)


def _contact(r: tuple[object, ...]) -> ContactRow:
    return ContactRow(
        visit_id=as_uuid(r[1]),
        house_id=as_uuid(r[2]),
        kind=str(r[3]),
        partner_code=str(r[4]),
        topic=str(r[5]),
        at=as_time(r[6]),
        position=int(str(r[0])),
    )


REQUEST_SPEC = TableSpec(
    REQUESTS, tuple(c.strip() for c in _COLUMNS.split(",")), ("request_id",), _params, _row
)
VISIT_SPEC: TableSpec[tuple[UUID, UUID]] = TableSpec(
    VISITS, ("visit_id", "house_id"), ("visit_id",), lambda v: v, _visit, "ignore"
)
CONTACT_SPEC = TableSpec(
    CONTACTS,
    ("position", "visit_id", "house_id", "kind", "partner_code", "topic", "at"),
    ("position",),
    _contact_params,
    _contact,
    "ignore",
)
