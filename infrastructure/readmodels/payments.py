"""The payments read model's tables, on either store."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from domain.payments.payment import PENDING, PaymentStatus
from infrastructure.readmodels.database import ReadDatabase, SqlCursor, as_time, as_uuid
from infrastructure.readmodels.working_set import TableSpec, WorkingSet
from projections.payments.projection import PaymentsProjection
from projections.payments.view import CollectionRow, PaymentRow, RefundRow, RefundStatus

V = PaymentsProjection.version
PAYMENTS, REFUNDS = f"payments_v{V}", f"payment_refunds_v{V}"
_COLUMNS = (
    "payment_id, request_id, house_id, house_code, partner_code, service_code, method, "
    "amount_millimes, status, captured_millimes, refunded_millimes, refunds_pending_millimes, "
    "receipt, bill_reference, initiated_at, captured_at, business_date, note, updated_at, "
    "initiated_position, position"
)
_REFUND_COLUMNS = (
    "payment_id, refund_id, house_id, partner_code, method, amount_millimes, status, "
    "requested_by, approved_by, business_date, position"
)
_PENDING = tuple(sorted(s.value for s in PENDING))


def create_payments_tables(db: ReadDatabase) -> None:
    """The tables of this projection version."""
    with db.write() as cur:
        cur.execute(
            db.ddl(
                "CREATE TABLE IF NOT EXISTS {schema}" + PAYMENTS + " ("
                "payment_id {uuid} PRIMARY KEY, request_id {uuid} NOT NULL, "
                "house_id {uuid} NOT NULL, house_code {text} NOT NULL, "
                "partner_code {text} NOT NULL, service_code {text} NOT NULL, "
                "method {text} NOT NULL, amount_millimes {bigint} NOT NULL, "
                "status {text} NOT NULL, captured_millimes {bigint} NOT NULL, "
                "refunded_millimes {bigint} NOT NULL, "
                "refunds_pending_millimes {bigint} NOT NULL, receipt {text}, "
                "bill_reference {text}, initiated_at {time} NOT NULL, captured_at {time}, "
                "business_date {text}, note {text}, updated_at {time} NOT NULL, "
                "initiated_position {bigint} NOT NULL, position {bigint} NOT NULL)"
            )
        )
        for name, columns in (
            ("request", "request_id, initiated_position"),
            ("house_day", "house_id, business_date"),
            ("house_status", "house_id, status, initiated_position"),
        ):
            cur.execute(
                db.ddl(
                    f"CREATE INDEX IF NOT EXISTS {PAYMENTS}_{name} "
                    "ON {schema}" + PAYMENTS + f" ({columns})"
                )
            )
        cur.execute(
            db.ddl(
                f"CREATE UNIQUE INDEX IF NOT EXISTS {PAYMENTS}_receipt "
                "ON {schema}" + PAYMENTS + " (receipt)"
            )
        )
        cur.execute(
            db.ddl(
                "CREATE TABLE IF NOT EXISTS {schema}" + REFUNDS + " ("
                "payment_id {uuid} NOT NULL, refund_id {text} NOT NULL, "
                "house_id {uuid} NOT NULL, partner_code {text} NOT NULL, "
                "method {text} NOT NULL, amount_millimes {bigint} NOT NULL, "
                "status {text} NOT NULL, requested_by {text} NOT NULL, approved_by {text}, "
                "business_date {text}, position {bigint} NOT NULL, "
                "PRIMARY KEY (payment_id, refund_id))"
            )
        )
        cur.execute(
            db.ddl(
                f"CREATE INDEX IF NOT EXISTS {REFUNDS}_house_day "
                "ON {schema}" + REFUNDS + " (house_id, business_date)"
            )
        )


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _as_day(value: object) -> date | None:
    if value is None:
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def as_int(value: object) -> int:
    """A whole number read from either store (PostgreSQL's SUM of bigints is a numeric)."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        msg = f"expected a whole number, read {value!r}"
        raise TypeError(msg)
    whole = int(value)
    if whole != value:  # pragma: no cover - sums of whole millimes are whole
        msg = f"expected a whole number, read {value!r}"
        raise TypeError(msg)
    return whole


def _params(row: PaymentRow) -> tuple[object, ...]:
    return (
        row.payment_id,
        row.request_id,
        row.house_id,
        row.house_code,
        row.partner_code,
        row.service_code,
        row.method,
        row.amount_millimes,
        row.status,
        row.captured_millimes,
        row.refunded_millimes,
        row.refunds_pending_millimes,
        row.receipt,
        row.bill_reference,
        row.initiated_at,
        row.captured_at,
        _day(row.business_date),
        row.note,
        row.updated_at,
        row.initiated_position,
        row.position,
    )


def _row(r: tuple[object, ...]) -> PaymentRow:
    return PaymentRow(
        payment_id=as_uuid(r[0]),
        request_id=as_uuid(r[1]),
        house_id=as_uuid(r[2]),
        house_code=str(r[3]),
        partner_code=str(r[4]),
        service_code=str(r[5]),
        method=str(r[6]),
        amount_millimes=as_int(r[7]),
        status=str(r[8]),
        captured_millimes=as_int(r[9]),
        refunded_millimes=as_int(r[10]),
        refunds_pending_millimes=as_int(r[11]),
        receipt=_text(r[12]),
        bill_reference=_text(r[13]),
        initiated_at=as_time(r[14]),
        captured_at=None if r[15] is None else as_time(r[15]),
        business_date=_as_day(r[16]),
        note=_text(r[17]),
        updated_at=as_time(r[18]),
        initiated_position=as_int(r[19]),
        position=as_int(r[20]),
    )


def _refund(r: tuple[object, ...]) -> RefundRow:
    return RefundRow(
        payment_id=as_uuid(r[0]),
        refund_id=str(r[1]),
        house_id=as_uuid(r[2]),
        partner_code=str(r[3]),
        method=str(r[4]),
        amount_millimes=as_int(r[5]),
        status=str(r[6]),
        requested_by=str(r[7]),
        approved_by=_text(r[8]),
        business_date=_as_day(r[9]),
        position=as_int(r[10]),
    )


class PaymentsTables:
    """Writes payments and their refunds within a batch's transaction, through its working set."""

    def __init__(self, db: ReadDatabase, cur: SqlCursor) -> None:
        self._payments = WorkingSet(db, cur, PAYMENT_SPEC)
        self._refunds = WorkingSet(db, cur, REFUND_SPEC)

    def put(self, row: PaymentRow) -> None:
        """See PaymentsWriter."""
        self._payments.put(row, row.payment_id)

    def get(self, payment_id: UUID) -> PaymentRow:
        """See PaymentsWriter."""
        found = self._payments.get(payment_id)
        if found is None:  # pragma: no cover - the log always initiates a payment first
            msg = f"payment {payment_id} was never initiated"
            raise LookupError(msg)
        return found

    def put_refund(self, row: RefundRow) -> None:
        """See PaymentsWriter."""
        self._refunds.put(row, row.payment_id, row.refund_id)

    def refund(self, payment_id: UUID, refund_id: str) -> RefundRow:
        """See PaymentsWriter."""
        found = self._refunds.get(payment_id, refund_id)
        if found is None:  # pragma: no cover - the log always requests a refund first
            msg = f"refund {refund_id} of payment {payment_id} was never requested"
            raise LookupError(msg)
        return found

    def flush(self) -> None:
        """Write the batch's payments and refunds."""
        self._payments.flush()
        self._refunds.flush()


class PaymentsQueries:
    """Reads the payments tables."""

    def __init__(self, db: ReadDatabase) -> None:
        self._db = db
        self._payments = db.table(PAYMENTS)
        self._refunds = db.table(REFUNDS)

    def for_request(self, request_id: UUID) -> list[PaymentRow]:
        """See PaymentsReader."""
        return self._many("request_id = ?", (request_id,))

    def get(self, payment_id: UUID) -> PaymentRow | None:
        """See PaymentsReader."""
        with self._db.read() as cur:
            cur.execute(
                f"SELECT {_COLUMNS} FROM {self._payments} WHERE payment_id = ?", (payment_id,)
            )
            found = cur.fetchone()
        return _row(found) if found else None

    def by_receipt(self, receipt: str) -> PaymentRow | None:
        """See PaymentsReader."""
        found = self._many("receipt = ?", (receipt,))
        return found[0] if found else None

    def pending(self, house_id: UUID) -> list[PaymentRow]:
        """See PaymentsReader."""
        marks = ", ".join("?" * len(_PENDING))
        return self._many(f"house_id = ? AND status IN ({marks})", (house_id, *_PENDING))

    def pending_everywhere(self) -> list[PaymentRow]:
        """See PaymentsReader."""
        marks = ", ".join("?" * len(_PENDING))
        return self._many(
            f"status IN ({marks}) OR payment_id IN "
            f"(SELECT payment_id FROM {self._refunds} WHERE status = ?)",
            (*_PENDING, RefundStatus.APPROVED.value),
        )

    def collections(self, house_id: UUID, day: date) -> list[CollectionRow]:
        """See PaymentsReader: captures of the day, less the refunds paid back that day."""
        with self._db.read() as cur:
            cur.execute(
                "SELECT partner_code, method, SUM(captures), SUM(collected), SUM(refunded) "
                "FROM ("
                "SELECT partner_code, method, 1 AS captures, captured_millimes AS collected, "
                f"0 AS refunded FROM {self._payments} "
                "WHERE house_id = ? AND business_date = ? AND status = ? "
                "UNION ALL "
                "SELECT partner_code, method, 0, 0, amount_millimes "
                f"FROM {self._refunds} "
                "WHERE house_id = ? AND business_date = ? AND status = ?"
                ") AS day_lines GROUP BY partner_code, method",
                (
                    house_id,
                    day.isoformat(),
                    PaymentStatus.CAPTURED.value,
                    house_id,
                    day.isoformat(),
                    RefundStatus.PAID.value,
                ),
            )
            found = cur.fetchall()
        rows = [
            CollectionRow(
                partner_code=str(r[0]),
                method=str(r[1]),
                payments=as_int(r[2]),
                collected_millimes=as_int(r[3]),
                refunded_millimes=as_int(r[4]),
                net_millimes=as_int(r[3]) - as_int(r[4]),
            )
            for r in found
        ]
        # Sorted here, by code point: the same order on both stores whatever their collation.
        return sorted(rows, key=lambda r: (r.partner_code, r.method))

    def _many(self, condition: str, params: tuple[object, ...]) -> list[PaymentRow]:
        with self._db.read() as cur:
            cur.execute(
                f"SELECT {_COLUMNS} FROM {self._payments} WHERE {condition} "
                "ORDER BY initiated_position",
                params,
            )
            return [_row(r) for r in cur.fetchall()]


def _refund_params(row: RefundRow) -> tuple[object, ...]:
    return (
        row.payment_id,
        row.refund_id,
        row.house_id,
        row.partner_code,
        row.method,
        row.amount_millimes,
        row.status,
        row.requested_by,
        row.approved_by,
        _day(row.business_date),
        row.position,
    )


PAYMENT_SPEC = TableSpec(
    PAYMENTS, tuple(c.strip() for c in _COLUMNS.split(",")), ("payment_id",), _params, _row
)
REFUND_SPEC = TableSpec(
    REFUNDS,
    tuple(c.strip() for c in _REFUND_COLUMNS.split(",")),
    ("payment_id", "refund_id"),
    _refund_params,
    _refund,
)
