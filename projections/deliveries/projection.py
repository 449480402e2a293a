"""Projects partners' statuses and the items due to their systems into the deliveries model."""

from __future__ import annotations

from typing import Any, ClassVar

from eventsourcing.domain import DomainEventProtocol

from domain.catalogue.service import Mode
from domain.counter.request import CitizenRequest
from domain.delegation.register import GrantRegister
from domain.partners.partner import Partner, partner_id
from domain.partners.reachability import PartnerStatusDay, Reachability
from domain.payments.payment import Payment
from domain.payments.remittance import EntryKind, Remittance
from projections.deliveries.view import (
    FILE,
    PAYMENT,
    REFUND,
    DeliveriesWriter,
    DeliveryRow,
    HousePartnerRow,
    PartnerStatusRow,
    RemittanceDayRow,
    SubjectRow,
)
from projections.rows import changed


def delivery_key(kind: str, subject: object, submission: int) -> str:
    """The item's idempotency key at the partner: a payment once, a file per sending."""
    return f"payment:{subject}" if kind == PAYMENT else f"file:{subject}:{submission}"


def refund_key(payment: object, refund_id: str) -> str:
    """A refund's idempotency key at the partner: once per refund of a payment."""
    return f"refund:{payment}:{refund_id}"


class DeliveriesProjection:
    """Partners' reachability, the partners of each house, and what each partner must receive."""

    name = "deliveries"
    version = 2  # 2: refunds, each item's reference and remittance day
    subscribes_to: ClassVar[tuple[type, ...]] = (
        Partner,
        PartnerStatusDay,
        GrantRegister,
        Payment,
        Remittance,
        CitizenRequest,
    )

    @property
    def key(self) -> str:
        """Tracking key and table suffix."""
        return f"{self.name}_v{self.version}"

    def apply(
        self, event: DomainEventProtocol[Any], position: int, writer: DeliveriesWriter
    ) -> None:
        """Statuses, house partners, and each item from due to confirmed."""
        match event:
            case Partner.Registered():
                _registered(event, position, writer)
            case PartnerStatusDay.Reported():
                _reported(event, position, writer)
            case GrantRegister.Opened():
                writer.put_house_partner(
                    HousePartnerRow(event.house_id, event.partner_id, position)
                )
            case Payment.Initiated():
                writer.put_subject(
                    SubjectRow(
                        event.originator_id,
                        PAYMENT,
                        event.partner_code,
                        event.house_id,
                        event.service_code,
                        event.amount_millimes,
                        0,
                        house_code=event.house_code,
                    )
                )
            case (
                Payment.Captured()
                | Remittance.Opened()
                | Remittance.Entered()
                | Payment.ConfirmedByPartner()
                | Payment.RefundConfirmedByPartner()
            ):
                _money(event, position, writer)
            case CitizenRequest.Lodged() if event.mode == Mode.FORWARDED.value:
                writer.put_subject(
                    SubjectRow(
                        event.originator_id,
                        FILE,
                        event.partner_code,
                        event.house_id,
                        event.service_code,
                        None,
                        0,
                    )
                )
            case CitizenRequest.Forwarded() | CitizenRequest.Resubmitted():
                _sent(writer, event, position, None)
            case CitizenRequest.DeliveryConfirmed():
                writer.confirm(
                    event.originator_id, event.submission, event.partner_receipt, position
                )
            case _:
                pass


def _registered(event: Partner.Registered, position: int, writer: DeliveriesWriter) -> None:
    """A partner is assumed reachable until someone reports otherwise."""
    writer.put_status(
        PartnerStatusRow(
            partner_id=event.originator_id,
            partner_code=event.code,
            reachable=True,
            since=event.timestamp,
            reported_at=None,
            reported_by=None,
            note=None,
            house_id=None,
            position=position,
        )
    )


