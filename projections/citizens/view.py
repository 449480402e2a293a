"""Rows of the access log and the ports that write and read them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from uuid import UUID


@dataclass(frozen=True)
class AccessRow:
    """One read of one citizen's personal data: who, when, why, which fields — never the values."""

    access_id: UUID
    citizen_id: UUID
    actor: str
    at: datetime
    purpose: str
    operation: str
    fields: tuple[str, ...]
    house_id: UUID | None
    position: int


@dataclass(frozen=True)
class AccessFilter:
    """What an auditor narrows the access log to; days are Africa/Tunis days, both included."""

    citizen_id: UUID | None = None
    actor: str | None = None
    day_from: date | None = None
    day_to: date | None = None


class AccessLogWriter(Protocol):
    """Writes the access log inside the runner's transaction."""

    def add(self, row: AccessRow) -> None:
        """A recorded read."""
        ...


class AccessLogReader(Protocol):
    """Reads the access log."""

    def for_citizen(self, citizen_id: UUID, *, limit: int) -> list[AccessRow]:
        """The citizen's reads, oldest first."""
        ...

    def accesses(self, narrowed: AccessFilter, after: int, *, limit: int) -> list[AccessRow]:
        """The reads after log position `after` that match, in log order."""
        ...
