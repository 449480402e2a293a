"""Payments ready to be taken: Haidra collects STEG and SONEDE bills, A17 serves A001, till open.

The gateway is the simulated one, wrapped so that a test can lose the reply to a capture: the
gateway then takes the money, and Dar never hears back from that call.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from uuid import UUID

from fastapi import Response
from pydantic import SecretStr

from api.bootstrap import Dar, bootstrap
from api.gateway import receive_callback
from application.payments.commands import InitiatePayment, RecordCashPayment
from application.payments.ports import Biller, GatewayStatus, GatewayUnavailableError, Session
from application.store import Outcome
from domain.payments.payment import Method, Payment, Reported
from domain.shared.money import Money
from infrastructure.payments.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER
from infrastructure.payments.simulated_gateway import Delivery, SimulatedGateway
from infrastructure.settings import Settings
from tests.support.citizens import register
from tests.support.clock import TestClock
from tests.support.counter import SERVING_A001, lodge
from tests.support.spec import Scenario

PAYMENTS_READY = (*SERVING_A001, "payments/payments_ready.yaml", "tills/a17_till_open.yaml")
SECRET = b"test-gateway-secret"


class LossyGateway:
    """The simulated gateway, whose next capture reply can be lost after the capture happened."""

    def __init__(self, inner: SimulatedGateway) -> None:
        self.inner = inner
        self.lose_capture_replies = 0
        self.lose_session_replies = 0
        self.capture_calls: list[UUID] = []
        # a test's check of Dar's own record at the moment it asks for a capture
        self.before_capture: Callable[[UUID], None] | None = None

    def open_session(self, order_id: UUID, amount: Money, method: Method) -> Session:
        session = self.inner.open_session(order_id, amount, method)
        if self.lose_session_replies > 0:
            self.lose_session_replies -= 1
            msg = "the connection dropped before the gateway's reply"
            raise GatewayUnavailableError(msg)
        return session

    def status(self, order_id: UUID) -> GatewayStatus:
        return self.inner.status(order_id)

    def capture(self, order_id: UUID, amount: Money) -> Reported:
        if self.before_capture is not None:
            self.before_capture(order_id)
        self.capture_calls.append(order_id)
        reported = self.inner.capture(order_id, amount)
        if self.lose_capture_replies > 0:
            self.lose_capture_replies -= 1
            msg = "the connection dropped before the gateway's reply"
            raise GatewayUnavailableError(msg)
        return reported

    def release(self, order_id: UUID) -> None:
        self.inner.release(order_id)

    def refund(self, order_id: UUID, refund_id: str, amount: Money) -> None:
        self.inner.refund(order_id, refund_id, amount)


def payments_ready(
    settings: Settings, clock: TestClock | None = None, biller: Biller | None = None
) -> tuple[Dar, LossyGateway, UUID]:
    """Dar at day 2 08:15 with A001 served at counter 1, and a registered citizen."""
    the_clock = clock or TestClock()
    gateway = LossyGateway(SimulatedGateway(SECRET))
    keyed = settings.model_copy(update={"gateway_secret": SecretStr(SECRET.decode())})
    dar = bootstrap(keyed, the_clock, gateway=gateway, biller=biller)
    Scenario(dar, the_clock).given(*PAYMENTS_READY).at("day 2 08:15")
    return dar, gateway, register(dar, "01234567", "Amel Ben Salah")


def bill_request(dar: Dar, citizen: UUID, partner: str = "STEG") -> UUID:
    """A bill-payment request lodged at A001."""
    return UUID(lodge(dar, citizen, partner, "BILL_PAYMENT", ()).values["request_id"])


def pay_cash(dar: Dar, request: UUID, reference: str, key: str) -> Outcome:
    """A17 takes cash for the bill."""
    command = RecordCashPayment(key, "agent:A17", "haidra", request, "A17", reference)
    return dar.payments.record_cash(command)


def pay_by_card(dar: Dar, request: UUID, reference: str, key: str) -> Outcome:
    """A17 opens a card payment of the bill."""
    command = InitiatePayment(key, "agent:A17", "haidra", request, "A17", "card", reference)
    return dar.payments.initiate(command)


def payment_of(dar: Dar, outcome: Outcome) -> Payment:
    """The payment a command's outcome names, as it stands."""
    return dar.payments.current(UUID(outcome.values["payment_id"]))


def deliver(dar: Dar, delivery: Delivery, *, late: bool = False) -> Response:
    """Send a gateway callback through the endpoint's logic, signed now (or 301 s ago)."""
    sent = dar.clock.now() - timedelta(seconds=301 if late else 0)
    headers = delivery.signed(SECRET, sent)
    return receive_callback(
        dar, delivery.body, headers[TIMESTAMP_HEADER], headers[SIGNATURE_HEADER]
    )
