"""The payments read model's tables, on either store."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from domain.payments.payment import PENDING, PaymentStatus
from infrastructure.readmodels.database import ReadDatabase, SqlCursor
from infrastructure.readmodels.tables import Index, Table, create_tables
from infrastructure.readmodels.working_set import WorkingSet
from projections.payments.projection import PaymentsProjection
from projections.payments.view import CollectionRow, PaymentRow, RefundRow, RefundStatus

V = PaymentsProjection.version
PAYMENTS_TABLE = Table(
    f"payments_v{V}",
    PaymentRow,
    ("payment_id",),
    indexes=(
        Index("request", ("request_id", "initiated_position")),
        Index("house_day", ("house_id", "business_date")),
        Index("house_status", ("house_id", "status", "initiated_position")),
        Index("receipt", ("receipt",), unique=True),
    ),
)
REFUNDS_TABLE = Table(
    f"payment_refunds_v{V}",
    RefundRow,
    ("payment_id", "refund_id"),
    indexes=(Index("house_day", ("house_id", "business_date")),),
)
PAYMENTS, REFUNDS = PAYMENTS_TABLE.name, REFUNDS_TABLE.name
ALL = (PAYMENTS_TABLE, REFUNDS_TABLE)
_PENDING = tuple(sorted(s.value for s in PENDING))


def create_payments_tables(db: ReadDatabase) -> None:
    """The tables of this projection version."""
    create_tables(db, *ALL)


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


class PaymentsTables:
    """Writes payments and their refunds within a batch's transaction, through its working set."""

    def __init__(self, db: ReadDatabase, cur: SqlCursor) -> None:
        self._payments = WorkingSet(db, cur, PAYMENTS_TABLE.spec)
        self._refunds = WorkingSet(db, cur, REFUNDS_TABLE.spec)

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
            cur.execute(PAYMENTS_TABLE.select(self._db, "payment_id = ?"), (payment_id,))
            found = cur.fetchone()
        return PAYMENTS_TABLE.row(found) if found else None

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

    def awaiting_approval(self, house_id: UUID) -> list[RefundRow]:
        """See PaymentsReader."""
        with self._db.read() as cur:
            cur.execute(
                REFUNDS_TABLE.select(self._db, "house_id = ? AND status = ?", "position"),
                (house_id, RefundStatus.REQUESTED.value),
            )
            return [REFUNDS_TABLE.row(r) for r in cur.fetchall()]

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
            cur.execute(PAYMENTS_TABLE.select(self._db, condition, "initiated_position"), params)
            return [PAYMENTS_TABLE.row(r) for r in cur.fetchall()]
