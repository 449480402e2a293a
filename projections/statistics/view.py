"""Rows of the statistics read model and the port that writes them.

No row names a citizen, an agent or a document: cells count acts per house and business day
(Africa/Tunis) and per line, hour, partner, service or method; the index rows that link later
events to their cell (a ticket to its line, a payment to its partner) hold codes and times only.
Durations are whole milliseconds; a histogram is stored whole, in one row (`HistogramCell`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from uuid import UUID

# --- cells: what the figures are merged from ------------------------------------------------


@dataclass(frozen=True)
class LineDayCell:
    """A service line of a house on a business day: its visits, waits and handling times.

    A visit counts in the cell of the day and line its ticket was issued in, whatever the line
    it ends in; `waits` are the visits called (the wait of a visit called again after a no-show
    is its last one), `handled` the visits ended at a counter.
    """

    house_id: UUID
    day: date
    line: str
    visits: int
    served: int
    no_shows: int
    walked_away: int
    transferred: int
    waits: int
    wait_millis: int
    handled: int
    handling_millis: int


@dataclass(frozen=True)
class ServiceDayCell:
    """Requests for one partner's service at a house on a day, by what happened that day.

    `decided` are the partners' decisions of the day (accepted, refused, closed); those with a
    deadline are `with_deadline`, and `on_time` of them came on or before it. Turnaround counts
    the working days from the file's first forwarding to its decision.
    """

    house_id: UUID
    day: date
    partner_code: str
    service_code: str
    lodged: int
    on_the_spot: int
    forwarded: int
    returned: int
    accepted: int
    refused: int
    closed: int
    withdrawn: int
    decided: int
    with_deadline: int
    on_time: int
    turnaround_days: int


@dataclass(frozen=True)
class ContactDayCell:
    """Information given and redirections to a partner's own office, at a house on a day."""

    house_id: UUID
    day: date
    partner_code: str
    information: int
    redirections: int


@dataclass(frozen=True)
class MoneyDayCell:
    """Money taken and paid back for a partner's service by a method, on a business day."""

    house_id: UUID
    day: date
    partner_code: str
    service_code: str
    method: str
    captured: int
    captured_millimes: int
    refunds: int
    refunded_millimes: int


@dataclass(frozen=True)
class GrantDayCell:
    """A partner's grants to a house changed on a day."""

    house_id: UUID
    day: date
    partner_code: str
    granted: int
    amended: int
    suspended: int
    reinstated: int
    renewed: int
    revoked: int


@dataclass(frozen=True)
class HistogramCell:
    """A histogram of a house's day, week or month, whole in one row.

    Waits, handling times and the tickets issued per hour (no partner), or a partner's
    service's turnarounds; the buckets are `projections.statistics.histogram`'s. A sample
    counts in its day's, its week's and its month's cell, so a question over whole weeks or
    months reads few rows. `counts` is the non-empty buckets and their counts in bucket order,
    as a flat JSON array (`[bucket, count, bucket, count, ...]`).
    """

    house_id: UUID
    day: date  # the first day of the span
    span: str  # day, week or month: each sample is counted once in each
    kind: str  # wait, handling, hour, turnaround
    partner_code: str
    service_code: str
    counts: str


@dataclass(frozen=True)
class DayFiguresRow:
    """An area's finished figures of one business day, kept at write time.

    `kind` is the grouping (house, municipality, governorate, nation) and `area` the area's
    code as the report names it (`projections.statistics.figures.Area.code`); `figures` is the
    day's group as JSON (`figures.as_figures`, its area left out), with the waits' histogram
    beside it (`wait_buckets`) so the share within any target is read from it; empty when the
    day holds only histograms (no group is merged for it). `sums` is what the figures are derived
    from: the area's cells of the day summed over its houses (counts by partner, service or
    method, the day's histograms added bucket by bucket) and the grants in force that day by
    partner, as JSON. At the end of a batch the batch's changes of its houses' cells are added to
    `sums` and the figures derived again from it; a grant changed on that day or before counts
    the grants in force again.
    """

    kind: str
    area: str
    day: date
    figures: str
    sums: str


# --- index rows: where later events' figures go ----------------------------------------------


@dataclass(frozen=True)
class HouseRow:
    """A house as registered: where it is, and its own holidays (for working days)."""

    house_id: UUID
    code: str
    name_ar: str
    name_fr: str
    municipality: str
    governorate: str
    holidays: tuple[str, ...]  # ISO dates


@dataclass(frozen=True)
class QueueRow:
    """A line's queue of a day (ticket events name their queue only)."""

    queue_id: UUID
    house_id: UUID
    prefix: str
    day: date


@dataclass(frozen=True)
class TicketRow:
    """A ticket not yet ended: its cell, when it was issued, and its wait counted so far."""

    house_id: UUID
    day: date
    label: str
    line: str
    issued_at: datetime
    called_at: datetime | None
    no_show: bool
    wait_millis: int | None  # the wait counted in its cell (replaced after a no-show)


