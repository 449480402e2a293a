"""The dashboard as shown at one moment: the rows of the read model and the figures "now" decides.

Computed at query time from the injected clock, never stored: how long the longest waiting
ticket has waited, the estimated wait, how late a file is and how many days an authority has left.

- A line's estimated wait is the wait of a ticket taken now: the tickets waiting on the line x
  the moving-average handling time of the line (its last `RECENT_HANDLING` visits ended) / the
  counters open today (a counter calls from any line of its house, so every open counter serves
  every line). Unknown (None) before any visit ended on the line or while no counter is open;
  0 when nobody waits.
- A file is overdue at its partner when it is at the partner's (submitted, acknowledged or
  resubmitted; a file returned for correction is the house's to act on) and the working days of
  the house's calendar after its deadline up to today are one or more.
- A grant (not revoked; suspended ones still run out) or an active agent's accreditation expires
  within `EXPIRING_DAYS` when its last day is today or one of the next 30 days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

from domain.houses.calendar import BusinessCalendar
from domain.shared.time import tunis_day
from projections.dashboard.view import DashboardRows, TicketRow

EXPIRING_DAYS = 30
WAITING, CALLED = "waiting", "called"


@dataclass(frozen=True)
class LineFigures:
    """A service line's queue now."""

    prefix: str
    name: str
    waiting: int
    longest_wait_seconds: int
    open_counters: int
    average_handling_seconds: int | None
    estimated_wait_seconds: int | None


@dataclass(frozen=True)
class CounterFigures:
    """An open counter, its agent and the ticket it serves now."""

    number: int
    agent_id: UUID | None
    agent_name: str | None
    current_ticket: str | None
    called_at: datetime | None


@dataclass(frozen=True)
class DayFigures:
    """The house's counts of the business day."""

    visits: int
    served: int
    contacts: int
    requests_on_the_spot: int
    requests_forwarded: int
    requests_refused: int
    no_shows: int


@dataclass(frozen=True)
class Collected:
    """Money collected today for a partner by a method, in millimes (captured less refunded)."""

    partner_code: str
    method: str
    amount_millimes: int
    captured_millimes: int
    refunded_millimes: int
    payments: int


@dataclass(frozen=True)
class PendingRefund:
    """A refund waiting for a supervisor's approval."""

    payment_id: UUID
    refund_id: str  # what approveRefund names, with the payment
    partner_code: str
    amount_millimes: int
    requested_at: datetime


@dataclass(frozen=True)
class OverdueFile:
    """A file late at its partner."""

    request_id: UUID
    partner_code: str
    service_code: str
    deadline: date
    working_days_overdue: int


@dataclass(frozen=True)
class Expiring:
    """A grant or accreditation running out soon."""

    kind: str
    partner_code: str
    agent_id: UUID | None
    valid_until: date
    days_left: int


@dataclass(frozen=True)
class AgentFigures:
    """An agent's figures of the day."""

    agent_id: UUID
    agent_name: str | None
    visits_served: int
    average_handling_seconds: int | None
    contacts: int
    requests: int


@dataclass(frozen=True)
class Dashboard:
    """A house's counter dashboard at `as_of`."""

    house_id: UUID
    business_date: date
    as_of: datetime
    position: int
    lines: list[LineFigures]
    counters: list[CounterFigures]
    today: DayFigures
    collected: list[Collected]
    refunds_awaiting_approval: list[PendingRefund]
    overdue_at_partners: list[OverdueFile]
    expiring: list[Expiring]
    agents: list[AgentFigures]


def dashboard(
    rows: DashboardRows,
    house_id: UUID,
    now: datetime,
    calendar: BusinessCalendar,
    position: int,
) -> Dashboard:
    """The house's dashboard at `now` (its business day: today in Tunis)."""
    today = tunis_day(now)
    return Dashboard(
        house_id=house_id,
        business_date=today,
        as_of=now,
        position=position,
        lines=_lines(rows, now),
        counters=_counters(rows),
        today=_today(rows),
        collected=sorted(
            (
                Collected(
                    c.partner_code,
                    c.method,
                    c.captured_millimes - c.refunded_millimes,
                    c.captured_millimes,
                    c.refunded_millimes,
                    c.payments,
                )
                for c in rows.collected
            ),
            key=lambda c: (c.partner_code, c.method),
        ),
        refunds_awaiting_approval=sorted(
            (
                PendingRefund(
                    r.payment_id, r.refund_id, r.partner_code, r.amount_millimes, r.requested_at
                )
                for r in rows.refunds
            ),
            key=lambda r: (r.requested_at, str(r.payment_id)),
        ),
        overdue_at_partners=_overdue(rows, today, calendar),
        expiring=_expiring(rows, today),
        agents=_agents(rows),
    )


