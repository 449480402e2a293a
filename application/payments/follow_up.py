"""The gateway's follow-up: a process manager taking each gateway payment to its end.

It reacts to what the gateway reports (a callback, a status query, a capture's answer) and takes
Dar's own next steps on the gateway: capture what is authorised, release what is cancelled or
failed, pay back approved refunds, reopen a page the gateway forgot. Every step Dar takes is
recorded *before* the gateway is asked (capture requested, cancellation, refund approved) and
confirmed after; a lost reply leaves the payment pending, and asking again is harmless because
the gateway's calls are idempotent per order and refund. Each report is applied through the
command runner under a key made of the gateway's event id (or the payment's version), so it is
applied at most once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from uuid import UUID

from eventsourcing.domain import Aggregate

from application.errors import IdempotencyKeyReusedError
from application.payments.commands import (
    ApplyGatewayReport,
    GatewayStep,
    OpenGatewaySession,
    PaymentChanged,
    RecordRefundPaid,
    RequestCapture,
)
from application.payments.holdings import (
    completed_by_capture,
    next_receipt,
    paid_back,
    payment_of_house,
    release_due,
)
from application.payments.ports import GatewayUnavailableError, Notification, PaymentGateway
from application.payments.remittances import enter_capture
from application.store import CommandRunner, Decision, EventStore
from domain.payments.payment import ENDED, Payment, PaymentStateError, PaymentStatus, Reported
from domain.shared.acts import Act
from domain.shared.errors import UnchangedError

GATEWAY_ACTOR = "system:gateway"
log = logging.getLogger(__name__)
MAX_FOLLOW_UPS = 8


class GatewayFollowUp:
    """Applies the gateway's reports and takes Dar's next steps on it, each at most once."""

    def __init__(
        self, store: EventStore, runner: CommandRunner, gateway: PaymentGateway | None
    ) -> None:
        self._store = store
        self._runner = runner
        self._gateway = gateway

    @property
    def gateway_connected(self) -> bool:
        """Whether there is a gateway to follow payments up on."""
        return self._gateway is not None

    def connected(self) -> PaymentGateway:
        """The gateway; none connected refuses gateway payments (cash keeps working)."""
        if self._gateway is None:
            raise GatewayUnavailableError("no payment gateway is connected to this Dar")
        return self._gateway

    # --- what the gateway reports -----------------------------------------------------------------

    def apply_notification(self, notification: Notification) -> int:
        """A checked callback: applied at most once, then Dar's own steps follow. The position."""
        position = 0
        if notification.refund_id is not None:
            position = self._refund_paid(notification.order_id, notification.refund_id)
        elif notification.reported is not None:
            reported, event_id = notification.reported, notification.event_id
            key = f"cb:{notification.order_id}:{event_id}"
            position = self._report(notification.order_id, key, reported, event_id)
        return max(position, self.follow_up(notification.order_id))

    def settle(self, payment_id: UUID, house_code: str | None = None) -> int:
        """Ask the gateway where the payment stands and apply it; the position of the last event."""
        payment = payment_of_house(self._store, payment_id, house_code)
        if not payment.through_gateway:
            return 0
        status = self.connected().status(payment.id)
        position = 0
        if payment.status is PaymentStatus.INITIATED and (
            status.reported is Reported.UNKNOWN
            or (status.reported is Reported.OPEN and payment.session_id is None)
        ):
            # the page was never opened, its reply was lost, or the gateway forgot the order
            position = self.open_session(payment.id, forgotten=status.reported is Reported.UNKNOWN)
        elif status.reported not in {Reported.OPEN, Reported.UNKNOWN}:
            reported = status.reported
            key = f"status:{payment.id}:{payment.version}:{reported.value}"
            position = self._report(payment.id, key, reported)
        for refund in payment.refunds_to_pay():
            if refund.refund_id in status.refunds_paid:
                position = self._refund_paid(payment.id, refund.refund_id)
        return max(position, self.follow_up(payment.id))

    # --- Dar's own steps on the gateway -----------------------------------------------------------

    def follow_up(self, payment_id: UUID) -> int:
        """Capture what is authorised, release what is cancelled, pay back approved refunds.

        Stops quietly when the gateway is unreachable: the payment stays pending and the next
        callback or status query takes it up again. The position of the last event recorded.
        """
        position = 0
        for _ in range(MAX_FOLLOW_UPS):
            payment = self._store.load(payment_id, Payment, "payment")
            try:
                step = self._next_step(payment)
            except GatewayUnavailableError:
                return position
            if step is None:
                return position
            position = max(position, step)
        return position

    def open_session(self, payment_id: UUID, *, forgotten: bool = False) -> int:
        """Open the gateway's hosted page if none is known (or the gateway forgot it); 0 if not."""
        payment = self._store.load(payment_id, Payment, "payment")
        if payment.status is not PaymentStatus.INITIATED:
            return 0
        if payment.session_id is not None and not forgotten:
            return 0
        try:
            session = self.connected().open_session(payment.id, payment.amount, payment.method)
        except GatewayUnavailableError:
            return 0

        def opened(p: Payment, act: Act) -> list[Aggregate]:
            return [p] if p.open_session(session.session_id, session.url, act) else []

        key = f"session:{payment_id}:{session.session_id}"
        return self._step(OpenGatewaySession(key, GATEWAY_ACTOR, payment_id), opened)

    def release_at_gateway(self, payment_id: UUID) -> None:
        """Release an authorisation at the gateway; a status query retries if unreachable."""
        try:
            self.connected().release(payment_id)
        except GatewayUnavailableError:
            return

    def _next_step(self, payment: Payment) -> int | None:
        """One step forward, or None when there is nothing more to do now."""
        if payment.status is PaymentStatus.AUTHORISED:
            key = f"capture-request:{payment.id}"
            step = RequestCapture(key, GATEWAY_ACTOR, payment.id)
            return self._step(step, _request_capture) or None
        if payment.status is PaymentStatus.CAPTURE_REQUESTED:
            reported = self.connected().capture(payment.id, payment.amount)
            key = f"capture:{payment.id}:{reported.value}"
            return self._report(payment.id, key, reported) or None
        for refund in payment.refunds_to_pay():
            self.connected().refund(payment.id, refund.refund_id, refund.amount)
            return self._refund_paid(payment.id, refund.refund_id) or None
        return None

    def _refund_paid(self, payment_id: UUID, refund_id: str) -> int:
        """The gateway paid the refund back: recorded once, whichever path learnt it first."""
        key = f"refund:{payment_id}:{refund_id}"
        return self._step(
            RecordRefundPaid(key, GATEWAY_ACTOR, payment_id, refund_id),
            lambda payment, act: paid_back(self._store, payment, refund_id, act),
        )

    def _report(
        self, payment_id: UUID, key: str, reported: Reported, event_id: str | None = None
    ) -> int:
        """Apply what the gateway reported (a callback, a status or a capture's answer)."""
        return self._step(
            ApplyGatewayReport(key, GATEWAY_ACTOR, payment_id, event_id, reported),
            lambda payment, act: self._apply_reported(payment, reported, event_id, act),
        )

    def _step(self, command: GatewayStep, change: Callable[[Payment, Act], list[Aggregate]]) -> int:
        """Run one gateway-driven change under its key; 0 when it changed nothing."""
        payment_id = command.payment_id

        def decide(act: Act) -> Decision[PaymentChanged]:
            payment = self._store.load(payment_id, Payment, "payment")
            changed = change(payment, act)
            if not changed:
                raise UnchangedError("the gateway's report changes nothing")
            return Decision(changed, PaymentChanged(payment_id))

        try:
            return self._runner.run(command, decide, returns=PaymentChanged).position
        except (UnchangedError, PaymentStateError):
            return 0
        except IdempotencyKeyReusedError:
            if not isinstance(command, ApplyGatewayReport) or command.event_id is None:
                raise  # Dar's own keys never collide: a defect, not the gateway's doing
            # a gateway reusing an event id of this order for another report: not applied; the
            # follow-up's status query settles the payment instead
            log.warning("gateway event %s reused for another report", command.command_id)
            return 0

    def _apply_reported(
        self, payment: Payment, reported: Reported, event_id: str | None, act: Act
    ) -> list[Aggregate]:
        """What a report changes: the payment, and the receipt book or the due it holds."""
        if event_id is not None and event_id in payment.gateway_events:
            return []
        if reported is Reported.CAPTURED and payment.status is not PaymentStatus.CAPTURED:
            return self._captured(payment, event_id, act)
        if (
            reported in {Reported.DECLINED, Reported.REVERSED}
            and payment.status is PaymentStatus.CAPTURE_REQUESTED
        ):
            payment.fail_capture(event_id, act)
            self.release_at_gateway(payment.id)
            return [payment, *release_due(self._store, payment, act)]
        if payment.apply_report(reported, event_id, act):
            if payment.status is PaymentStatus.FAILED:
                return [payment, *release_due(self._store, payment, act)]
            return [payment]
        if reported is Reported.AUTHORISED and payment.status in {
            PaymentStatus.CANCELLED,
            PaymentStatus.FAILED,
        }:
            self.release_at_gateway(payment.id)
        return []

    def _captured(self, payment: Payment, event_id: str | None, act: Act) -> list[Aggregate]:
        """The gateway took the money: captured now, with the next receipt number."""
        receipt, book = next_receipt(self._store, payment, act)
        if payment.status in ENDED:
            # taken after Dar cancelled or failed the payment: kept on record, its refund asked
            payment.capture_after_end(receipt, event_id, act)
            return [payment, *book, *enter_capture(self._store, payment, act)]
        # whatever Dar missed on the way (a dropped callback, a lost reply), it is captured now
        if payment.status is PaymentStatus.INITIATED:
            payment.apply_report(Reported.AUTHORISED, None, act)
        if payment.status is PaymentStatus.AUTHORISED:
            payment.request_capture(act)
        payment.confirm_capture(receipt, event_id, act)
        # a bill paid completes its request (not a capture after the end: that one is refunded)
        done = completed_by_capture(self._store, payment, act)
        return [payment, *book, *enter_capture(self._store, payment, act), *done]


def _request_capture(payment: Payment, act: Act) -> list[Aggregate]:
    payment.request_capture(act)
    return [payment]
