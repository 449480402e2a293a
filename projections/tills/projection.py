"""Projects tills — opened, cash in and out, closed, reviewed — into the tills read model."""

from __future__ import annotations

from typing import Any, ClassVar

from eventsourcing.domain import DomainEventProtocol

from domain.payments.till import Till, TillStatus
from domain.shared.money import Money
from domain.shared.time import tunis_day
from projections.rows import changed
from projections.tills.view import CashMovementRow, TillRow, TillsWriter


class TillsProjection:
    """Each till's float, cash in and out, expected cash, count and review."""

    name = "tills"
    version = 1
    subscribes_to: ClassVar[tuple[type, ...]] = (Till,)

    @property
    def key(self) -> str:
        """Tracking key and table suffix."""
        return f"{self.name}_v{self.version}"

    def apply(self, event: DomainEventProtocol[Any], position: int, writer: TillsWriter) -> None:
        """Tills are ours."""
        match event:
            case Till.Opened():
                writer.put(_opened(event, position))
            case Till.CashTaken():
                till = writer.get(event.originator_id)
                writer.put(_moved(till, event.amount_millimes, 0, position))
                writer.put_movement(_movement(till, event, event.receipt, "in", None, position))
            case Till.CashPaidOut():
                till = writer.get(event.originator_id)
                writer.put(_moved(till, 0, event.amount_millimes, position))
                movement = _movement(till, event, event.document, "out", event.refund_id, position)
                writer.put_movement(movement)
            case Till.Closed():
                till = writer.get(event.originator_id)
                writer.put(_closed(till, event, position))
            case Till.DiscrepancyReviewed():
                till = writer.get(event.originator_id)
                writer.put(
                    changed(
                        till,
                        status=TillStatus.REVIEWED.value,
                        reviewed_at=event.timestamp,
                        reviewed_by=event.actor,
                        review_note=event.note,
                        position=position,
                    )
                )
            case _:
                pass


def _opened(event: Till.Opened, position: int) -> TillRow:
    return TillRow(
        till_id=event.originator_id,
        house_id=event.house_id,
        house_code=event.house_code,
        employee_number=event.employee_number,
        business_date=event.business_date,
        shift=event.shift,
        status=TillStatus.OPEN.value,
        float_millimes=event.float_millimes,
        cash_in_millimes=0,
        cash_out_millimes=0,
        expected_millimes=event.float_millimes,
        payments=0,
        refunds=0,
        counted_millimes=None,
        discrepancy_millimes=None,
        count=None,
        reason=None,
        opened_at=event.timestamp,
        closed_at=None,
        closed_by=None,
        reviewed_at=None,
        reviewed_by=None,
        review_note=None,
        position=position,
    )


def _moved(till: TillRow, cash_in: int, cash_out: int, position: int) -> TillRow:
    return changed(
        till,
        cash_in_millimes=till.cash_in_millimes + cash_in,
        cash_out_millimes=till.cash_out_millimes + cash_out,
        expected_millimes=till.expected_millimes + cash_in - cash_out,
        payments=till.payments + (1 if cash_in else 0),
        refunds=till.refunds + (1 if cash_out else 0),
        position=position,
    )


def _movement(  # noqa: PLR0913, PLR0917 - one movement's facts
    till: TillRow,
    event: Till.CashTaken | Till.CashPaidOut,
    number: str,
    direction: str,
    refund_id: str | None,
    position: int,
) -> CashMovementRow:
    return CashMovementRow(
        till_id=till.till_id,
        house_id=till.house_id,
        number=number,
        direction=direction,
        payment_id=event.payment_id,
        refund_id=refund_id,
        amount_millimes=event.amount_millimes,
        at=event.timestamp,
        business_date=tunis_day(event.timestamp),
        position=position,
    )


def _closed(till: TillRow, event: Till.Closed, position: int) -> TillRow:
    pieces = zip(event.denominations, event.pieces, strict=True)
    count = " ".join(f"{Money(value)}x{number}" for value, number in pieces)
    return changed(
        till,
        status=TillStatus.CLOSED.value,
        counted_millimes=event.counted_millimes,
        expected_millimes=event.expected_millimes,
        discrepancy_millimes=event.discrepancy_millimes,
        count=count,
        reason=event.reason,
        closed_at=event.timestamp,
        closed_by=event.actor,
        position=position,
    )
