"""Rows of the payments read model and the ports that write and read them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol
from uuid import UUID


class RefundStatus(StrEnum):
    """Where a refund stands."""

    REQUESTED = "requested"
    APPROVED = "approved"
    PAID = "paid"


@dataclass(frozen=True)
class PaymentRow:
    """A payment as the counter and the governance office list it (no citizen, no names).

    Amounts are whole millimes. `refunds_pending_millimes` is what is asked for or approved and
    not yet paid back; `business_date` is the Tunis day of the capture.
    """

    payment_id: UUID
    request_id: UUID
    house_id: UUID
    house_code: str
    partner_code: str
    service_code: str
    method: str
    amount_millimes: int
    status: str
    captured_millimes: int
    refunded_millimes: int
    refunds_pending_millimes: int
    receipt: str | None
    bill_reference: str | None
    initiated_at: datetime
    captured_at: datetime | None
    business_date: date | None
    note: str | None  # the reason of a failure or a cancellation
    updated_at: datetime
    initiated_position: int
    position: int


@dataclass(frozen=True)
class RefundRow:
    """One refund of a payment, with the partner and method of its payment.

    `business_date` is the Tunis day it was paid back (None until then).
    """

    payment_id: UUID
    refund_id: str
    house_id: UUID
    partner_code: str
    method: str
    amount_millimes: int
    status: str
    requested_by: str
    approved_by: str | None
    business_date: date | None
    position: int


@dataclass(frozen=True)
class CollectionRow:
    """What a house collected for one partner by one method on one business day.

    `payments` counts the captures of that day; `refunded_millimes` is what was paid back that
    day (whatever the day of the payment); `net_millimes` is the difference.
    """

    partner_code: str
    method: str
    payments: int
    collected_millimes: int
    refunded_millimes: int
    net_millimes: int


class PaymentsWriter(Protocol):
    """Writes the payments tables inside the runner's transaction."""

    def put(self, row: PaymentRow) -> None:
        """Insert or replace a payment."""
        ...

    def get(self, payment_id: UUID) -> PaymentRow:
        """A payment written earlier."""
        ...

    def put_refund(self, row: RefundRow) -> None:
        """Insert or replace a refund."""
        ...

    def refund(self, payment_id: UUID, refund_id: str) -> RefundRow:
        """A refund written earlier."""
        ...


class PaymentsReader(Protocol):
    """Reads the payments tables."""

    def for_request(self, request_id: UUID) -> list[PaymentRow]:
        """A request's payments, oldest first."""
        ...

    def get(self, payment_id: UUID) -> PaymentRow | None:
        """One payment."""
        ...

    def collections(self, house_id: UUID, day: date) -> list[CollectionRow]:
        """A house's collections on a business day, by partner then method."""
        ...

    def by_receipt(self, receipt: str) -> PaymentRow | None:
        """The captured payment with this receipt number."""
        ...

    def pending_everywhere(self) -> list[PaymentRow]:
        """Every house's payments waiting on the gateway, oldest first (for the settling sweep).

        Pending payments, and payments with an approved refund not yet paid back.
        """
        ...

    def pending(self, house_id: UUID) -> list[PaymentRow]:
        """A house's payments neither captured nor ended, oldest first."""
        ...

    def awaiting_approval(self, house_id: UUID) -> list[RefundRow]:
        """A house's refunds asked for and not yet approved, oldest first."""
        ...
