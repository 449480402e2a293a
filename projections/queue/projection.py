"""Projects queue events into today's tickets per house."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, ClassVar

from eventsourcing.domain import DomainEventProtocol

from domain.counter.queue import Queue, TicketStatus
from projections.queue.view import QueueRow, QueueWriter, TicketRow

TICKET_EVENTS = (
    Queue.TicketIssued,
    Queue.TicketCalled,
    Queue.TicketRecalled,
    Queue.TicketMarkedNoShow,
    Queue.TicketParked,
    Queue.TicketResumed,
    Queue.TicketRecycled,
    Queue.TicketTransferredToCounter,
    Queue.TicketTransferredOut,
    Queue.TicketTransferredIn,
    Queue.TicketWalkedAway,
    Queue.VisitEnded,
)


class QueueProjection:
    """Each ticket's current state, line and counter."""

    name = "queue"
    version = 1
    # the aggregates whose events it applies: the runner decodes no other event for it
    subscribes_to: ClassVar[tuple[type, ...]] = (Queue,)

    @property
    def key(self) -> str:
        """Tracking key and table suffix."""
        return f"{self.name}_v{self.version}"

    def apply(self, event: DomainEventProtocol[Any], position: int, writer: QueueWriter) -> None:
        """Queue events change tickets; other events are not ours."""
        if isinstance(event, Queue.Opened):
            writer.add_queue(QueueRow(event.originator_id, event.house_id, event.prefix, event.day))
            return
        if not isinstance(event, TICKET_EVENTS):
            return
        queue = writer.queue(event.originator_id)
        match event:
            case Queue.TicketIssued() | Queue.TicketTransferredIn():
                issued = getattr(event, "issued_at", event.timestamp)
                writer.put_ticket(
                    TicketRow(
                        house_id=queue.house_id,
                        day=queue.day,
                        label=event.label,
                        line=queue.prefix,
                        visit_id=event.visit_id,
                        priority=event.priority,
                        status=TicketStatus.WAITING.value,
                        counter=None,
                        for_counter=None,
                        issued_at=issued,
                        waiting_since=event.timestamp,
                        first_called_at=None,
                        called_at=None,
                        ended_at=None,
                        position=position,
                    )
                )
            case _:
                old = writer.ticket(queue.house_id, queue.day, event.label)
                writer.put_ticket(replace(_changed(old, event), position=position))


def _changed(row: TicketRow, event: Any) -> TicketRow:  # noqa: ANN401, PLR0911 - one per event
    at = event.timestamp
    match event:
        case Queue.TicketCalled() | Queue.TicketResumed():
            return replace(
                row,
                status=TicketStatus.CALLED.value,
                counter=event.counter,
                for_counter=None,
                first_called_at=row.first_called_at or at,
                called_at=at,
            )
        case Queue.TicketMarkedNoShow():
            return replace(row, status=TicketStatus.NO_SHOW.value, counter=None)
        case Queue.TicketParked():
            return replace(row, status=TicketStatus.PARKED.value)
        case Queue.TicketRecycled():
            return replace(
                row,
                status=TicketStatus.WAITING.value,
                counter=None,
                for_counter=None,
                waiting_since=at,
            )
        case Queue.TicketTransferredToCounter():
            return replace(
                row, status=TicketStatus.WAITING.value, counter=None, for_counter=event.to_counter
            )
        case Queue.TicketTransferredOut():
            return row  # the receiving line's TicketTransferredIn replaces the row
        case Queue.TicketWalkedAway():
            return replace(row, status=TicketStatus.WALKED_AWAY.value, for_counter=None)
        case Queue.VisitEnded():
            return replace(row, status=TicketStatus.DONE.value, ended_at=at)
        case _:
            return row  # a recall changes nothing shown
