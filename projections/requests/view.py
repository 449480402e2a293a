"""Rows of the requests read model and the ports that write and read them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from uuid import UUID


@dataclass(frozen=True)
class RequestRow:
    """A request as the counter, the partner and the governance office list it (no names)."""

    request_id: UUID
    house_id: UUID
    visit_id: UUID
    citizen_id: UUID
    partner_code: str
    service_code: str
    mode: str
    status: str
    receipt: str
    documents: tuple[str, ...]
    lodged_at: datetime
    due_on: date | None
    partner_reference: str | None
    note: str | None  # the last reason given (return, decision, withdrawal)
    updated_at: datetime
    lodged_position: int
    position: int


@dataclass(frozen=True)
class ContactRow:
    """Information given or a redirection, during a visit."""

    visit_id: UUID
    house_id: UUID
    kind: str
    partner_code: str
    topic: str
    at: datetime
    position: int


@dataclass(frozen=True)
class RequestFilter:
    """What a list of requests is narrowed to; `before` pages by lodging position."""

    house_id: UUID | None = None
    partner_code: str | None = None
    statuses: tuple[str, ...] = ()
    citizen_id: UUID | None = None
    before: int | None = None


class RequestsWriter(Protocol):
    """Writes the requests tables inside the runner's transaction."""

    def put(self, row: RequestRow) -> None:
        """Insert or replace a request."""
        ...

    def get(self, request_id: UUID) -> RequestRow:
        """A request written earlier."""
        ...

    def add_contact(self, row: ContactRow) -> None:
        """A contact."""
        ...

    def visit_house(self, visit_id: UUID) -> UUID:
        """The house of a visit seen earlier."""
        ...

    def add_visit(self, visit_id: UUID, house_id: UUID) -> None:
        """A visit opened."""
        ...


class RequestsReader(Protocol):
    """Reads the requests tables."""

    def get(self, request_id: UUID) -> RequestRow | None:
        """One request."""
        ...

    def by_receipt(self, receipt: str) -> RequestRow | None:
        """The request with this receipt number."""
        ...

    def page(self, where: RequestFilter, *, limit: int) -> list[RequestRow]:
        """Requests, latest lodged first."""
        ...

    def contacts(self, house_id: UUID) -> list[ContactRow]:
        """A house's contacts, oldest first."""
        ...
