"""Finding today's queues of a house: by line, or the one a ticket now waits or is served in."""

from __future__ import annotations

from datetime import datetime

from application.store import EventStore
from domain.counter.queue import Queue, TicketStatus, queue_id
from domain.houses.house import House
from domain.shared.errors import NotFoundError
from domain.shared.time import tunis_day


def todays_queue(store: EventStore, house: House, prefix: str, at: datetime) -> Queue | None:
    """The line's queue for the business day of `at`, if a ticket opened it."""
    return store.find(queue_id(house.id, prefix, tunis_day(at)), Queue)


def queue_holding(store: EventStore, house: House, label: str, at: datetime) -> Queue:
    """Today's queue where the ticket now is (a transfer moves it to another line).

    The line the label was issued on is looked at first: a ticket never transferred is found
    without loading the other lines' queues.
    """
    issued_on = label[:1]
    for prefix in sorted(house.lines, key=lambda p: (p != issued_on, p)):
        queue = todays_queue(store, house, prefix, at)
        ticket = queue.tickets.get(label) if queue else None
        if queue and ticket and ticket.status is not TicketStatus.TRANSFERRED:
            return queue
    raise NotFoundError(f"no ticket {label} today in this house")
