"""Card payments in the simulation: the citizen pays on the simulated gateway's page.

`dar simulate` plays the gateway as it plays the citizens: the development gateway
(`infrastructure/payments/simulated_gateway.py`), its hosted pages and callbacks named from the
seed, so that the same seed gives the same log. The agent initiates the payment (`initiatePayment`,
which opens the page), the citizen pays on it (or the bank declines: the citizen then pays cash),
and the gateway's callbacks are delivered at once, each through the callback endpoint's own checks
(`api.gateway.receive_callback`: signature, age, text policy); Dar's follow-up captures what is
authorised and pays back approved refunds, as it does in production.

Resuming: a real gateway keeps its orders when Dar's process dies; this one lives in the
simulator's memory. Before it is asked about a payment, it `recall`s an order it does not know
from what Dar recorded of it, as Dar last knew it (and delivers again the authorisation Dar may not
have acted on); every step then taken again runs under the key it had the first time, at the
moment it had (`Executor.at`), so that a resumed run ends with the uninterrupted run's log.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import NAMESPACE_URL, UUID, uuid5

from api.gateway import receive_callback
from api.simulation.executor import Executor
from application.payments.commands import InitiatePayment
from domain.payments.payment import Payment, PaymentStatus, Reported
from infrastructure.payments.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER
from infrastructure.payments.simulated_gateway import SimulatedGateway, SimulatedOrder

PAYING = timedelta(minutes=1)  # the citizen on the gateway's page
MAX_ROUNDS = 10  # of callbacks leading to more callbacks (authorised, then captured)
# what the gateway remembers of an order Dar recorded in this state
REMEMBERED = {
    PaymentStatus.INITIATED: Reported.OPEN,
    PaymentStatus.AUTHORISED: Reported.AUTHORISED,
    PaymentStatus.CAPTURE_REQUESTED: Reported.AUTHORISED,  # a capture Dar missed is taken again
    PaymentStatus.CAPTURED: Reported.CAPTURED,
    PaymentStatus.FAILED: Reported.DECLINED,
    PaymentStatus.CANCELLED: Reported.REVERSED,
}


class CardPaymentError(Exception):
    """A simulated card payment went astray (a callback refused, a payment left pending).

    A defect of the simulator, never a refusal the simulated citizens meet.
    """


class SimulatorGateway(SimulatedGateway):
    """The simulated gateway, its pages and callbacks named from the seed; orders recalled."""

    def __init__(self, secret: bytes, seed: int) -> None:
        super().__init__(secret)
        self._seed = seed

    def _name(self, order_id: UUID, what: str) -> str:
        return uuid5(
            NAMESPACE_URL, f"urn:dar-simulation:{self._seed}:gateway:{order_id}:{what}"
        ).hex

    def _session_id(self, order_id: UUID) -> str:
        return self._name(order_id, "session")

    def _event_id(self, order: SimulatedOrder, fields: dict[str, str]) -> str:
        """One callback per state an order reaches, one per refund paid back."""
        what = f"refund-{fields['refundId']}" if "refundId" in fields else fields.get("status", "")
        return self._name(order.order_id, what)

    def recall(self, payment: Payment) -> None:
        """Remember an order Dar recorded (after the simulator's process died), unless known."""
        if payment.session_id is None:
            return  # no page was opened: the follow-up opens it
        with self._lock:
            if payment.id in self._orders:
                return
            order = SimulatedOrder(
                payment.id,
                payment.session_id,
                payment.amount,
                payment.method,
                state=REMEMBERED[payment.status],
                captures=1 if payment.status is PaymentStatus.CAPTURED else 0,
                refunds={r.refund_id: r.amount for r in payment.refunds.values() if r.paid},
            )
            self._orders[order.order_id] = order
            self._sessions[order.session_id] = order.order_id
            if order.state is Reported.AUTHORISED:  # never acknowledged: delivered again
                self._notify(order, status=order.state.value)


class Cards:
    """A citizen's card payment at the counter, and its refunds, through the simulated gateway."""

    def __init__(self, run: Executor, gateway: SimulatorGateway) -> None:
        self._run = run
        self._gateway = gateway

    def pay(self, initiate: InitiatePayment, moment: datetime, *, declined: bool) -> UUID | None:
        """The payment initiated and paid on the page: its id once captured; None if declined."""
        dar = self._run.dar
        payment_id = UUID(self._run.do(dar.payments.initiate, initiate, moment)["payment_id"])
        payment = dar.payments.current(payment_id)
        if payment.status is PaymentStatus.INITIATED and payment.session_id is None:
            dar.follow_up.open_session(payment_id)  # the page initiating would have opened
        self._run.at(moment + PAYING)
        payment = dar.payments.current(payment_id)
        if payment.pending:
            self._gateway.recall(payment)
            if payment.session_id is not None:
                self._gateway.pay(payment.session_id, approve=not declined)
            self.deliver()
        status = dar.payments.current(payment_id).status
        if status is PaymentStatus.CAPTURED:
            return payment_id
        if status is PaymentStatus.FAILED:
            return None
        msg = f"the simulated card payment {payment_id} ended {status.value}"
        raise CardPaymentError(msg)

    def before_refund(self, payment_id: UUID) -> None:
        """The gateway knows the payment whose refund is about to be approved."""
        self._gateway.recall(self._run.dar.payments.current(payment_id))

    def paid_back(self, payment_id: UUID) -> None:
        """An approved refund paid back by the gateway (again, if the run stopped before)."""
        dar = self._run.dar
        payment = dar.payments.current(payment_id)
        if payment.refunds_to_pay():
            self._gateway.recall(payment)
            dar.follow_up.follow_up(payment_id)
        self.deliver()

    def deliver(self) -> None:
        """The gateway's callbacks, delivered at once, in order, each through Dar's checks."""
        dar = self._run.dar
        for _ in range(MAX_ROUNDS):
            taken = self._gateway.take_deliveries()
            if not taken:
                return
            for delivery in taken:
                headers = delivery.signed(self._gateway.secret, dar.clock.now())
                timestamp, signed = headers[TIMESTAMP_HEADER], headers[SIGNATURE_HEADER]
                answer = receive_callback(dar, delivery.body, timestamp, signed)
                if answer.status_code != 200:
                    msg = f"Dar refused a callback ({answer.status_code}): {delivery.body!r}"
                    raise CardPaymentError(msg)
