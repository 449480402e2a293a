"""Rows of the partners read model and the ports that write and read them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID


@dataclass(frozen=True)
class PartnerRow:
    """One partner as the counter and the governance office see it."""

    partner_id: UUID
    code: str
    name_ar: str
    name_fr: str
    registered_at: datetime
    position: int  # log position of the last event applied to this row


class PartnersWriter(Protocol):
    """Writes the partners table inside the runner's transaction."""

    def add(self, row: PartnerRow) -> None:
        """A newly registered partner."""
        ...

    def rename(self, partner_id: UUID, name_ar: str, name_fr: str, position: int) -> None:
        """New official names."""
        ...


class PartnersReader(Protocol):
    """Reads the partners table."""

    def list(self, *, limit: int, after_code: str | None = None) -> list[PartnerRow]:
        """Partners ordered by code, a page at a time."""
        ...

    def by_code(self, code: str) -> PartnerRow | None:
        """One partner, or None."""
        ...

    def version(self) -> int:
        """The log position of the last change to any partner."""
        ...
