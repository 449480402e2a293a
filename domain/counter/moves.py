"""Moves that change a queue and a desk together, so a counter serves one ticket at a time."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from uuid import UUID

from domain.counter.desk import Desk
from domain.counter.queue import Queue, QueueEmptyError, Ticket, TicketStatus
from domain.shared.acts import Act

# The steps that end the counter's service of a called ticket.
RELEASING = ("no_show", "park", "recycle", "transfer_to_counter", "end_visit")


def call_next(
    queues: Sequence[Queue], desk: Desk, agent_id: UUID, act: Act
) -> tuple[Queue, Ticket]:
    """Call, at the desk's counter, the next ticket across these lines."""
    candidates = [(q, t) for q in queues if (t := q.next_for(desk.counter)) is not None]
    if not candidates:
        raise QueueEmptyError(f"no ticket is waiting for counter {desk.counter}")
    queue, ticket = min(candidates, key=lambda c: c[1].order())
    desk.take(queue.id, ticket.label, act)
    queue.call_ticket(ticket.label, desk.counter, agent_id, act)
    return queue, ticket


def resume(queue: Queue, label: str, desk: Desk, agent_id: UUID, act: Act) -> None:
    """Take a parked ticket up again at the desk's counter."""
    queue.resume(label, desk.counter, agent_id, act)
    desk.take(queue.id, label, act)


def release(queue: Queue, label: str, desk: Desk, act: Act, step: Callable[[], None]) -> None:
    """Run a step that ends the service of a ticket called at this desk, and free the desk."""
    ticket = queue.ticket(label)
    if ticket.status is TicketStatus.CALLED:
        desk.release(queue.id, label, act)
    step()
