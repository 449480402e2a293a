"""Projects payments' lives, and their refunds, into the payments read model."""

from __future__ import annotations

from typing import Any, ClassVar

from eventsourcing.domain import DomainEventProtocol

from domain.payments.payment import Payment, PaymentStatus
from projections.kinds import Kinds
from projections.payments.view import PaymentRow, PaymentsWriter, RefundRow, RefundStatus
from projections.rows import changed

CHANGES = Kinds(
    Payment.SessionOpened,
    Payment.Authorised,
    Payment.CaptureRequested,
    Payment.Captured,
    Payment.Failed,
    Payment.Cancelled,
)


class PaymentsProjection:
    """Each payment's current state and sums; each refund; the day's collections from both."""

    name = "payments"
    version = 1
    # the aggregates whose events it applies: the runner decodes no other event for it
    subscribes_to: ClassVar[tuple[type, ...]] = (Payment,)

    @property
    def key(self) -> str:
        """Tracking key and table suffix."""
        return f"{self.name}_v{self.version}"

    def apply(self, event: DomainEventProtocol[Any], position: int, writer: PaymentsWriter) -> None:
        """Payments are ours."""
        match event:
            case Payment.Initiated():
                writer.put(_initiated(event, position))
            case _ if CHANGES.of(event):
                old = writer.get(event.originator_id)
                writer.put(
                    changed(old, updated_at=event.timestamp, position=position, **_changes(event))
                )
            case Payment.RefundRequested():
                _refund_requested(event, position, writer)
            case Payment.RefundApproved():
                refund = writer.refund(event.originator_id, event.refund_id)
                writer.put_refund(
                    changed(
                        refund,
                        status=RefundStatus.APPROVED.value,
                        approved_by=event.actor,
                        position=position,
                    )
                )
                _touch(writer, event, position)
            case Payment.Refunded():
                _refunded(event, position, writer)
            case _:
                pass


def _initiated(event: Payment.Initiated, position: int) -> PaymentRow:
    return PaymentRow(
        payment_id=event.originator_id,
        request_id=event.request_id,
        house_id=event.house_id,
        house_code=event.house_code,
        partner_code=event.partner_code,
        service_code=event.service_code,
        method=event.method,
        amount_millimes=event.amount_millimes,
        status=PaymentStatus.INITIATED.value,
        captured_millimes=0,
        refunded_millimes=0,
        refunds_pending_millimes=0,
        receipt=None,
        bill_reference=event.bill_reference,
        initiated_at=event.timestamp,
        captured_at=None,
        business_date=None,
        note=None,
        updated_at=event.timestamp,
        initiated_position=position,
        position=position,
    )


def _changes(event: Any) -> dict[str, object]:  # noqa: ANN401 - one case per event
    """The fields of the payment's row that the event changes."""
    match event:
        case Payment.Authorised():
            return {"status": PaymentStatus.AUTHORISED.value}
        case Payment.CaptureRequested():
            return {"status": PaymentStatus.CAPTURE_REQUESTED.value}
        case Payment.Captured():
            return {
                "status": PaymentStatus.CAPTURED.value,
                "captured_millimes": event.amount_millimes,
                "receipt": event.receipt,
                "captured_at": event.timestamp,
                "business_date": event.business_date,
            }
        case Payment.Failed():
            return {"status": PaymentStatus.FAILED.value, "note": event.reason}
        case Payment.Cancelled():
            return {"status": PaymentStatus.CANCELLED.value, "note": event.reason}
        case _:  # SessionOpened: nothing listed changes but the time of the last change
            return {}


def _refund_requested(
    event: Payment.RefundRequested, position: int, writer: PaymentsWriter
) -> None:
    payment = writer.get(event.originator_id)
    writer.put_refund(
        RefundRow(
            payment_id=payment.payment_id,
            refund_id=event.refund_id,
            house_id=payment.house_id,
            partner_code=payment.partner_code,
            method=payment.method,
            amount_millimes=event.amount_millimes,
            status=RefundStatus.REQUESTED.value,
            requested_by=event.actor,
            approved_by=None,
            business_date=None,
            position=position,
        )
    )
    writer.put(
        changed(
            payment,
            refunds_pending_millimes=payment.refunds_pending_millimes + event.amount_millimes,
            updated_at=event.timestamp,
            position=position,
        )
    )


def _refunded(event: Payment.Refunded, position: int, writer: PaymentsWriter) -> None:
    refund = writer.refund(event.originator_id, event.refund_id)
    writer.put_refund(
        changed(
            refund,
            status=RefundStatus.PAID.value,
            business_date=event.business_date,
            position=position,
        )
    )
    payment = writer.get(event.originator_id)
    writer.put(
        changed(
            payment,
            refunded_millimes=payment.refunded_millimes + refund.amount_millimes,
            refunds_pending_millimes=payment.refunds_pending_millimes - refund.amount_millimes,
            updated_at=event.timestamp,
            position=position,
        )
    )


def _touch(writer: PaymentsWriter, event: Payment.RefundApproved, position: int) -> None:
    """The payment changed (a refund of it was approved); its sums did not."""
    payment = writer.get(event.originator_id)
    writer.put(changed(payment, updated_at=event.timestamp, position=position))