def average_seconds(millis: list[int]) -> int | None:
    """The mean of handling times in milliseconds, in whole seconds (None for none)."""
    return sum(millis) // len(millis) // 1000 if millis else None


def _lines(rows: DashboardRows, now: datetime) -> list[LineFigures]:
    waiting: dict[str, list[TicketRow]] = {}
    for ticket in rows.tickets:
        if ticket.status == WAITING:
            waiting.setdefault(ticket.line, []).append(ticket)
    open_counters = len(rows.counters)
    found = []
    for line in sorted(rows.lines, key=lambda row: row.prefix):
        tickets = waiting.get(line.prefix, [])
        average = average_seconds([int(m) for m in line.recent_handling])
        longest = max((_seconds(now - t.waiting_since) for t in tickets), default=0)
        found.append(
            LineFigures(
                line.prefix,
                line.name,
                len(tickets),
                longest,
                open_counters,
                average,
                estimated_wait(len(tickets), average, open_counters),
            )
        )
    return found


def estimated_wait(waiting: int, average: int | None, open_counters: int) -> int | None:
    """Position x moving-average handling time / open counters (see the module's rule)."""
    if waiting == 0:
        return 0
    if average is None or open_counters == 0:
        return None
    return waiting * average // open_counters


def _seconds(delta: timedelta) -> int:
    return max(int(delta.total_seconds()), 0)


def _counters(rows: DashboardRows) -> list[CounterFigures]:
    names = {a.agent_id: a.name for a in rows.agents}
    serving = {t.counter: t for t in rows.tickets if t.status == CALLED}
    found = []
    for counter in sorted(rows.counters, key=lambda c: c.number):
        ticket = serving.get(counter.number)
        found.append(
            CounterFigures(
                counter.number,
                counter.agent_id,
                names.get(counter.agent_id),
                None if ticket is None else ticket.label,
                None if ticket is None else ticket.called_at,
            )
        )
    return found


def _today(rows: DashboardRows) -> DayFigures:
    day = rows.day
    if day is None:
        return DayFigures(0, 0, 0, 0, 0, 0, 0)
    return DayFigures(
        day.visits,
        day.served,
        day.contacts,
        day.on_the_spot,
        day.forwarded,
        day.refused,
        day.no_shows,
    )


def _overdue(rows: DashboardRows, today: date, calendar: BusinessCalendar) -> list[OverdueFile]:
    found = []
    for file in rows.files:
        if file.due_on is None or file.due_on >= today:
            continue
        late = calendar.working_days_between(file.due_on, today)
        if late > 0:
            found.append(
                OverdueFile(
                    file.request_id, file.partner_code, file.service_code, file.due_on, late
                )
            )
    return sorted(found, key=lambda f: (f.deadline, str(f.request_id)))


def _expiring(rows: DashboardRows, today: date) -> list[Expiring]:
    found = [
        Expiring(a.kind, a.partner_code, a.agent_id, a.valid_until, (a.valid_until - today).days)
        for a in rows.authorities
        if 0 <= (a.valid_until - today).days <= EXPIRING_DAYS
    ]
    return sorted(found, key=lambda e: (e.valid_until, e.kind, e.partner_code, str(e.agent_id)))


def _agents(rows: DashboardRows) -> list[AgentFigures]:
    names = {a.agent_id: a.name for a in rows.agents}
    figures = {d.agent_id: d for d in rows.agent_days}
    ids = {a.agent_id for a in rows.agents if a.active} | set(figures)
    found = []
    for agent in ids:
        day = figures.get(agent)
        served = 0 if day is None else day.visits_served
        found.append(
            AgentFigures(
                agent,
                names.get(agent),
                served,
                None if day is None or served == 0 else day.handling_millis // served // 1000,
                0 if day is None else day.contacts,
                0 if day is None else day.requests,
            )
        )
    return sorted(found, key=lambda a: (a.agent_name or "", str(a.agent_id)))
