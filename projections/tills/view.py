"""Rows of the tills read model and the ports that write and read them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from uuid import UUID


@dataclass(frozen=True)
class TillRow:
    """One agent's till of one shift, as the supervisor and the auditors list it (no citizen).

    Amounts are whole millimes: `expected_millimes` is float + cash in - cash out as it stands
    (at the close: what the count was compared with); `discrepancy_millimes` is counted -
    expected once closed (negative: cash missing).
    """

    till_id: UUID
    house_id: UUID
    house_code: str
    employee_number: str
    business_date: date
    shift: int
    status: str
    float_millimes: int
    cash_in_millimes: int
    cash_out_millimes: int
    expected_millimes: int
    payments: int
    refunds: int
    counted_millimes: int | None
    discrepancy_millimes: int | None
    count: str | None  # "50.000x2 0.500x1": the pieces counted, by denomination
    reason: str | None
    opened_at: datetime
    closed_at: datetime | None
    closed_by: str | None
    reviewed_at: datetime | None
    reviewed_by: str | None
    review_note: str | None
    position: int


@dataclass(frozen=True)
class CashMovementRow:
    """Cash into a till (a payment, its receipt) or out of it (a refund, its document)."""

    till_id: UUID
    house_id: UUID
    number: str  # the payment's receipt, or the refund's document number
    direction: str  # "in" or "out"
    payment_id: UUID
    refund_id: str | None
    amount_millimes: int
    at: datetime
    business_date: date
    position: int


class TillsWriter(Protocol):
    """Writes the tills tables inside the runner's transaction."""

    def put(self, row: TillRow) -> None:
        """Insert or replace a till."""
        ...

    def get(self, till_id: UUID) -> TillRow:
        """A till written earlier."""
        ...

    def put_movement(self, row: CashMovementRow) -> None:
        """Record one movement of cash."""
        ...


class TillsReader(Protocol):
    """Reads the tills tables."""

    def of_day(self, house_id: UUID, day: date) -> list[TillRow]:
        """A house's tills opened on a business day, by agent then shift."""
        ...

    def get(self, till_id: UUID) -> TillRow | None:
        """One till."""
        ...

    def movement(self, number: str) -> CashMovementRow | None:
        """The movement of cash under a receipt or refund document number."""
        ...
