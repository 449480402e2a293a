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
from projections.deliveries.view import (
    FILE,
    PAYMENT,
    DeliveriesWriter,
    DeliveryRow,
    HousePartnerRow,
    PartnerStatusRow,
    SubjectRow,
)
from projections.rows import changed


def delivery_key(kind: str, subject: object, submission: int) -> str:
    """The item's idempotency key at the partner: a payment once, a file per sending."""
    return f"payment:{subject}" if kind == PAYMENT else f"file:{subject}:{submission}"


class DeliveriesProjection:
    """Partners' reachability, the partners of each house, and what each partner must receive."""

    name = "deliveries"
    version = 1
    subscribes_to: ClassVar[tuple[type, ...]] = (
        Partner,
        PartnerStatusDay,
        GrantRegister,
        Payment,
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
                    )
                )
            case Payment.Captured():
                _sent(writer, event, position, event.amount_millimes)
            case Payment.ConfirmedByPartner():
                writer.confirm(event.originator_id, 1, event.partner_receipt, position)
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


def _sent(
    writer: DeliveriesWriter,
    event: Payment.Captured | CitizenRequest.Forwarded | CitizenRequest.Resubmitted,
    position: int,
    amount: int | None,
) -> None:
    """One more sending of a subject: an item due to its partner."""
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
        )
    )
