"""Commands of payments."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.commands import Command


@dataclass(frozen=True)
class InitiatePayment(Command):
    """Open a gateway payment (card, e-Dinar, D17) for a request; the amount is never typed."""

    house_code: str
    request_id: UUID
    employee_number: str
    method: str
    bill_reference: str | None = None


@dataclass(frozen=True)
class RecordCashPayment(Command):
    """Cash taken at the counter for a request: captured at once, with its receipt."""

    house_code: str
    request_id: UUID
    employee_number: str
    bill_reference: str | None = None


@dataclass(frozen=True)
class CancelPayment(Command):
    """Give up a payment before its capture."""

    house_code: str
    payment_id: UUID
    reason: str


@dataclass(frozen=True)
class RequestRefund(Command):
    """Ask to pay back part or all of a captured payment."""

    house_code: str
    payment_id: UUID
    amount_millimes: int
    reason: str


@dataclass(frozen=True)
class ApproveRefund(Command):
    """A second person approves a refund; it is then paid back."""

    house_code: str
    payment_id: UUID
    refund_id: str


@dataclass(frozen=True)
class GatewayStep(Command):
    """A step Dar takes on what the gateway reported (idempotent by its key)."""

    payment_id: UUID
    step: str
    event_id: str | None = None
    reported: str | None = None
    refund_id: str | None = None