def _reported(event: PartnerStatusDay.Reported, position: int, writer: DeliveriesWriter) -> None:
    """The last report wins; `since` moves only when the status changes."""
    reachable = Reachability(event.status) is Reachability.REACHABLE
    old = writer.status(event.partner_code)
    since = old.since if old is not None and old.reachable == reachable else event.timestamp
    writer.put_status(
        PartnerStatusRow(
            partner_id=partner_id(event.partner_code),
            partner_code=event.partner_code,
            reachable=reachable,
            since=since,
            reported_at=event.timestamp,
            reported_by=event.actor,
            note=event.note,
            house_id=event.house_id,
            position=position,
        )
    )


def _money(
    event: Payment.Captured
    | Remittance.Opened
    | Remittance.Entered
    | Payment.ConfirmedByPartner
    | Payment.RefundConfirmedByPartner,
    position: int,
    writer: DeliveriesWriter,
) -> None:
    """Captures and refunds, from their entry in a remittance to the partner's confirmation."""
    match event:
        case Payment.Captured():
            _captured(event, writer)
        case Remittance.Opened():
            writer.put_remittance_day(RemittanceDayRow(event.originator_id, event.business_date))
        case Remittance.Entered():
            _entered(event, position, writer)
        case Payment.ConfirmedByPartner():
            writer.confirm(event.originator_id, 1, event.partner_receipt, position)
        case Payment.RefundConfirmedByPartner():
            key = refund_key(event.originator_id, event.refund_id)
            writer.confirm_key(key, event.partner_receipt, position)


def _captured(event: Payment.Captured, writer: DeliveriesWriter) -> None:
    """The payment's receipt, for its items (due once entered in a remittance)."""
    subject = writer.subject(event.originator_id)
    if subject is not None:
        writer.put_subject(
            changed(subject, receipt=event.receipt, amount_millimes=event.amount_millimes)
        )


def _entered(event: Remittance.Entered, position: int, writer: DeliveriesWriter) -> None:
    """A capture or refund entered in its remittance (saved with it): an item due to the partner.

    The item carries Dar's reference (the receipt; a refund's `RECEIPT/REFUND_ID`) and the day of
    the remittance it went into (the next day's, for an entry carried in after a close), so the
    partner states it as Dar's remittance counts it.
    """
    subject = writer.subject(event.payment_id)
    if subject is None or subject.kind != PAYMENT:
        return  # a payment this model never saw begin
    refund = event.kind == EntryKind.REFUND.value
    refund_id = event.reference.rpartition("/")[2] if refund else None
    day = writer.remittance_day(event.originator_id) or event.recorded_on
    writer.add_delivery(
        DeliveryRow(
            key=(
                refund_key(subject.subject_id, refund_id)
                if refund_id is not None
                else delivery_key(PAYMENT, subject.subject_id, 1)
            ),
            kind=REFUND if refund else PAYMENT,
            subject_id=subject.subject_id,
            submission=1,
            partner_code=subject.partner_code,
            house_id=subject.house_id,
            service_code=subject.service_code,
            amount_millimes=event.amount_millimes,
            taken_at=event.timestamp,
            position=position,
            confirmed_position=None,
            partner_receipt=None,
            reference=event.reference,
            house_code=subject.house_code,
            refund_id=refund_id,
            remittance_date=day,
        )
    )


def _sent(
    writer: DeliveriesWriter,
    event: CitizenRequest.Forwarded | CitizenRequest.Resubmitted,
    position: int,
    amount: int | None,
) -> None:
    """One more sending of a file: an item due to its partner."""
    subject = writer.subject(event.originator_id)
    if subject is None:
        return  # an immediate request, or a subject this model never saw begin
    sent = subject.sent + 1
    writer.put_subject(changed(subject, sent=sent))
    writer.add_delivery(
        DeliveryRow(
            key=delivery_key(subject.kind, subject.subject_id, sent),
            kind=subject.kind,
            subject_id=subject.subject_id,
            submission=sent,
            partner_code=subject.partner_code,
            house_id=subject.house_id,
            service_code=subject.service_code,
            amount_millimes=amount if amount is not None else subject.amount_millimes,
            taken_at=event.timestamp,
            position=position,
            confirmed_position=None,
            partner_receipt=None,
            reference=None,
            house_code=None,
            refund_id=None,
            remittance_date=None,
        )
    )
