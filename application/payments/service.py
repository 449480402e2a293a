"""Payments: taken at the counter or through the gateway, receipted, cancelled and refunded.

Every step Dar takes on the gateway is recorded *before* the gateway is asked (capture requested,
cancellation, refund approved) and confirmed after; a lost reply leaves the payment pending, and
asking again is harmless because the gateway's calls are idempotent per order and refund. What
the gateway reports — by callback or status query — is applied through the command runner under a
key made of the gateway's event id (or the payment's version), so it is applied at most once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from application.citizens.service import CitizenService
from application.delegation.policy import DelegationPolicy
from application.errors import IdempotencyKeyReusedError
from application.payments.commands import (
    ApproveRefund,
    CancelPayment,
    GatewayStep,
    InitiatePayment,
    RecordCashPayment,
    RequestRefund,
)
from application.payments.ports import (
    BillDue,
    Biller,
    GatewayUnavailableError,
    Notification,
    PaymentGateway,
)
from application.store import CommandRunner, Decision, EventStore, Outcome
from domain.catalogue.service import CatalogueService, FeeRule, service_id
from domain.citizens.mandate import PAYMENTS
from domain.counter.request import CitizenRequest, Reliance, RequestStatus
from domain.houses.house import house_id
from domain.partners.partner import validate_partner_code
from domain.payments.due import Due, bill_subject, checked_reference, due_id, fee_subject
from domain.payments.payment import (
    ENDED,
    Method,
    Origin,
    Payment,
    PaymentStateError,
    PaymentStatus,
    Reported,
)
from domain.payments.receipts import ReceiptBook, ReceiptPage, receipt_book_id
from domain.shared.acts import Act
from domain.shared.errors import DarError, NotFoundError, UnchangedError, ValidationError
from domain.shared.money import Money
from domain.shared.time import tunis_day

GATEWAY_ACTOR = "system:gateway"
log = logging.getLogger(__name__)
MAX_FOLLOW_UPS = 8
UNPAYABLE = frozenset({RequestStatus.WITHDRAWN, RequestStatus.REFUSED, RequestStatus.CLOSED})


class NothingToPayError(DarError):
    """The service has no fee: there is nothing to collect."""

    code = "NOTHING_TO_PAY"


@dataclass(frozen=True)
class Charge:
    """What a new payment is for: its amount and what it holds (bill or fee)."""

    amount: Money
    subject: str
    bill_reference: str | None


class PaymentService:
    """Payments of requests at a house."""

    def __init__(  # noqa: PLR0913, PLR0917 - the collaborators of payments
        self,
        store: EventStore,
        runner: CommandRunner,
        policy: DelegationPolicy,
        citizens: CitizenService,
        gateway: PaymentGateway | None,
        biller: Biller,
    ) -> None:
        self._store = store
        self._runner = runner
        self._policy = policy
        self._citizens = citizens
        self._gateway = gateway
        self._biller = biller

    # --- the counter ------------------------------------------------------------------------------

    @property
    def gateway_connected(self) -> bool:
        """Whether card, e-Dinar and D17 payments can be taken."""
        return self._gateway is not None

    def current(self, payment_id: UUID) -> Payment:
        """The payment as it stands now."""
        return self._store.load(payment_id, Payment, "payment")

    def bill_inquiry(self, partner_code: str, reference: str) -> BillDue:
        """What the partner's billing system says is due for this bill."""
        validate_partner_code(partner_code)
        return self._biller.inquire(partner_code, checked_reference(reference))

    def initiate(self, command: InitiatePayment) -> Outcome:
        """A gateway payment, pending until the gateway reports; its hosted page when reachable."""
        method = _method(command.method)
        if method is Method.CASH:
            raise ValidationError("method", "cash is recorded with recordCashPayment")

        def decide(act: Act) -> Decision:
            self._connected()  # in the decision: a recorded command's retry replays first
            payment, changed, reads = self._new_payment(command, method, act)
            return Decision(changed, {"payment_id": str(payment.id)}, reads)

        outcome = self._runner.run(command, decide)
        payment_id = UUID(outcome.values["payment_id"])
        position = self._open_session(payment_id) or outcome.position
        return Outcome(max(position, outcome.position), outcome.values, outcome.replayed)

    def record_cash(self, command: RecordCashPayment) -> Outcome:
        """Cash taken: the payment is captured and receipted in one act."""

        def decide(act: Act) -> Decision:
            payment, changed, reads = self._new_payment(command, Method.CASH, act)
            receipt, book = self._next_receipt(payment, act)
            payment.take_cash(receipt, act)
            values = {"payment_id": str(payment.id), "receipt": payment.receipt or ""}
            return Decision([*changed, *book], values, reads)

        return self._runner.run(command, decide)

    def cancel(self, command: CancelPayment) -> Outcome:
        """Give up a payment before capture; an authorisation is released at the gateway."""

        def decide(act: Act) -> Decision:
            payment = self._payment(command.payment_id, command.house_code)
            payment.cancel(command.reason, act)
            changed = [payment, *self._release(payment, act)]
            return Decision(changed, {"payment_id": str(payment.id)})

        outcome = self._runner.run(command, decide)
        payment = self._store.load(command.payment_id, Payment, "payment")
        if payment.through_gateway:
            self._release_at_gateway(payment.id)
        return outcome

    def request_refund(self, command: RequestRefund) -> Outcome:
        """Ask for a refund (partial allowed); a second person approves it."""

        def decide(act: Act) -> Decision:
            payment = self._payment(command.payment_id, command.house_code)
            refund_id = payment.next_refund_id()
            payment.request_refund(refund_id, Money(command.amount_millimes), command.reason, act)
            return Decision([payment], {"payment_id": str(payment.id), "refund_id": refund_id})

        return self._runner.run(command, decide)

    def approve_refund(self, command: ApproveRefund) -> Outcome:
        """A second person approves: cash is paid back at once, a gateway refund is asked for."""

        def decide(act: Act) -> Decision:
            payment = self._payment(command.payment_id, command.house_code)
            payment.approve_refund(command.refund_id, act)
            changed: list[Aggregate] = [payment]
            if not payment.through_gateway:
                changed = self._paid_back(payment, command.refund_id, act)
            return Decision(changed, {"payment_id": str(payment.id)})

        outcome = self._runner.run(command, decide)
        position = self._follow_up(command.payment_id)
        return Outcome(max(position, outcome.position), outcome.values, outcome.replayed)

    # --- the gateway ------------------------------------------------------------------------------

    def apply_notification(self, notification: Notification) -> int:
        """A checked callback: applied at most once, then Dar's own steps follow. The position."""
        position = 0
        if notification.refund_id is not None:
            position = self._refund_paid(notification.order_id, notification.refund_id)
        elif notification.reported is not None:
            reported, event_id = notification.reported, notification.event_id
            key = f"cb:{notification.order_id}:{event_id}"
            position = self._report(notification.order_id, key, reported, event_id)
        return max(position, self._follow_up(notification.order_id))

    def settle(self, payment_id: UUID, house_code: str | None = None) -> int:
        """Ask the gateway where the payment stands and apply it; the position of the last event."""
        payment = self._payment(payment_id, house_code)
        if not payment.through_gateway:
            return 0
        status = self._connected().status(payment.id)
        position = 0
        if payment.status is PaymentStatus.INITIATED and (
            status.reported is Reported.UNKNOWN
            or (status.reported is Reported.OPEN and payment.session_id is None)
        ):
            # the page was never opened, its reply was lost, or the gateway forgot the order
            position = self._open_session(payment.id, forgotten=status.reported is Reported.UNKNOWN)
        elif status.reported not in {Reported.OPEN, Reported.UNKNOWN}:
            reported = status.reported
            key = f"status:{payment.id}:{payment.version}:{reported.value}"
            position = self._report(payment.id, key, reported)
        for refund in payment.refunds_to_pay():
            if refund.refund_id in status.refunds_paid:
                position = self._refund_paid(payment.id, refund.refund_id)
        return max(position, self._follow_up(payment.id))

    # --- Dar's own steps on the gateway -----------------------------------------------------------

    def _follow_up(self, payment_id: UUID) -> int:
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

    def _next_step(self, payment: Payment) -> int | None:
        """One step forward, or None when there is nothing more to do now."""
        if payment.status is PaymentStatus.AUTHORISED:
            return (
                self._step(
                    GatewayStep(
                        f"capture-request:{payment.id}",
                        GATEWAY_ACTOR,
                        payment.id,
                        "request_capture",
                    ),
                    _request_capture,
                )
                or None
            )
        if payment.status is PaymentStatus.CAPTURE_REQUESTED:
            reported = self._connected().capture(payment.id, payment.amount)
            return (
                self._report(payment.id, f"capture:{payment.id}:{reported.value}", reported) or None
            )
        for refund in payment.refunds_to_pay():
            self._connected().refund(payment.id, refund.refund_id, refund.amount)
            return self._refund_paid(payment.id, refund.refund_id) or None
        return None

    def _refund_paid(self, payment_id: UUID, refund_id: str) -> int:
        """The gateway paid the refund back: recorded once, whichever path learnt it first."""
        key = f"refund:{payment_id}:{refund_id}"
        return self._step(
            GatewayStep(key, GATEWAY_ACTOR, payment_id, "refund_paid", refund_id=refund_id),
            lambda payment, act: self._paid_back(payment, refund_id, act),
        )

    def _report(
        self, payment_id: UUID, key: str, reported: Reported, event_id: str | None = None
    ) -> int:
        """Apply what the gateway reported (a callback, a status or a capture's answer)."""
        return self._step(
            GatewayStep(key, GATEWAY_ACTOR, payment_id, "report", event_id, reported.value),
            lambda payment, act: self._apply_reported(payment, reported, event_id, act),
        )

    def _step(self, command: GatewayStep, change: Callable[[Payment, Act], list[Aggregate]]) -> int:
        """Run one gateway-driven change under its key; 0 when it changed nothing."""
        payment_id = command.payment_id

        def decide(act: Act) -> Decision:
            payment = self._store.load(payment_id, Payment, "payment")
            changed = change(payment, act)
            if not changed:
                raise UnchangedError("the gateway's report changes nothing")
            return Decision(changed, {"payment_id": str(payment_id)})

        try:
            return self._runner.run(command, decide).position
        except (UnchangedError, PaymentStateError):
            return 0
        except IdempotencyKeyReusedError:
            if command.event_id is None:
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
            self._release_at_gateway(payment.id)
            return [payment, *self._release(payment, act)]
        if payment.apply_report(reported, event_id, act):
            if payment.status is PaymentStatus.FAILED:
                return [payment, *self._release(payment, act)]
            return [payment]
        if reported is Reported.AUTHORISED and payment.status in {
            PaymentStatus.CANCELLED,
            PaymentStatus.FAILED,
        }:
            self._release_at_gateway(payment.id)
        return []

    def _captured(self, payment: Payment, event_id: str | None, act: Act) -> list[Aggregate]:
        """The gateway took the money: captured now, with the next receipt number."""
        receipt, book = self._next_receipt(payment, act)
        if payment.status in ENDED:
            # taken after Dar cancelled or failed the payment: kept on record, its refund asked
            payment.capture_after_end(receipt, event_id, act)
            return [payment, *book]
        # whatever Dar missed on the way (a dropped callback, a lost reply), it is captured now
        if payment.status is PaymentStatus.INITIATED:
            payment.apply_report(Reported.AUTHORISED, None, act)
        if payment.status is PaymentStatus.AUTHORISED:
            payment.request_capture(act)
        payment.confirm_capture(receipt, event_id, act)
        return [payment, *book]

    def _open_session(self, payment_id: UUID, *, forgotten: bool = False) -> int:
        """Open the gateway's hosted page if none is known (or the gateway forgot it); 0 if not."""
        payment = self._store.load(payment_id, Payment, "payment")
        if payment.status is not PaymentStatus.INITIATED:
            return 0
        if payment.session_id is not None and not forgotten:
            return 0
        try:
            session = self._connected().open_session(payment.id, payment.amount, payment.method)
        except GatewayUnavailableError:
            return 0

        def opened(p: Payment, act: Act) -> list[Aggregate]:
            return [p] if p.open_session(session.session_id, session.url, act) else []

        key = f"session:{payment_id}:{session.session_id}"
        return self._step(GatewayStep(key, GATEWAY_ACTOR, payment_id, "session"), opened)

    def _release_at_gateway(self, payment_id: UUID) -> None:
        """Release an authorisation at the gateway; a status query retries if unreachable."""
        try:
            self._connected().release(payment_id)
        except GatewayUnavailableError:
            return

    # --- looking things up ------------------------------------------------------------------------

    def _connected(self) -> PaymentGateway:
        """The gateway; none connected refuses gateway payments (cash keeps working)."""
        if self._gateway is None:
            raise GatewayUnavailableError("no payment gateway is connected to this Dar")
        return self._gateway

    def _payment(self, payment_id: UUID, house_code: str | None) -> Payment:
        payment = self._store.load(payment_id, Payment, "payment")
        if house_code is not None and payment.origin.house_code != house_code:
            raise NotFoundError("no payment is known under this id")
        return payment

    def _new_payment(
        self, command: InitiatePayment | RecordCashPayment, method: Method, act: Act
    ) -> tuple[Payment, list[Aggregate], dict[UUID, int]]:
        """A new payment of the request, with what it holds and relies on."""
        request = self._store.load(command.request_id, CitizenRequest, "request")
        if request.house_id != house_id(command.house_code):
            raise NotFoundError("no request is known under this id")
        if request.status in UNPAYABLE:
            raise PaymentStateError(f"a {request.status.value} request is not paid")
        due = self._amount_due(request, command.bill_reference)
        permission = self._policy.may_perform(
            house_code=command.house_code,
            employee_number=command.employee_number,
            partner_code=request.partner_code,
            service_code=request.service_code,
            amount_millimes=due.amount.millimes,
        )
        changed: list[Aggregate] = []
        relied_on: tuple[UUID, int] | None = None  # the mandate, as read
        if not request.citizen_present:
            mandate = self._citizens.mandate_covers(
                request.citizen_id, command.house_code, PAYMENTS
            )
            relied_on = (mandate.id, mandate.version)
            mandate.use(PAYMENTS, act)
            changed.append(mandate)
        payment = Payment.initiate(
            payment_id=uuid4(),
            origin=Origin(
                request_id=request.id,
                house_id=request.house_id,
                house_code=command.house_code,
                citizen_id=request.citizen_id,
                partner_code=request.partner_code,
                service_code=request.service_code,
                bill_reference=due.bill_reference,
                reliance=Reliance.of(permission, relied_on),
            ),
            method=method,
            amount=due.amount,
            act=act,
        )
        held = self._store.find(due_id(due.subject), Due) or Due.open(due.subject, act)
        held.hold(payment.id, act)
        # the request is declared as read: one withdrawn meanwhile is not paid
        reads = {**permission.reads, request.id: request.version}
        return payment, [payment, held, *changed], reads

    def _amount_due(self, request: CitizenRequest, bill_reference: str | None) -> Charge:
        """From the partner's biller, or the catalogue's fixed fee; never typed at the counter."""
        service = self._store.find(
            service_id(request.partner_code, request.service_code), CatalogueService
        )
        if service is None or service.fee.rule is FeeRule.NONE:
            raise NothingToPayError("this service has no fee to collect")
        if service.fee.rule is FeeRule.FROM_BILL:
            if bill_reference is None:
                raise ValidationError("billReference", "this service is paid from a bill")
            bill = self.bill_inquiry(request.partner_code, bill_reference)
            return Charge(
                bill.amount, bill_subject(request.partner_code, bill.reference), bill.reference
            )
        if bill_reference is not None:
            raise ValidationError("billReference", "this service has a fixed fee, not a bill")
        return Charge(Money(service.fee.millimes or 0), fee_subject(request.id), None)

    def _paid_back(self, payment: Payment, refund_id: str, act: Act) -> list[Aggregate]:
        """The refund paid back; refunded in full, the bill or fee may be paid again."""
        if not payment.pay_back(refund_id, None, act):
            return []
        if payment.refunded == payment.captured:
            return [payment, *self._release(payment, act)]
        return [payment]

    def _next_receipt(self, payment: Payment, act: Act) -> tuple[str, list[Aggregate]]:
        """The next number of the house's book for the year, and the book's changed parts."""
        code, year = payment.origin.house_code, tunis_day(act.at).year
        book = self._store.find(receipt_book_id(code, year), ReceiptBook)
        if book is None:
            book = ReceiptBook.open(code, year, act)
        current = book.current_page
        page = None if current is None else self._store.load(current, ReceiptPage, "page")
        if page is None or page.full:
            page = book.open_page(page, act)
            return page.issue(payment.id, act), [book, page]
        return page.issue(payment.id, act), [page]

    def receipts_issued(self, house_code: str, year: int) -> int:
        """How many receipt numbers the house issued in the year (the last number)."""
        book = self._store.find(receipt_book_id(house_code, year), ReceiptBook)
        if book is None or book.current_page is None:
            return 0
        return self._store.load(book.current_page, ReceiptPage, "page").last

    def _release(self, payment: Payment, act: Act) -> list[Aggregate]:
        """The bill or fee the payment held, let go."""
        origin = payment.origin
        subject = (
            bill_subject(origin.partner_code, origin.bill_reference)
            if origin.bill_reference is not None
            else fee_subject(origin.request_id)
        )
        held = self._store.find(due_id(subject), Due)
        if held is None or held.holder != payment.id:
            return []
        held.release(payment.id, act)
        return [held]


def _request_capture(payment: Payment, act: Act) -> list[Aggregate]:
    payment.request_capture(act)
    return [payment]


def _method(value: str) -> Method:
    try:
        return Method(value)
    except ValueError:
        raise ValidationError("method", "cash, card, e_dinar or d17") from None