@dataclass(frozen=True)
class VisitRow:
    """A visit's house (contacts name their visit only)."""

    visit_id: UUID
    house_id: UUID


@dataclass(frozen=True)
class RequestRow:
    """A request's cell and what its turnaround is measured against."""

    request_id: UUID
    house_id: UUID
    partner_code: str
    service_code: str
    due_on: date | None
    forwarded_on: date | None


@dataclass(frozen=True)
class PaymentRow:
    """A payment's cell, and its refunds asked for (`refund_id=millimes`)."""

    payment_id: UUID
    house_id: UUID
    partner_code: str
    service_code: str
    method: str
    refunds: tuple[str, ...]


@dataclass(frozen=True)
class PartnerRow:
    """A partner's code (grants name their partner by id)."""

    partner_id: UUID
    code: str


@dataclass(frozen=True)
class GrantRow:
    """A grant's life, for the grants in force at the end of a period.

    `changes` are `"<day> <kind> [<last day>]"` in log order: granted (with its first and last
    days), suspended, reinstated, renewed (with its new last day), revoked.
    """

    grant_id: UUID
    house_id: UUID
    partner_code: str
    changes: tuple[str, ...]


@dataclass(frozen=True)
class SkippedRow:
    """Events the statistics could not place (an unknown ticket, a payment never initiated)."""

    event_type: str
    reason: str
    count: int
    last_position: int


class StatisticsWriter(Protocol):
    """Reads and writes the statistics rows inside the runner's transaction.

    A cell (line, service, contact, money, grant day) is only ever added to: a step hands the
    changes to some of its counts, which the writer sums for the batch and adds to the stored
    cell when the batch is written; a step never reads a cell.
    """

    def add_line(self, key: tuple[UUID, date, str], counts: Mapping[str, int]) -> None:
        """Add to the counts of a line's cell (house, day, line): `LineDayCell`'s names."""
        ...

    def sample(  # noqa: PLR0913, PLR0917 - a bucket's whole key
        self,
        house_id: UUID,
        day: date,
        kind: str,
        partner_service: tuple[str, str],
        bucket: int,
        change: int,
    ) -> None:
        """Count a sample in (`change` = 1) or out of (-1) a bucket of a day's histogram."""
        ...

    def add_service(self, key: tuple[UUID, date, str, str], counts: Mapping[str, int]) -> None:
        """Add to a service's cell (house, day, partner, service): `ServiceDayCell`'s names."""
        ...

    def add_contact(self, key: tuple[UUID, date, str], counts: Mapping[str, int]) -> None:
        """Add to a partner's contacts (house, day, partner): `ContactDayCell`'s names."""
        ...

    def add_money(self, payment: PaymentRow, day: date, counts: Mapping[str, int]) -> None:
        """Add to the cell of the payment's partner, service and method on that day."""
        ...

    def add_grant_day(self, key: tuple[UUID, date, str], counts: Mapping[str, int]) -> None:
        """Add to a partner's grants' changes (house, day, partner): `GrantDayCell`'s names."""
        ...

    def house(self, house_id: UUID) -> HouseRow | None:
        """A house registered earlier."""
        ...

    def put_house(self, row: HouseRow) -> None:
        """Write the house."""
        ...

    def queue(self, queue_id: UUID) -> QueueRow | None:
        """A queue opened earlier."""
        ...

    def put_queue(self, row: QueueRow) -> None:
        """Write the queue."""
        ...

    def ticket(self, house_id: UUID, day: date, label: str) -> TicketRow | None:
        """A ticket not yet ended."""
        ...

    def issue_ticket(self, row: TicketRow) -> None:
        """Write a ticket just issued (none is stored under its key)."""
        ...

    def put_ticket(self, row: TicketRow) -> None:
        """Write the ticket."""
        ...

    def drop_ticket(self, house_id: UUID, day: date, label: str) -> None:
        """The ticket ended: nothing more happens to it."""
        ...

    def visit(self, visit_id: UUID) -> VisitRow | None:
        """A visit opened earlier."""
        ...

    def put_visit(self, row: VisitRow) -> None:
        """Write the visit."""
        ...

    def request(self, request_id: UUID) -> RequestRow | None:
        """A request lodged earlier."""
        ...

    def put_request(self, row: RequestRow) -> None:
        """Write the request."""
        ...

    def payment(self, payment_id: UUID) -> PaymentRow | None:
        """A payment initiated earlier."""
        ...

    def put_payment(self, row: PaymentRow) -> None:
        """Write the payment."""
        ...

    def partner(self, partner_id: UUID) -> PartnerRow | None:
        """A partner registered earlier."""
        ...

    def put_partner(self, row: PartnerRow) -> None:
        """Write the partner."""
        ...

    def grant(self, grant_id: UUID) -> GrantRow | None:
        """A grant recorded earlier."""
        ...

    def put_grant(self, row: GrantRow) -> None:
        """Write the grant."""
        ...

    def skip(self, event_type: str, reason: str, position: int) -> None:
        """Count an event the statistics cannot place."""
        ...
