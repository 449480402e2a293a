"""A simulated ClicToPay-like gateway, for development and tests: it behaves like a real one.

Two-phase: a hosted session per order, where the citizen's payment is authorised or declined;
Dar then captures (or releases) it; refunds are paid once per refund id. Every call is idempotent
per order. Each change queues a callback in the outbox; whoever delivers them (the tests, or the
development server) may deliver one twice, late, out of order, or never. A delivery is signed when
it is sent. `available = False` simulates an outage: every call then fails, nothing changes.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID, uuid4

from application.payments.ports import GatewayStatus, GatewayUnavailableError, Session
from domain.payments.payment import Method, Reported
from domain.shared.errors import NotFoundError
from domain.shared.money import Money
from infrastructure.payments.signing import signed_headers


@dataclass
class SimulatedOrder:
    """What the gateway knows of one order."""

    order_id: UUID
    session_id: str
    amount: Money
    method: Method
    state: Reported = Reported.OPEN
    captures: int = 0  # how many times money was taken: never more than once
    refunds: dict[str, Money] = field(default_factory=dict)


@dataclass(frozen=True)
class Delivery:
    """One callback to send: its body; signed when sent."""

    order_id: UUID
    body: bytes

    def signed(self, secret: bytes, moment: datetime) -> dict[str, str]:
        """The headers of this delivery sent at `moment`."""
        return signed_headers(secret, moment, self.body)


class SimulatedGateway:
    """The gateway's servers, in memory (thread-safe)."""

    def __init__(self, secret: bytes, base_url: str = "/simulated-gateway") -> None:
        self.secret = secret
        self.available = True
        self.status_queries = 0  # how many times Dar asked where an order stands
        self._base_url = base_url.rstrip("/")
        self._orders: dict[UUID, SimulatedOrder] = {}
        self._sessions: dict[str, UUID] = {}
        self._outbox: list[Delivery] = []
        self._lock = threading.Lock()

    # --- the port Dar calls -----------------------------------------------------------------------

    def open_session(self, order_id: UUID, amount: Money, method: Method) -> Session:
        """The order's hosted page (the same one when asked again)."""
        with self._lock:
            self._reachable()
            order = self._orders.get(order_id)
            if order is None:
                order = SimulatedOrder(order_id, self._session_id(order_id), amount, method)
                self._orders[order_id] = order
                self._sessions[order.session_id] = order_id
            return Session(order.session_id, f"{self._base_url}/pay/{order.session_id}")

    def status(self, order_id: UUID) -> GatewayStatus:
        """Where the order stands."""
        with self._lock:
            self.status_queries += 1
            self._reachable()
            order = self._orders.get(order_id)
            if order is None:
                return GatewayStatus(Reported.UNKNOWN)
            return GatewayStatus(order.state, frozenset(order.refunds))

    def capture(self, order_id: UUID, amount: Money) -> Reported:
        """Take the authorised amount once; asking again answers CAPTURED and takes nothing."""
        with self._lock:
            self._reachable()
            order = self._order(order_id)
            if order.state is Reported.CAPTURED:
                return Reported.CAPTURED
            if order.state is not Reported.AUTHORISED or amount != order.amount:
                return Reported.DECLINED
            order.state = Reported.CAPTURED
            order.captures += 1
            self._notify(order, status=Reported.CAPTURED.value)
            return Reported.CAPTURED

    def release(self, order_id: UUID) -> None:
        """Release an authorisation (or close an unpaid session)."""
        with self._lock:
            self._reachable()
            order = self._orders.get(order_id)
            if order is not None and order.state in {Reported.OPEN, Reported.AUTHORISED}:
                order.state = Reported.REVERSED
                self._notify(order, status=Reported.REVERSED.value)

    def refund(self, order_id: UUID, refund_id: str, amount: Money) -> None:
        """Pay back once per refund id, never beyond what was captured."""
        with self._lock:
            self._reachable()
            order = self._order(order_id)
            if refund_id in order.refunds:
                return
            refunded = sum(r.millimes for r in order.refunds.values())
            if order.state is not Reported.CAPTURED or refunded + amount.millimes > (
                order.amount.millimes
            ):
                msg = "the gateway refuses a refund beyond what it captured"
                raise GatewayUnavailableError(msg)
            order.refunds[refund_id] = amount
            self._notify(order, refundId=refund_id)

    # --- the citizen on the hosted page -----------------------------------------------------------

    def pay(self, session_id: str, *, approve: bool = True) -> Reported:
        """The citizen pays on the hosted page: the bank authorises or declines."""
        with self._lock:
            self._reachable()
            order_id = self._sessions.get(session_id)
            if order_id is None:
                msg = "no such payment session"
                raise NotFoundError(msg)
            order = self._orders[order_id]
            if order.state is Reported.OPEN:
                order.state = Reported.AUTHORISED if approve else Reported.DECLINED
                self._notify(order, status=order.state.value)
            return order.state

    # --- what the tests and the development server see --------------------------------------------

    def take_deliveries(self) -> list[Delivery]:
        """The callbacks queued since last asked, in the order they were produced."""
        with self._lock:
            taken, self._outbox = self._outbox, []
            return taken

    def order(self, order_id: UUID) -> SimulatedOrder | None:
        """The gateway's record of an order."""
        with self._lock:
            return self._orders.get(order_id)

    def session_order(self, session_id: str) -> SimulatedOrder | None:
        """The order behind a hosted page."""
        with self._lock:
            order_id = self._sessions.get(session_id)
            return None if order_id is None else self._orders[order_id]

    def _session_id(self, order_id: UUID) -> str:  # noqa: ARG002 - a subclass may use it
        """The id of a new hosted page (random here; `dar simulate` derives it from its seed)."""
        return uuid4().hex

    def _event_id(self, order: SimulatedOrder, fields: dict[str, str]) -> str:  # noqa: ARG002
        """The id of a new callback (random here; `dar simulate` derives it from its seed)."""
        return uuid4().hex

    def _notify(self, order: SimulatedOrder, **fields: str) -> None:
        event_id = self._event_id(order, fields)
        body = {"orderId": str(order.order_id), "eventId": event_id, **fields}
        self._outbox.append(Delivery(order.order_id, json.dumps(body).encode()))

    def _order(self, order_id: UUID) -> SimulatedOrder:
        order = self._orders.get(order_id)
        if order is None:
            msg = "the gateway knows no such order"
            raise GatewayUnavailableError(msg)
        return order

    def _reachable(self) -> None:
        if not self.available:
            msg = "the payment gateway does not answer"
            raise GatewayUnavailableError(msg)
