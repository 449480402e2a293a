"""Commands of payments."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from uuid import UUID

from application.commands import Command
from domain.payments.payment import Reported


@dataclass(frozen=True)
class PaymentChanged:
    """The payment a command opened or changed (as the command log records it)."""

    payment_id: UUID


@dataclass(frozen=True)
class CashTaken:
    """The cash payment recorded, and its receipt (as the command log records it)."""

    payment_id: UUID
    receipt: str


@dataclass(frozen=True)
class RefundRequested:
    """The refund asked for: its payment and its number within the payment."""

    payment_id: UUID
    refund_id: str


@dataclass(frozen=True)
class PaymentStanding:
    """A payment as it stands once a command is done: its receipt and the gateway's page."""

    payment_id: UUID
    receipt: str | None
    session_url: str | None

    @property
    def id(self) -> UUID:
        """The payment's id."""
        return self.payment_id


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
class SettlePayment(Command):
    """Ask the gateway where a payment stands and apply its answer (staff: of their house).

    The command runner does not record it: each step it leads to is recorded under its own key,
    so asking again is harmless. Its `command_id` only names the request.
    """

    house_code: str
    payment_id: UUID


def _gateway_step(step: str) -> tuple[str, Mapping[str, object]]:
    """The form a gateway step was recorded under when the steps were one command."""
    return ("GatewayStep", {"event_id": None, "reported": None, "refund_id": None, "step": step})


@dataclass(frozen=True)
class GatewayStep(Command):
    """A step Dar takes on a gateway payment, applied at most once under its key.

    Each step is a command of its own, below. They were once one command naming its step in a
    text field; each still digests to that command's form (kind, step and all), so that a step
    recorded before the split is recognised when it is taken again under the same key.
    """

    payment_id: UUID


@dataclass(frozen=True)
class OpenGatewaySession(GatewayStep):
    """Record the hosted page the gateway opened for the payment."""

    recorded_as = _gateway_step("session")


@dataclass(frozen=True)
class RequestCapture(GatewayStep):
    """Record that Dar asks the gateway to capture what it authorised (before asking)."""

    recorded_as = _gateway_step("request_capture")


@dataclass(frozen=True)
class ApplyGatewayReport(GatewayStep):
    """Apply what the gateway reported: a callback (with its event id), a status, a capture."""

    recorded_as = _gateway_step("report")
    event_id: str | None
    reported: Reported


@dataclass(frozen=True)
class RecordRefundPaid(GatewayStep):
    """Record that the gateway paid a refund back."""

    recorded_as = _gateway_step("refund_paid")
    refund_id: str
