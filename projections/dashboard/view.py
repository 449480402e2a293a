"""Rows of the counter dashboard read model and the ports that write and read them.

Nothing here depends on "now": rows hold when things started (a ticket's wait, a refund asked
for) and until when they hold (a file's deadline, a grant's last day); the figures that depend on
the time of the query are computed from them then (`projections.dashboard.figures`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from uuid import UUID

RECENT_HANDLING = 20
"""The moving average's window: the last 20 visits ended on a line, whatever their day."""


@dataclass(frozen=True)
class HouseRow:
    """The last log position that changed this house's dashboard (a subscriber's cheap test)."""

    house_id: UUID
    position: int


@dataclass(frozen=True)
class LineRow:
    """A service line and the handling times (milliseconds) of its last visits, oldest first."""

    house_id: UUID
    prefix: str
    name: str
    recent_handling: tuple[str, ...]


@dataclass(frozen=True)
class QueueRow:
    """A line's queue for a day (ticket events name their queue only)."""

    queue_id: UUID
    house_id: UUID
    prefix: str
    day: date


@dataclass(frozen=True)
class TicketRow:
    """A ticket of the day not yet ended (served or walked away tickets are removed).

    `called_at` is the call that started its service (a resumption keeps it, as the queue does);
    `agent_id` the agent serving it now (the one who called or resumed it).
    """

    house_id: UUID
    day: date
    label: str
    line: str
    status: str
    waiting_since: datetime
    counter: int | None
    agent_id: UUID | None
    called_at: datetime | None


@dataclass(frozen=True)
class CounterRow:
    """A counter open on a day, and the agent holding it."""

    house_id: UUID
    day: date
    number: int
    agent_id: UUID


@dataclass(frozen=True)
class DayRow:
    """A house's figures of one business day (Africa/Tunis)."""

    house_id: UUID
    day: date
    visits: int
    served: int
    contacts: int
    on_the_spot: int
    forwarded: int
    refused: int
    no_shows: int


@dataclass(frozen=True)
class AgentDayRow:
    """One agent's figures of one business day at a house."""

    house_id: UUID
    day: date
    agent_id: UUID
    visits_served: int
    handling_millis: int
    contacts: int
    requests: int


@dataclass(frozen=True)
class AgentRow:
    """An agent of a house, by name (no other personal data)."""

    agent_id: UUID
    house_id: UUID
    name: str
    active: bool


@dataclass(frozen=True)
class PartnerRow:
    """A partner's code (grants and accreditations name partners by id)."""

    partner_id: UUID
    code: str


@dataclass(frozen=True)
class VisitRow:
    """A visit's house (contacts name their visit only)."""

    visit_id: UUID
    house_id: UUID


@dataclass(frozen=True)
class RequestRow:
    """A request's house, partner and where it stands (decisions name the request only)."""

    request_id: UUID
    house_id: UUID
    partner_code: str
    service_code: str
    status: str
    due_on: date | None


@dataclass(frozen=True)
class PaymentRow:
    """A payment's house, partner and method (captures and refunds name the payment only)."""

    payment_id: UUID
    house_id: UUID
    partner_code: str
    method: str


@dataclass(frozen=True)
class CollectedRow:
    """Money a house collected for a partner by one method on a business day, in millimes."""

    house_id: UUID
    day: date
    partner_code: str
    method: str
    payments: int
    captured_millimes: int
    refunded_millimes: int


@dataclass(frozen=True)
class RefundRow:
    """A refund asked for and not yet approved by a second person."""

    payment_id: UUID
    refund_id: str
    house_id: UUID
    partner_code: str
    amount_millimes: int
    requested_at: datetime
    approved: bool  # approved, not yet paid back: no longer awaiting approval


@dataclass(frozen=True)
class AuthorityRow:
    """A grant not revoked or an accreditation held, until its last day (included).

    `authority_id` names the grant, or the agent and partner of an accreditation.
    """

    authority_id: str
    kind: str  # GRANT or ACCREDITATION
    house_id: UUID
    partner_code: str
    agent_id: UUID | None
    valid_until: date


