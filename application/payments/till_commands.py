"""Commands of tills: opened with a float, closed with a count, a discrepancy reviewed."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.commands import Command


@dataclass(frozen=True)
class TillChanged:
    """The till a command opened or changed (as the command log records it)."""

    till_id: UUID

    @property
    def id(self) -> UUID:
        """The till's id."""
        return self.till_id


@dataclass(frozen=True)
class OpenTill(Command):
    """An agent opens its till for its shift at its house, with a float in millimes."""

    house_code: str
    employee_number: str
    float_millimes: int


@dataclass(frozen=True)
class CloseTill(Command):
    """Close a till with the cash counted: (denomination in millimes, pieces) pairs.

    `agent` is the employee number of an agent closing its own till (None: the house's
    supervisor closes it); `reason` says why the count differs from the expected cash.
    """

    house_code: str
    till_id: UUID
    count: tuple[tuple[int, int], ...]
    reason: str | None = None
    agent: str | None = None


@dataclass(frozen=True)
class ReviewTillDiscrepancy(Command):
    """A supervisor reviews the discrepancy of a closed till (never the person who closed it)."""

    house_code: str
    till_id: UUID
    note: str
