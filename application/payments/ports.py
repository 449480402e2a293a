"""What payments need from outside Dar: a payment gateway and the partners' billers.

Both are partners' servers: Dar simulates them in development and tests, and never trusts what
they send without checking (callbacks are signed; anything doubtful is settled by a status query).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Protocol
from uuid import UUID

from domain.payments.payment import Method, Reported
from domain.shared.errors import DarError
from domain.shared.money import Money


class GatewayUnavailableError(DarError):
    """The payment gateway could not be reached: the payment stays pending, nothing is lost."""

    code = "GATEWAY_UNAVAILABLE"


class BillerUnavailableError(DarError):
    """The partner's billing system could not be reached, or none is connected for it."""

    code = "BILLER_UNAVAILABLE"


@dataclass(frozen=True)
class Session:
    """The gateway's hosted payment page for one payment."""

    session_id: str
    url: str


@dataclass(frozen=True)
class GatewayStatus:
    """The gateway's answer to a status query: where the payment stands, and refunds paid."""

    reported: Reported
    refunds_paid: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Notification:
    """A callback, once its signature and age were checked."""

    order_id: UUID
    event_id: str
    reported: Reported | None = None
    refund_id: str | None = None  # a refund paid back, when this reports one


class PaymentGateway(Protocol):
    """A ClicToPay-like gateway; every call is idempotent for the same order (and refund)."""

    def open_session(self, order_id: UUID, amount: Money, method: Method) -> Session:
        """The hosted page for this order (the same one when asked again)."""
        ...

    def status(self, order_id: UUID) -> GatewayStatus:
        """Where the order stands at the gateway."""
        ...

    def capture(self, order_id: UUID, amount: Money) -> Reported:
        """Take the authorised amount: CAPTURED (also when taken before) or DECLINED."""
        ...

    def release(self, order_id: UUID) -> None:
        """Release an authorisation that will not be captured."""
        ...

    def refund(self, order_id: UUID, refund_id: str, amount: Money) -> None:
        """Pay back `amount` of a captured order, once per refund id."""
        ...


@dataclass(frozen=True)
class BillDue:
    """What a partner's billing system says is due for a bill reference."""

    partner_code: str
    reference: str
    amount: Money
    period: str
    due_on: date | None


class Biller(Protocol):
    """The partners' billing systems (STEG, SONEDE, Tunisie Telecom…)."""

    def inquire(self, partner_code: str, reference: str) -> BillDue:
        """The amount due; NotFoundError for an unknown or settled bill."""
        ...
