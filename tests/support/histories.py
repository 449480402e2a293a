"""Generated histories of the snapshotted aggregates: each a list of (operation, a, b) draws.

A draw picks an operation of the aggregate and two numbers that choose its arguments; an
operation the aggregate refuses (a `DarError`) records nothing and the history goes on, so every
history is one the application could have recorded. Time moves on between steps (minutes for a
queue, days for the long-lived aggregates), so dates and validity rules come into play.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from uuid import uuid4

from eventsourcing.domain import Aggregate
from hypothesis import strategies as st

from domain.counter.queue import Queue, Ticket, TicketStatus
from domain.delegation.grant import CollectionTerms, Convention, DelegationGrant, Validity
from domain.delegation.register import GrantRegister
from domain.houses.agent import Agent
from domain.houses.calendar import Hours, Season
from domain.houses.house import House, HouseNames
from domain.payments.receipts import ReceiptBook, ReceiptPage
from domain.payments.remittance import Entry, EntryKind, Remittance
from domain.shared.acts import Act
from domain.shared.errors import DarError
from domain.shared.money import Money
from domain.shared.time import tunis_day

Draw = tuple[int, int, int]
draws = st.lists(
    st.tuples(st.integers(0, 20), st.integers(0, 999), st.integers(0, 999)),
    min_size=30,
    max_size=200,
)
START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
SERVICES = ("BILL_PAYMENT", "NEW_CONNECTION", "TRANSFER", "CERTIFICATE")
PEOPLE = (uuid4(), uuid4(), uuid4())
_PRIORITIES = (None, None, "elderly", "pregnant", "bad")


@dataclass
class Story:
    """An aggregate being driven through a history, and the clock of its acts."""

    aggregate: Aggregate | None = None
    now: datetime = START
    steps: int = 0

    def act(self) -> Act:
        self.steps += 1
        return Act(actor="agent:H", command_id=f"c{self.steps}", at=self.now)


Step = Callable[[Story, int, int], object]


def _services(bits: int) -> frozenset[str]:
    return frozenset(s for i, s in enumerate(SERVICES) if bits >> i & 1)


def _pick(labels: list[str], a: int) -> str:
    return labels[a % len(labels)] if labels else "A001"


# --- a house ----------------------------------------------------------------------------------


def _house(s: Story) -> House:
    assert isinstance(s.aggregate, House)
    return s.aggregate


HOUSE_STEPS: list[Step] = [
    lambda s, a, b: _house(s).add_counter(a % 6 + 1, f"Guichet {b % 3}", s.act()),
    lambda s, a, b: _house(s).add_service_line(
        prefix="ABC"[a % 3],
        name=f"Line {b}",
        services=_services(b),
        priority=b % 2 == 0,
        act=s.act(),
    ),
    lambda s, a, b: _house(s).change_service_line(
        prefix="ABC"[a % 3], services=_services(b), priority=a % 2 == 0, act=s.act()
    ),
    lambda s, a, b: _house(s).set_opening_hours(
        list(Season)[a % 3], Hours(time(7 + a % 3, 0), time(12 + b % 6, 30)), s.act()
    ),
    lambda s, a, _: _house(s).add_local_holiday(date(2026, 1, 1) + timedelta(a), "Fête", s.act()),
]


def new_house(s: Story) -> None:
    s.aggregate = House.register(
        code=f"h{uuid4().hex[:12]}",
        names=HouseNames("دار الخدمات", "Maison"),
        municipality="Haidra",
        governorate="Kasserine",
        act=s.act(),
    )


# --- an agent ---------------------------------------------------------------------------------


def _agent(s: Story) -> Agent:
    assert isinstance(s.aggregate, Agent)
    return s.aggregate


AGENT_STEPS: list[Step] = [
    lambda s, a, b: _agent(s).accredit(PEOPLE[a % 3], s.now.date() + timedelta(b % 400), s.act()),
    lambda s, a, _: _agent(s).revoke_accreditation(PEOPLE[a % 3], "moved", s.act()),
    lambda s, a, _: _agent(s).deactivate("left", s.act()) if a % 7 == 0 else None,
]


def new_agent(s: Story) -> None:
    s.aggregate = Agent.enroll(
        employee_number=f"E-{uuid4().hex[:10].upper()}",
        house_id=PEOPLE[0],
        display_name="Agent",
        act=s.act(),
    )


# --- a grant ----------------------------------------------------------------------------------


def _grant(s: Story) -> DelegationGrant:
    assert isinstance(s.aggregate, DelegationGrant)
    return s.aggregate


GRANT_STEPS: list[Step] = [
    lambda s, a, b: _grant(s).amend(_services(a), _services(b), s.act()),
    lambda s, a, _: _grant(s).suspend(f"audit {a}", s.act()),
    lambda s, _a, _b: _grant(s).reinstate(s.act()),
    lambda s, a, b: _grant(s).renew(
        _grant(s).validity.ends_on + timedelta(1 + a % 400),
        Convention(f"CONV-{b}", "2", s.now.date()),
        s.act(),
    ),
    lambda s, a, _: _grant(s).revoke("ended", s.act()) if a % 9 == 0 else None,
]


def new_grant(s: Story) -> None:
    s.aggregate = DelegationGrant.grant(
        grant_id=uuid4(),
        partner_id=PEOPLE[1],
        house_id=PEOPLE[0],
        convention=Convention("CONV-1", "1", date(2025, 12, 1)),
        services=frozenset(SERVICES[:2]),
        validity=Validity(START.date(), START.date() + timedelta(365)),
        collection=CollectionTerms(allowed=True, ceiling_millimes=500_000),
        act=s.act(),
    )


# --- a grant register -------------------------------------------------------------------------

GRANTS = (uuid4(), uuid4(), uuid4(), uuid4())


def _register(s: Story) -> GrantRegister:
    assert isinstance(s.aggregate, GrantRegister)
    return s.aggregate


def _extend(s: Story, a: int, b: int) -> None:
    grant = GRANTS[a % 4]
    entry = _register(s).entries.get(grant)
    if entry is not None:
        _register(s).extend(grant, entry.validity.ends_on + timedelta(1 + b % 90), s.act())


REGISTER_STEPS: list[Step] = [
    lambda s, a, b: _register(s).enter(
        GRANTS[a % 4],
        Validity(date(2026, 1, 1) + timedelta(b), date(2026, 1, 1) + timedelta(b + a % 120)),
        s.act(),
    ),
    _extend,
    lambda s, a, _: _register(s).release(GRANTS[a % 4], s.act()),
]


def new_register(s: Story) -> None:
    s.aggregate = GrantRegister.open(uuid4(), PEOPLE[1], s.act())


# --- a line's queue of one day ----------------------------------------------------------------


def _queue(s: Story) -> Queue:
    assert isinstance(s.aggregate, Queue)
    return s.aggregate


def _labels(s: Story) -> list[str]:
    return list(_queue(s).tickets)


def _call_next(s: Story, a: int, _: int) -> None:
    counter = a % 3 + 1
    ticket = _queue(s).next_for(counter)
    if ticket is not None:
        _queue(s).call_ticket(ticket.label, counter, PEOPLE[a % 3], s.act())


def _transfer_in(s: Story, a: int, b: int) -> None:
    ticket = Ticket(
        label=f"Z{a % 999 + 1:03d}",
        visit_id=uuid4(),
        priority=_PRIORITIES[b % 4],
        status=TicketStatus.CALLED,
        issued_at=s.now - timedelta(minutes=b % 60),
        waiting_since=s.now,
    )
    _queue(s).transfer_in(ticket, "Z", s.act())


QUEUE_STEPS: list[Step] = [
    lambda s, _, b: _queue(s).issue(_PRIORITIES[b % 5], s.act()),
    lambda s, _, b: _queue(s).issue(_PRIORITIES[b % 5], s.act()),
    _call_next,
    _call_next,
    lambda s, a, _: _queue(s).recall(_pick(_labels(s), a), s.act()),
    lambda s, a, _: _queue(s).mark_no_show(_pick(_labels(s), a), s.act()),
    lambda s, a, _: _queue(s).park(_pick(_labels(s), a), s.act()),
    lambda s, a, b: _queue(s).resume(_pick(_labels(s), a), b % 3 + 1, PEOPLE[0], s.act()),
    lambda s, a, _: _queue(s).recycle(_pick(_labels(s), a), s.act()),
    lambda s, a, b: _queue(s).transfer_to_counter(_pick(_labels(s), a), b % 3 + 1, s.act()),
    lambda s, a, _: _queue(s).transfer_out(_pick(_labels(s), a), "B", s.act()),
    _transfer_in,
    lambda s, a, _: _queue(s).walk_away(_pick(_labels(s), a), s.act()),
    lambda s, a, _: _queue(s).end_visit(_pick(_labels(s), a), s.act()),
    lambda s, a, _: _queue(s).end_visit(_pick(_labels(s), a), s.act()),
]


def new_queue(s: Story) -> None:
    s.aggregate = Queue.open(uuid4(), "A", s.now.date(), s.act())


# --- a page of a receipt book -----------------------------------------------------------------


def _page(s: Story) -> ReceiptPage:
    assert isinstance(s.aggregate, ReceiptPage)
    return s.aggregate


PAGE_STEPS: list[Step] = [
    lambda s, a, _: _page(s).issue(PEOPLE[a % 3], s.act()),
]


def new_page(s: Story) -> None:
    book = ReceiptBook.open(f"h{uuid4().hex[:12]}", 2026, s.act())
    s.aggregate = book.open_page(None, s.act())


def _remittance(s: Story) -> Remittance:
    assert isinstance(s.aggregate, Remittance)
    return s.aggregate


def _enter(s: Story, a: int, b: int) -> None:
    kind = EntryKind.REFUND if b % 4 == 0 else EntryKind.CAPTURE
    entry = Entry(
        PEOPLE[a % 3], f"H-2026-P{s.steps:06d}", kind, "cash", Money(1 + b), tunis_day(s.now)
    )
    _remittance(s).enter(entry, s.act())


REMITTANCE_STEPS: list[Step] = [
    _enter,
    _enter,
    _enter,
    lambda s, _a, _b: _remittance(s).close(tunis_day(s.now), s.act()),
]


def new_remittance(s: Story) -> None:
    s.aggregate = Remittance.open(
        uuid4(), f"h{uuid4().hex[:12]}", "STEG", tunis_day(s.now), s.act()
    )


@dataclass(frozen=True)
class Kind:
    """How to start an aggregate of one class, its steps, and how far time moves per step."""

    start: Callable[[Story], None]
    steps: list[Step]
    pace: timedelta


KINDS: dict[type[Aggregate], Kind] = {
    House: Kind(new_house, HOUSE_STEPS, timedelta(days=1)),
    Agent: Kind(new_agent, AGENT_STEPS, timedelta(days=3)),
    DelegationGrant: Kind(new_grant, GRANT_STEPS, timedelta(days=9)),
    GrantRegister: Kind(new_register, REGISTER_STEPS, timedelta(days=2)),
    Queue: Kind(new_queue, QUEUE_STEPS, timedelta(minutes=3)),
    ReceiptPage: Kind(new_page, PAGE_STEPS, timedelta(minutes=7)),
    Remittance: Kind(new_remittance, REMITTANCE_STEPS, timedelta(minutes=5)),
}


def history(kind: type[Aggregate], history_draws: list[Draw]) -> Aggregate:
    """An aggregate of that class driven through the draws, its events pending."""
    how = KINDS[kind]
    story = Story()
    how.start(story)
    for op, a, b in history_draws:
        story.now += how.pace * (1 + a % 3)
        try:
            how.steps[op % len(how.steps)](story, a, b)
        except DarError:
            continue
    assert story.aggregate is not None
    return story.aggregate
