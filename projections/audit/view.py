"""Rows of the audit index and the ports that write and read them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from uuid import UUID


@dataclass(frozen=True)
class JournalRow:
    """An event's place in the log and what auditors filter it by (no payload, no personal data)."""

    position: int
    originator_id: UUID
    originator_version: int
    topic: str
    actor: str
    house_id: UUID | None
    partner_id: UUID | None
    day: date  # the Tunis day of the event
    at: datetime


@dataclass(frozen=True)
class JournalFilter:
    """What a journal page is narrowed to; None leaves a dimension open. Days are Tunis days."""

    house_id: UUID | None = None
    partner_id: UUID | None = None
    actor: str | None = None
    topic: str | None = None
    day_from: date | None = None
    day_to: date | None = None


class JournalWriter(Protocol):
    """Writes the audit index inside the runner's transaction."""

    def add(self, row: JournalRow) -> None:
        """One event's row."""
        ...
