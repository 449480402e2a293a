"""Payments taken at the counter or through the gateway: initiated, receipted, cancelled, refunded.

The command handlers decide on what staff ask; what follows on the gateway (its reports, the
capture, releases and refunds Dar asks of it) is the gateway's follow-up, a process manager of
its own (`application.payments.follow_up`). A handler hands the payment over to it after its own
decision is saved: a new card payment gets its hosted page, a cancelled one its release, an
approved refund its payment back.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from eventsourcing.domain import Aggregate

from application.citizens.service import CitizenService
from application.delegation.policy import DelegationPolicy
from application.payments.commands import (
    ApproveRefund,
    CancelPayment,
    CashTaken,
    InitiatePayment,
    PaymentChanged,
    PaymentStanding,
    RecordCashPayment,
    RefundRequested,
    RequestRefund,
    SettlePayment,
)
from application.payments.follow_up import GatewayFollowUp
from application.payments.holdings import (
    completed_by_capture,
    next_receipt,
    paid_back,
    payment_of_house,
    receipts_issued,
    release_due,
)
from application.payments.ports import BillDue, Biller, Notification, PaymentGateway
from application.payments.refund_cover import refund_cover
from application.payments.remittances import enter_capture
from application.payments.tills import cash_in, cash_out
from application.store import CommandRunner, Decision, EventStore, Outcome
from domain.catalogue.service import CatalogueService, FeeRule, service_id
from domain.citizens.mandate import PAYMENTS
from domain.counter.request import CitizenRequest, Reliance, RequestStatus
from domain.houses.house import house_id
from domain.partners.partner import validate_partner_code
from domain.payments.due import Due, bill_subject, checked_reference, due_id, fee_subject
from domain.payments.payment import Method, Origin, Payment, PaymentStateError
from domain.shared.acts import Act
from domain.shared.errors import DarError, NotFoundError, ValidationError
from domain.shared.ids import new_id
from domain.shared.money import Money

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
        follow_up: GatewayFollowUp | None = None,
    ) -> None:
        """`follow_up` follows payments up on the same `gateway` (one is made when not given)."""
        self._store = store
        self._runner = runner
        self._policy = policy
        self._citizens = citizens
        self._gateway = gateway
        self._biller = biller
        self._follow_up = follow_up or GatewayFollowUp(store, runner, gateway)

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

    def initiate(self, command: InitiatePayment) -> Outcome[PaymentStanding]:
        """A gateway payment, pending until the gateway reports; its hosted page when reachable."""
        method = _method(command.method)
        if method is Method.CASH:
            raise ValidationError("method", "cash is recorded with recordCashPayment")

        def decide(act: Act) -> Decision[PaymentChanged]:
            self._follow_up.connected()  # in the decision: a recorded command's retry replays first
            payment, changed, reads = self._new_payment(command, method, act)
            return Decision(changed, PaymentChanged(payment.id), reads)

        outcome = self._runner.run(command, decide, returns=PaymentChanged)
        opened = self._follow_up.open_session(outcome.value.payment_id)
        return _standing(self.current(outcome.value.payment_id), outcome, opened)

    def record_cash(self, command: RecordCashPayment) -> Outcome[PaymentStanding]:
        """Cash taken: the payment is captured and receipted in one act, into the agent's till.

        Refused without an open till of the agent (`NO_OPEN_TILL`); the till's record of the
        cash, the capture and, for a bill, the request's completion are saved together.
        """

        def decide(act: Act) -> Decision[CashTaken]:
            payment, changed, reads = self._new_payment(command, Method.CASH, act)
            receipt, book = next_receipt(self._store, payment, act)
            payment.take_cash(receipt, act)
            till = cash_in(self._store, payment, command.employee_number, act)
            entered = enter_capture(self._store, payment, act)
            done = completed_by_capture(self._store, payment, act)
            # a request completed here is saved, its version checked by the save itself
            reads = {k: v for k, v in reads.items() if k not in {a.id for a in done}}
            changed = [*changed, *book, till, *entered, *done]
            return Decision(changed, CashTaken(payment.id, payment.receipt or ""), reads)

        outcome = self._runner.run(command, decide, returns=CashTaken)
        return _standing(self.current(outcome.value.payment_id), outcome)

    def cancel(self, command: CancelPayment) -> Outcome[PaymentStanding]:
        """Give up a payment before capture; an authorisation is released at the gateway."""

        def decide(act: Act) -> Decision[PaymentChanged]:
            payment = payment_of_house(self._store, command.payment_id, command.house_code)
            payment.cancel(command.reason, act)
            changed = [payment, *release_due(self._store, payment, act)]
            return Decision(changed, PaymentChanged(payment.id))

        outcome = self._runner.run(command, decide, returns=PaymentChanged)
        payment = self.current(command.payment_id)
        if payment.through_gateway:
            self._follow_up.release_at_gateway(payment.id)
        return _standing(payment, outcome)

    def request_refund(self, command: RequestRefund) -> Outcome[RefundRequested]:
        """Ask for a refund (partial allowed); a second person approves it."""

        def decide(act: Act) -> Decision[RefundRequested]:
            payment = payment_of_house(self._store, command.payment_id, command.house_code)
            refund_id = payment.next_refund_id()
            payment.request_refund(refund_id, Money(command.amount_millimes), command.reason, act)
            return Decision([payment], RefundRequested(payment.id, refund_id))

        return self._runner.run(command, decide, returns=RefundRequested)

    def approve_refund(self, command: ApproveRefund) -> Outcome[PaymentStanding]:
        """A second person approves: cash is paid back at once, a gateway refund is asked for.

        Cash is handed back from the open till of the person who asked for the refund, with the
        next number of the house's refund documents, in the same save (`NO_OPEN_TILL` without
        one, `NOT_ENOUGH_CASH` when the till does not hold the amount).
        """

        def decide(act: Act) -> Decision[PaymentChanged]:
            payment = payment_of_house(self._store, command.payment_id, command.house_code)
            payment.approve_refund(command.refund_id, act)
            reads = refund_cover(self._store, payment, act)  # as the compliance report judges it
            changed: list[Aggregate] = [payment]
            if not payment.through_gateway:  # cash: handed back now, from the requester's till
                changed = paid_back(self._store, payment, command.refund_id, act)
                if changed:
                    changed += cash_out(self._store, payment, command.refund_id, act)
            return Decision(changed, PaymentChanged(payment.id), reads)

        outcome = self._runner.run(command, decide, returns=PaymentChanged)
        followed = self._follow_up.follow_up(command.payment_id)
        return _standing(self.current(command.payment_id), outcome, followed)

    def settle_payment(self, command: SettlePayment) -> Outcome[PaymentStanding]:
        """Ask the gateway where the payment stands and apply it: the payment as it then stands.

        Its position is the last event recorded on the way (0 when nothing changed).
        """
        position = self._follow_up.settle(command.payment_id, command.house_code)
        payment = self.current(command.payment_id)
        return Outcome(position, PaymentStanding(payment.id, payment.receipt, payment.session_url))

    # --- the gateway's follow-up (kept here for the service's callers) ----------------------------

    def apply_notification(self, notification: Notification) -> int:
        """A checked callback, applied by the gateway's follow-up. The position."""
        return self._follow_up.apply_notification(notification)

    def settle(self, payment_id: UUID, house_code: str | None = None) -> int:
        """Ask the gateway where the payment stands and apply it, through the follow-up."""
        return self._follow_up.settle(payment_id, house_code)

    # --- looking things up ------------------------------------------------------------------------

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
            payment_id=new_id(),
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

    def receipts_issued(self, house_code: str, year: int) -> int:
        """How many receipt numbers the house issued in the year (the last number)."""
        return receipts_issued(self._store, house_code, year)


def _standing(
    payment: Payment, outcome: Outcome[PaymentChanged | CashTaken], followed: int = 0
) -> Outcome[PaymentStanding]:
    """The command's outcome with its payment as it now stands (after the gateway's follow-up)."""
    standing = PaymentStanding(payment.id, payment.receipt, payment.session_url)
    return Outcome(max(followed, outcome.position), standing, outcome.replayed)


def _method(value: str) -> Method:
    try:
        return Method(value)
    except ValueError:
        raise ValidationError("method", "cash, card, e_dinar or d17") from None
