"""A payment collected at a house for a partner, from initiation to receipt and refunds.

Cash is taken at the counter: initiated and captured in one act, with its receipt. A card, e-Dinar
or D17 payment goes through a gateway: a hosted session is opened, the gateway reports the
authorisation, Dar asks for the capture (recorded *before* the gateway is called, so that a
cancellation cannot slip between the two) and the capture, once confirmed, gets the receipt.

What the gateway reports (a callback or a status query) moves the payment forward only; a report
that changes nothing records nothing, and each gateway event is applied at most once.

Refunds: requested with a reason, approved by a second person, then paid back (at once in cash,
through the gateway otherwise). Requested and paid-back refunds together never exceed what was
captured.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import date
from enum import StrEnum
from uuid import UUID

from domain.counter.request import Reliance
from domain.shared.acts import Act, DarAggregate
from domain.shared.errors import (
    DarError,
    InvalidTransitionError,
    UnchangedError,
    ValidationError,
)
from domain.shared.money import Money
from domain.shared.time import tunis_day

MAX_REASON = 500
MAX_PARTNER_RECEIPT = 60


class Method(StrEnum):
    """How the citizen pays."""

    CASH = "cash"
    CARD = "card"
    E_DINAR = "e_dinar"
    D17 = "d17"


class PaymentStatus(StrEnum):
    """Where a payment stands."""

    INITIATED = "initiated"
    AUTHORISED = "authorised"
    CAPTURE_REQUESTED = "capture_requested"
    CAPTURED = "captured"
    FAILED = "failed"
    CANCELLED = "cancelled"


PENDING = frozenset(
    {PaymentStatus.INITIATED, PaymentStatus.AUTHORISED, PaymentStatus.CAPTURE_REQUESTED}
)
ENDED = frozenset({PaymentStatus.FAILED, PaymentStatus.CANCELLED})


class Reported(StrEnum):
    """What a gateway says of a payment (in a callback or a status answer)."""

    OPEN = "open"  # session opened, nothing paid yet
    AUTHORISED = "authorised"
    CAPTURED = "captured"
    DECLINED = "declined"
    REVERSED = "reversed"  # the authorisation was released without capture
    UNKNOWN = "unknown"  # the gateway never heard of it


class PaymentStateError(InvalidTransitionError):
    """The payment is not in a state that allows this step."""


class RefundExceedsCapturedError(DarError):
    """The refunds asked for would exceed what was captured."""

    code = "REFUND_EXCEEDS_CAPTURED"


class SameApproverError(DarError):
    """A refund is approved by a second person, never by the one who requested it."""

    code = "SAME_APPROVER"


@dataclass(frozen=True)
class Refund:
    """One refund of a captured payment."""

    refund_id: str
    amount: Money
    reason: str
    requested_by: str
    approved_by: str | None = None
    paid: bool = False


@dataclass(frozen=True)
class Origin:
    """What a payment is for, and what it relied on (as a lodged request does)."""

    request_id: UUID
    house_id: UUID
    house_code: str
    citizen_id: UUID
    partner_code: str
    service_code: str
    bill_reference: str | None
    reliance: Reliance


class Payment(DarAggregate):
    """One payment for one request."""

    class Initiated(DarAggregate.Created):
        request_id: UUID
        house_id: UUID
        house_code: str
        citizen_id: UUID
        partner_code: str
        service_code: str
        bill_reference: str | None
        method: str
        amount_millimes: int
        grant_id: UUID
        grant_version: int
        agent_id: UUID
        agent_version: int
        mandate_id: UUID | None
        mandate_version: int | None

    class SessionOpened(DarAggregate.Event):
        session_id: str
        url: str

        def apply(self, aggregate: Payment) -> None:
            """The gateway's hosted page where the citizen pays."""
            aggregate.session_id = self.session_id
            aggregate.session_url = self.url

    class Authorised(DarAggregate.Event):
        amount_millimes: int
        gateway_event: str | None

        def apply(self, aggregate: Payment) -> None:
            """The citizen's bank reserved the amount."""
            aggregate.status = PaymentStatus.AUTHORISED
            aggregate.authorised = Money(self.amount_millimes)
            aggregate.seen(self.gateway_event)

    class CaptureRequested(DarAggregate.Event):
        def apply(self, aggregate: Payment) -> None:
            """Dar asks the gateway to take the money; nothing can cancel the payment now."""
            aggregate.status = PaymentStatus.CAPTURE_REQUESTED

    class Captured(DarAggregate.Event):
        amount_millimes: int
        gateway_event: str | None
        receipt: str
        business_date: date

        def apply(self, aggregate: Payment) -> None:
            """The money is taken; the receipt is issued."""
            aggregate.status = PaymentStatus.CAPTURED
            aggregate.captured = Money(self.amount_millimes)
            aggregate.authorised = max(aggregate.authorised, aggregate.captured)
            aggregate.receipt = self.receipt
            aggregate.business_date = self.business_date
            aggregate.seen(self.gateway_event)

    class Failed(DarAggregate.Event):
        reason: str
        gateway_event: str | None

        def apply(self, aggregate: Payment) -> None:
            """Declined, expired or released by the gateway: no money was taken."""
            aggregate.status = PaymentStatus.FAILED
            aggregate.note = self.reason
            aggregate.seen(self.gateway_event)

    class Cancelled(DarAggregate.Event):
        reason: str

        def apply(self, aggregate: Payment) -> None:
            """Given up before capture (an authorisation is then released at the gateway)."""
            aggregate.status = PaymentStatus.CANCELLED
            aggregate.note = self.reason

    class RefundRequested(DarAggregate.Event):
        refund_id: str
        amount_millimes: int
        reason: str

        def apply(self, aggregate: Payment) -> None:
            """A refund asked for, waiting for a second person's approval."""
            aggregate.refunds[self.refund_id] = Refund(
                self.refund_id, Money(self.amount_millimes), self.reason, self.actor
            )

    class RefundApproved(DarAggregate.Event):
        refund_id: str

        def apply(self, aggregate: Payment) -> None:
            """Approved by a second person: to be paid back."""
            refund = aggregate.refunds[self.refund_id]
            aggregate.refunds[self.refund_id] = replace(refund, approved_by=self.actor)

    class Refunded(DarAggregate.Event):
        refund_id: str
        gateway_event: str | None
        business_date: date

        def apply(self, aggregate: Payment) -> None:
            """Paid back to the citizen."""
            refund = aggregate.refunds[self.refund_id]
            aggregate.refunds[self.refund_id] = replace(refund, paid=True)
            aggregate.seen(self.gateway_event)

    class ConfirmedByPartner(DarAggregate.Event):
        partner_receipt: str

        def apply(self, aggregate: Payment) -> None:
            """The partner's system has the payment, under its own receipt."""
            aggregate.partner_receipt = self.partner_receipt

    class RefundConfirmedByPartner(DarAggregate.Event):
        refund_id: str
        partner_receipt: str

        def apply(self, aggregate: Payment) -> None:
            """The partner's system has the refund paid back, under its own receipt."""
            aggregate.refund_receipts[self.refund_id] = self.partner_receipt

    def __init__(  # noqa: PLR0913, PLR0917 - the created event's fields
        self,
        request_id: UUID,
        house_id: UUID,
        house_code: str,
        citizen_id: UUID,
        partner_code: str,
        service_code: str,
        bill_reference: str | None,
        method: str,
        amount_millimes: int,
        grant_id: UUID,
        grant_version: int,
        agent_id: UUID,
        agent_version: int,
        mandate_id: UUID | None,
        mandate_version: int | None,
    ) -> None:
        self.origin = Origin(
            request_id,
            house_id,
            house_code,
            citizen_id,
            partner_code,
            service_code,
            bill_reference,
            Reliance(grant_id, grant_version, agent_id, agent_version, mandate_id, mandate_version),
        )
        self.method = Method(method)
        self.amount = Money(amount_millimes)
        self.status = PaymentStatus.INITIATED
        self.authorised = Money.zero()
        self.captured = Money.zero()
        self.refunds: dict[str, Refund] = {}
        self.receipt: str | None = None
        self.business_date: date | None = None
        self.session_id: str | None = None
        self.session_url: str | None = None
        self.note: str | None = None
        self.gateway_events: set[str] = set()
        self.partner_receipt: str | None = None
        self.refund_receipts: dict[str, str] = {}  # refund id: the partner's receipt

    @classmethod
    def initiate(
        cls, *, payment_id: UUID, origin: Origin, method: Method, amount: Money, act: Act
    ) -> Payment:
        """A payment of `amount` by `method` for the request the origin names."""
        if amount.millimes <= 0:
            raise ValidationError("amount", "a payment is of more than zero")
        return cls._create(
            cls.Initiated,
            id=payment_id,
            timestamp=act.at,
            actor=act.actor,
            command_id=act.command_id,
            request_id=origin.request_id,
            house_id=origin.house_id,
            house_code=origin.house_code,
            citizen_id=origin.citizen_id,
            partner_code=origin.partner_code,
            service_code=origin.service_code,
            bill_reference=origin.bill_reference,
            method=method.value,
            amount_millimes=amount.millimes,
            **asdict(origin.reliance),
        )

    # --- reading ---------------------------------------------------------------------------------

    def seen(self, gateway_event: str | None) -> None:
        """Remember a gateway event as applied."""
        if gateway_event is not None:
            self.gateway_events.add(gateway_event)

    @property
    def through_gateway(self) -> bool:
        """Card, e-Dinar and D17 go through a gateway; cash does not."""
        return self.method is not Method.CASH

    @property
    def pending(self) -> bool:
        """Neither captured nor ended."""
        return self.status in PENDING

    @property
    def refunded(self) -> Money:
        """What was paid back."""
        return Money(sum(r.amount.millimes for r in self.refunds.values() if r.paid))

    @property
    def committed_refunds(self) -> Money:
        """What is asked for, approved or paid back: never above what was captured."""
        return Money(sum(r.amount.millimes for r in self.refunds.values()))

    def next_refund_id(self) -> str:
        """Refunds of a payment are numbered R1, R2…; two racing requests clash on the version."""
        return f"R{len(self.refunds) + 1}"

    def refunds_to_pay(self) -> list[Refund]:
        """Approved refunds not yet paid back."""
        return [r for r in self.refunds.values() if r.approved_by and not r.paid]

    # --- the counter's and the gateway's steps ---------------------------------------------------

    def open_session(self, session_id: str, url: str, act: Act) -> bool:
        """The gateway's hosted page for this payment (a new one replaces a page it forgot).

        False when nothing changes: that page is known already, or the payment moved on.
        """
        if self.session_id == session_id or self.status is not PaymentStatus.INITIATED:
            return False
        self._record(self.SessionOpened, act, session_id=session_id, url=url)
        return True

    def take_cash(self, receipt: str, act: Act) -> None:
        """Cash handed over at the counter: captured at once."""
        if self.method is not Method.CASH or self.status is not PaymentStatus.INITIATED:
            raise PaymentStateError("only a new cash payment is taken at the counter")
        self._capture(self.amount, None, receipt, act)

    def apply_report(self, reported: Reported, gateway_event: str | None, act: Act) -> bool:
        """Move forward to what the gateway reports; False when it changes nothing.

        A capture is confirmed here only once Dar asked for it (`request_capture`); the receipt
        comes with `confirm_capture`, which the application calls with the next number.
        """
        if gateway_event is not None and gateway_event in self.gateway_events:
            return False
        if reported is Reported.AUTHORISED and self.status is PaymentStatus.INITIATED:
            self._record(
                self.Authorised,
                act,
                amount_millimes=self.amount.millimes,
                gateway_event=gateway_event,
            )
            return True
        if reported in {Reported.DECLINED, Reported.REVERSED} and self.status in {
            PaymentStatus.INITIATED,
            PaymentStatus.AUTHORISED,
        }:
            reason = "declined by the gateway" if reported is Reported.DECLINED else "released"
            self._record(self.Failed, act, reason=reason, gateway_event=gateway_event)
            return True
        return False

    def request_capture(self, act: Act) -> None:
        """Ask for the money of an authorised payment; from now on it cannot be cancelled."""
        if self.status is not PaymentStatus.AUTHORISED:
            raise PaymentStateError(f"a {self.status.value} payment is not captured")
        self._record(self.CaptureRequested, act)

    def confirm_capture(self, receipt: str, gateway_event: str | None, act: Act) -> None:
        """The gateway took the money Dar asked for: the receipt is issued."""
        if self.status is not PaymentStatus.CAPTURE_REQUESTED:
            raise PaymentStateError(f"a {self.status.value} payment has no capture to confirm")
        self._capture(self.amount, gateway_event, receipt, act)

    def capture_after_end(self, receipt: str, gateway_event: str | None, act: Act) -> None:
        """The gateway took the money of a payment Dar had cancelled or failed.

        The money is with the house: the payment is captured with its receipt, and the gateway
        actor asks for its full refund — a person approves (or declines to, keeping the payment).
        """
        if self.status not in {PaymentStatus.CANCELLED, PaymentStatus.FAILED}:
            raise PaymentStateError(f"a {self.status.value} payment did not end")
        self._capture(self.amount, gateway_event, receipt, act)
        self.request_refund(
            self.next_refund_id(), self.amount, "taken by the gateway after the payment ended", act
        )

    def fail_capture(self, gateway_event: str | None, act: Act) -> None:
        """The gateway refused the capture (the authorisation lapsed): no money was taken."""
        if self.status is not PaymentStatus.CAPTURE_REQUESTED:
            raise PaymentStateError(f"a {self.status.value} payment has no capture to refuse")
        self._record(
            self.Failed, act, reason="the capture was refused", gateway_event=gateway_event
        )

    def cancel(self, reason: str, act: Act) -> None:
        """Give up a payment before its capture is asked for."""
        if self.status not in {PaymentStatus.INITIATED, PaymentStatus.AUTHORISED}:
            raise PaymentStateError(f"a {self.status.value} payment cannot be cancelled")
        self._record(self.Cancelled, act, reason=_reason(reason))

    def request_refund(self, refund_id: str, amount: Money, reason: str, act: Act) -> None:
        """Ask to pay back part or all of a captured payment."""
        if self.status is not PaymentStatus.CAPTURED:
            raise PaymentStateError(f"a {self.status.value} payment has nothing to refund")
        if amount.millimes <= 0:
            raise ValidationError("amount", "a refund is of more than zero")
        if refund_id in self.refunds:
            raise PaymentStateError("this refund was already requested")
        available = self.captured - self.committed_refunds
        if available < amount:
            raise RefundExceedsCapturedError(f"at most {available} TND can still be refunded")
        self._record(
            self.RefundRequested,
            act,
            refund_id=refund_id,
            amount_millimes=amount.millimes,
            reason=_reason(reason),
        )

    def approve_refund(self, refund_id: str, act: Act) -> Refund:
        """A second person approves the refund."""
        refund = self._refund(refund_id)
        if refund.approved_by is not None:
            raise PaymentStateError("this refund is already approved")
        if _person(refund.requested_by) == _person(act.actor):
            raise SameApproverError("the refund must be approved by someone else")
        self._record(self.RefundApproved, act, refund_id=refund_id)
        return self.refunds[refund_id]

    def pay_back(self, refund_id: str, gateway_event: str | None, act: Act) -> bool:
        """The approved refund was paid back (cash at the counter, or the gateway confirms)."""
        refund = self._refund(refund_id)
        if refund.paid or (gateway_event is not None and gateway_event in self.gateway_events):
            return False
        if refund.approved_by is None:
            raise PaymentStateError("a refund is paid back only once approved")
        self._record(
            self.Refunded,
            act,
            refund_id=refund_id,
            gateway_event=gateway_event,
            business_date=tunis_day(act.at),
        )
        return True

    def confirm_by_partner(self, partner_receipt: str, act: Act) -> None:
        """The partner's system acknowledged the captured payment: recorded once."""
        if self.status is not PaymentStatus.CAPTURED:
            raise PaymentStateError(f"a {self.status.value} payment is not sent to the partner")
        if self.partner_receipt is not None:
            raise UnchangedError("the partner has already confirmed this payment")
        receipt = partner_receipt.strip()
        if not receipt or len(receipt) > MAX_PARTNER_RECEIPT:
            raise ValidationError(
                "partnerReceipt", f"must be 1 to {MAX_PARTNER_RECEIPT} characters"
            )
        self._record(self.ConfirmedByPartner, act, partner_receipt=receipt)

    def confirm_refund_by_partner(self, refund_id: str, partner_receipt: str, act: Act) -> None:
        """The partner's system acknowledged a refund paid back: recorded once per refund."""
        if not self._refund(refund_id).paid:
            raise PaymentStateError("a refund not paid back is not sent to the partner")
        if refund_id in self.refund_receipts:
            raise UnchangedError("the partner has already confirmed this refund")
        receipt = partner_receipt.strip()
        if not receipt or len(receipt) > MAX_PARTNER_RECEIPT:
            raise ValidationError(
                "partnerReceipt", f"must be 1 to {MAX_PARTNER_RECEIPT} characters"
            )
        self._record(
            self.RefundConfirmedByPartner, act, refund_id=refund_id, partner_receipt=receipt
        )

    def _refund(self, refund_id: str) -> Refund:
        refund = self.refunds.get(refund_id)
        if refund is None:
            raise PaymentStateError("no such refund of this payment")
        return refund

    def _capture(self, amount: Money, gateway_event: str | None, receipt: str, act: Act) -> None:
        self._record(
            self.Captured,
            act,
            amount_millimes=amount.millimes,
            gateway_event=gateway_event,
            receipt=receipt,
            business_date=tunis_day(act.at),
        )


def _person(actor: str) -> str:
    """Who acted, whatever role they acted in: `agent:A17` and `supervisor:A17` are one person."""
    return actor.partition(":")[2] or actor


def _reason(reason: str) -> str:
    text = reason.strip()
    if not text or len(text) > MAX_REASON:
        raise ValidationError("reason", f"must be 1 to {MAX_REASON} characters")
    return text
