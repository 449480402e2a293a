"""Rows of the queue read model and the ports that write and read them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from uuid import UUID


@dataclass(frozen=True)
class QueueRow:
    """A line's queue for a day."""

    queue_id: UUID
    house_id: UUID
    prefix: str
    day: date


@dataclass(frozen=True)
class TicketRow:
    """A ticket as the counter dashboard shows it (`line` is where it waits now)."""

    house_id: UUID
    day: date
    label: str
    line: str
    visit_id: UUID
    priority: str | None
    status: str
    counter: int | None
    for_counter: int | None
    issued_at: datetime
    waiting_since: datetime
    first_called_at: datetime | None
    called_at: datetime | None
    ended_at: datetime | None
    position: int


class QueueWriter(Protocol):
    """Writes the queue tables inside the runner's transaction."""

    def add_queue(self, row: QueueRow) -> None:
        """A line's queue opened for the day."""
        ...

    def queue(self, queue_id: UUID) -> QueueRow:
        """A queue opened earlier."""
        ...

    def put_ticket(self, row: TicketRow) -> None:
        """Insert or replace a ticket."""
        ...

    def ticket(self, house_id: UUID, day: date, label: str) -> TicketRow:
        """A ticket written earlier."""
        ...


class QueueReader(Protocol):
    """Reads the queue tables."""

    def tickets(self, house_id: UUID, day: date) -> list[TicketRow]:
        """Every ticket of the house that day, by label."""
        ...

    def called(self, house_id: UUID, day: date, limit: int) -> list[TicketRow]:
        """At most `limit` tickets of the house that day called to a counter, last called first."""
        ...
