"""Rows of the requests read model and the ports that write and read them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from uuid import UUID

from domain.counter.request import FINAL
from domain.houses.calendar import BusinessCalendar

FINAL_STATUSES = frozenset(s.value for s in FINAL)


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
    due_on: date | None  # the partner's deadline, set at lodging in the house's working days
    partner_reference: str | None
    note: str | None  # the last reason given (return, decision, withdrawal)
    updated_at: datetime
    lodged_position: int
    position: int
    # v3: when the file last went to the partner (forwarded or resubmitted), and its decision
    sent_position: int | None = None
    decided_at: datetime | None = None
    decided_on: date | None = None  # the Tunisian day of the decision
    decided_position: int | None = None


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
class VisitRow:
    """A visit and its house (contacts name the house of their visit)."""

    visit_id: UUID
    house_id: UUID


@dataclass(frozen=True)
class HolidayRow:
    """A day a house is closed beyond the national holidays (its deadlines skip it)."""

    house_id: UUID
    day: date


@dataclass(frozen=True)
class Standing:
    """Where a file stands against its partner's deadline on a given day.

    `working_days_left` is None when no deadline runs (none set, or the file is final).
    """

    overdue_working_days: int
    working_days_left: int | None


def standing(row: RequestRow, calendar: BusinessCalendar, today: date) -> Standing:
    """A file not yet final is late by the house's working days after its deadline up to today.

    Until its deadline it has the working days after today up to the deadline left (0 on the
    day itself); a final file, or one without a deadline, is never late.
    """
    if row.due_on is None or row.status in FINAL_STATUSES:
        return Standing(overdue_working_days=0, working_days_left=None)
    if today > row.due_on:
        late = calendar.working_days_between(row.due_on, today)
        return Standing(overdue_working_days=late, working_days_left=0)
    left = calendar.working_days_between(today, row.due_on)
    return Standing(overdue_working_days=0, working_days_left=left)


@dataclass(frozen=True)
class RequestFilter:
    """What a list of requests is narrowed to; `before` pages by lodging position."""

    house_id: UUID | None = None
    partner_code: str | None = None
    statuses: tuple[str, ...] = ()
    citizen_id: UUID | None = None
    before: int | None = None


@dataclass(frozen=True)
class DecisionFilter:
    """A partner's decided files narrowed down; `before` pages by decision position.

    `decided_from` and `decided_to` are Tunisian days, both included.
    """

    partner_code: str
    decisions: tuple[str, ...] = ()
    house_id: UUID | None = None
    service_code: str | None = None
    decided_from: date | None = None
    decided_to: date | None = None
    before: int | None = None


@dataclass(frozen=True)
class PartnerScope:
    """The files of one partner, in every house or in one."""

    partner_code: str
    house_id: UUID | None = None


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

    def add_holiday(self, house_id: UUID, day: date) -> None:
        """A house's own holiday."""
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

    def decided(self, where: DecisionFilter, *, limit: int) -> list[RequestRow]:
        """A partner's decided files, latest decided first."""
        ...

    def past_deadline(
        self,
        scope: PartnerScope,
        statuses: tuple[str, ...],
        today: date,
        *,
        after: tuple[date, int] | None = None,
        limit: int,
    ) -> list[RequestRow]:
        """A partner's files in `statuses` whose deadline is before `today`.

        Earliest due first, then first lodged; `after` (a due day and a lodging position) pages.
        """
        ...

    def national(self) -> BusinessCalendar:
        """The calendar every house keeps: no house has more working days than it has."""
        ...

    def arrivals(self, scope: PartnerScope, *, after: int, limit: int) -> list[RequestRow]:
        """Files sent to a partner after position `after`, in the order they were sent."""
        ...

    def last_arrival(self) -> int:
        """The position at which a file last went to any partner (0 before any)."""
        ...

    def calendars(self, house_ids: set[UUID]) -> dict[UUID, BusinessCalendar]:
        """Each house's working days: the national calendar with the house's own holidays."""
        ...