@dataclass(frozen=True)
class DashboardRows:
    """What the read model holds for one house and one business day."""

    house: HouseRow | None
    lines: list[LineRow]
    tickets: list[TicketRow]
    counters: list[CounterRow]
    day: DayRow | None
    agents: list[AgentRow]
    agent_days: list[AgentDayRow]
    collected: list[CollectedRow]
    refunds: list[RefundRow]  # not approved yet
    files: list[RequestRow]  # forwarded, not decided, with a deadline
    authorities: list[AuthorityRow]  # of active agents, and grants


class DashboardWriter(Protocol):
    """Writes the dashboard tables inside the runner's transaction."""

    def touch(self, house_id: UUID, position: int) -> None:
        """The house's dashboard changed at `position`."""
        ...

    def put_line(self, row: LineRow) -> None:
        """Insert or replace a line."""
        ...

    def line(self, house_id: UUID, prefix: str) -> LineRow | None:
        """A line added earlier."""
        ...

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
        """A ticket of the day, not ended."""
        ...

    def drop_ticket(self, house_id: UUID, day: date, label: str) -> None:
        """A ticket ended."""
        ...

    def put_counter(self, row: CounterRow) -> None:
        """A counter opened."""
        ...

    def drop_counter(self, house_id: UUID, day: date, number: int) -> None:
        """A counter closed."""
        ...

    def day(self, house_id: UUID, day: date) -> DayRow:
        """The house's figures of the day (zeros at first)."""
        ...

    def put_day(self, row: DayRow) -> None:
        """Replace the house's figures of the day."""
        ...

    def agent_day(self, house_id: UUID, day: date, agent_id: UUID) -> AgentDayRow:
        """An agent's figures of the day (zeros at first)."""
        ...

    def put_agent_day(self, row: AgentDayRow) -> None:
        """Replace an agent's figures of the day."""
        ...

    def put_agent(self, row: AgentRow) -> None:
        """Insert or replace an agent."""
        ...

    def agent(self, agent_id: UUID) -> AgentRow | None:
        """An agent enrolled earlier."""
        ...

    def add_partner(self, row: PartnerRow) -> None:
        """A partner registered."""
        ...

    def partner_code(self, partner_id: UUID) -> str:
        """A registered partner's code."""
        ...

    def add_visit(self, row: VisitRow) -> None:
        """A visit opened."""
        ...

    def visit_house(self, visit_id: UUID) -> UUID:
        """The house of a visit opened earlier."""
        ...

    def put_request(self, row: RequestRow) -> None:
        """Insert or replace a request."""
        ...

    def request(self, request_id: UUID) -> RequestRow:
        """A request lodged earlier."""
        ...

    def add_payment(self, row: PaymentRow) -> None:
        """A payment initiated."""
        ...

    def payment(self, payment_id: UUID) -> PaymentRow:
        """A payment initiated earlier."""
        ...

    def collected(self, house_id: UUID, day: date, partner_code: str, method: str) -> CollectedRow:
        """Money collected so far that day for the partner by the method (zeros at first)."""
        ...

    def put_collected(self, row: CollectedRow) -> None:
        """Replace money collected."""
        ...

    def put_refund(self, row: RefundRow) -> None:
        """A refund waiting for approval."""
        ...

    def refund(self, payment_id: UUID, refund_id: str) -> RefundRow:
        """A refund asked for earlier, not paid back yet."""
        ...

    def drop_refund(self, payment_id: UUID, refund_id: str) -> None:
        """A refund paid back."""
        ...

    def put_authority(self, row: AuthorityRow) -> None:
        """Insert or replace a grant or accreditation."""
        ...

    def authority(self, authority_id: str) -> AuthorityRow | None:
        """A grant or accreditation written earlier (None once revoked)."""
        ...

    def drop_authority(self, authority_id: str) -> None:
        """A grant revoked, an accreditation withdrawn."""
        ...


class DashboardReader(Protocol):
    """Reads the dashboard tables."""

    def rows(self, house_id: UUID, day: date) -> DashboardRows:
        """Everything the house's dashboard shows on that business day."""
        ...

    def tracked_rows(self, house_id: UUID, day: date, key: str) -> tuple[int, DashboardRows]:
        """The position projection `key` has applied and the house's rows, in one snapshot."""
        ...

    def version(self) -> int:
        """The last position that changed any house's dashboard (0 before any)."""
        ...

    def house_version(self, house_id: UUID) -> int:
        """The last position that changed this house's dashboard (0 before any)."""
        ...
