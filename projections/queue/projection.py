"""Projects queue events into today's tickets per house."""

from __future__ import annotations

from typing import Any, ClassVar

from eventsourcing.domain import DomainEventProtocol

from domain.counter.queue import Queue, TicketStatus
from projections.kinds import Kinds
from projections.queue.view import QueueRow, QueueWriter, TicketRow
from projections.rows import changed

TICKET_EVENTS = Kinds(
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
# the statuses as stored (an enum member's `.value` is a property lookup, once per event)
WAITING, CALLED, NO_SHOW = (
    TicketStatus.WAITING.value,
    TicketStatus.CALLED.value,
    TicketStatus.NO_SHOW.value,
)
PARKED, WALKED_AWAY, DONE = (
    TicketStatus.PARKED.value,
    TicketStatus.WALKED_AWAY.value,
    TicketStatus.DONE.value,
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
        if not TICKET_EVENTS.of(event):
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
                        status=WAITING,
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
                writer.put_ticket(changed(old, position=position, **_changes(old, event)))


def _changes(row: TicketRow, event: Any) -> dict[str, object]:  # noqa: ANN401, PLR0911 - one per event
    """The fields of the ticket's row that the event changes (the most frequent events first)."""
    at = event.timestamp
    match event:
        case Queue.TicketCalled() | Queue.TicketResumed():
            return {
                "status": CALLED,
                "counter": event.counter,
                "for_counter": None,
                "first_called_at": row.first_called_at or at,
                "called_at": at,
            }
        case Queue.VisitEnded():
            return {"status": DONE, "ended_at": at}
        case Queue.TicketMarkedNoShow():
            return {"status": NO_SHOW, "counter": None}
        case Queue.TicketParked():
            return {"status": PARKED}
        case Queue.TicketRecycled():
            return {"status": WAITING, "counter": None, "for_counter": None, "waiting_since": at}
        case Queue.TicketTransferredToCounter():
            return {"status": WAITING, "counter": None, "for_counter": event.to_counter}
        case Queue.TicketTransferredOut():
            return {}  # the receiving line's TicketTransferredIn replaces the row
        case Queue.TicketWalkedAway():
            return {"status": WALKED_AWAY, "for_counter": None}
        case _:
            return {}  # a recall changes nothing shown
