"""The counter dashboard: built event by event = rebuilt from zero = recomputed from the aggregates.

A state machine drives Haidra's counter (tickets issued, called, ended, absent, parked, resumed,
recycled, transferred, walked away; counters opened and closed; contacts and requests) and its
payments (cash and card, the citizen paying or not, callbacks, settling, cancelling, refunds asked
for and approved) through Dar's services on one business day, the read models catching up after
each command. At the end, at one fixed instant of the test clock, the dashboard read incrementally
equals the one rebuilt from zero (`infrastructure.readmodels.rebuild`), and both equal the figures
computed here from the aggregates loaded from the event store (and their events, for what an
aggregate does not keep: when, and by whom).

Many examples on SQLite in memory (a fresh store each); a bounded number on PostgreSQL (one store,
a later business day for each example).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from typing import Any
from uuid import UUID

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from api.bootstrap import Dar, projections
from api.graphql.dashboard import computed
from application.counter.commands import (
    CallNextTicket,
    IssueTicket,
    LodgeRequest,
    RecordContact,
    ResumeTicket,
    TransferTicket,
)
from application.errors import IdempotencyKeyReusedError
from application.houses.commands import CloseCounter, OpenCounter
from application.payments.commands import ApproveRefund, CancelPayment, RequestRefund
from domain.counter.queue import Queue, Ticket, TicketStatus, queue_id
from domain.counter.request import CitizenRequest, RequestStatus
from domain.counter.visit import Visit
from domain.delegation.grant import DelegationGrant, GrantState
from domain.houses.agent import Agent
from domain.houses.house import House, house_id
from domain.houses.room import CounterRoom, counter_room_id
from domain.partners.partner import Partner
from domain.payments.payment import Payment, PaymentStatus
from domain.shared.errors import DarError
from domain.shared.time import tunis_day
from infrastructure.readmodels.rebuild import rebuild
from infrastructure.reference.places import business_calendar
from infrastructure.settings import Settings
from projections.dashboard import figures as f
from projections.dashboard.actors import agent_of
from tests.support.clock import TestClock
from tests.support.payments import LossyGateway, bill_request, pay_by_card, pay_cash, payments_ready
from tests.support.steps import request_step, ticket_step

HAIDRA = house_id("haidra")
STAFF = {1: "A17", 2: "A18"}
DAYS = st.dates(date(2026, 1, 7), date(2026, 12, 31))  # grants and accreditations end then
picks = st.integers(min_value=0, max_value=1_000)
_keys = itertools.count(1)
_references = itertools.count(20_000_001)
_memory = itertools.count(1)
STEPS = 40
OUTCOMES = (
    "served",
    "contact",
    "on_the_spot",
    "forwarded",
    "no_show",
    "park",
    "transfer",
    "recycle",
)


visit_rule = rule(
    line=st.sampled_from(["A", "B"]),
    counter=st.sampled_from([1, 2]),
    minutes=st.integers(min_value=1, max_value=15),
    then=st.sampled_from(OUTCOMES),
)


def key(kind: str) -> str:
    return f"{kind}-{next(_keys)}"


Ready = tuple[Dar, LossyGateway, UUID, UUID, TestClock]


class Source:
    """Where each example's Dar comes from (a fresh one, or the one shared on PostgreSQL)."""

    ready: Callable[[], Ready]
    fresh: bool = True


SOURCE = Source()


class DashboardMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.dar, self.gateway, self.citizen, self.request, self.clock = SOURCE.ready()
        self.gateway.inner.available = True
        self.gateway.inner.take_deliveries()
        self.outbox: list[Any] = []
        self.requests: list[UUID] = []
        self.payments: list[UUID] = []

    # --- helpers ----------------------------------------------------------------------------------

    def _try(self, call: Callable[[], object]) -> None:
        try:
            call()
        except IdempotencyKeyReusedError:
            raise
        except DarError:
            return  # refused: nothing recorded

    def _labels(self, *statuses: TicketStatus) -> list[Ticket]:
        found = []
        for prefix in ("A", "B"):
            queue = self.dar.store.find(queue_id(HAIDRA, prefix, self._today()), Queue)
            if queue is not None:
                found += [t for t in queue.tickets.values() if t.status in statuses]
        return sorted(found, key=lambda t: t.label)

    def _pick(self, i: int, *statuses: TicketStatus) -> Ticket | None:
        tickets = self._labels(*statuses)
        return tickets[i % len(tickets)] if tickets else None

    def _today(self) -> date:
        return tunis_day(self.clock.now())

    def _step(self, name: str, i: int, *statuses: TicketStatus) -> None:
        ticket = self._pick(i, *statuses)
        if ticket is not None:
            actor = f"agent:{STAFF[ticket.counter or 1]}"
            self._try(lambda: ticket_step(self.dar, name, key(name), actor, ticket.label))

    def _payment(self, i: int, where: Callable[[Payment], bool]) -> Payment | None:
        found = [self.dar.store.load(p, Payment, "payment") for p in self.payments]
        chosen = [p for p in found if where(p)]
        return chosen[i % len(chosen)] if chosen else None

    # --- the counter ------------------------------------------------------------------------------

    @initialize(day=DAYS)
    def a_business_day(self, day: date) -> None:
        day = max(day, self._today() + timedelta(days=1))
        self.clock.set(datetime.combine(day, time(7, 0), tzinfo=UTC))  # 08:00 in Tunis
        for number, employee in STAFF.items():
            opened = OpenCounter(key("open"), f"agent:{employee}", "haidra", number, employee)
            self._try(partial(self.dar.houses.open_counter, opened))

    @rule(minutes=st.integers(min_value=0, max_value=12))
    def time_passes(self, minutes: int) -> None:
        self.clock.advance(timedelta(minutes=minutes, seconds=minutes * 7))

    @rule(line=st.sampled_from(["A", "A", "B"]), priority=st.sampled_from([None, None, "elderly"]))
    def issue(self, line: str, priority: str | None) -> None:
        command = IssueTicket(key("issue"), "kiosk:1", "haidra", line, priority)
        self._try(lambda: self.dar.counter.issue_ticket(command))

    @visit_rule
    def a_visit(self, line: str, counter: int, minutes: int, then: str) -> None:
        """A ticket issued, the next one called at the counter, then what `then` names.

        Requests are lodged at counter 1: its agent is accredited for STEG and CNAM.
        """
        counter = 1 if then in {"on_the_spot", "forwarded", "refused"} else counter
        self.issue(line, None)
        self.call_next(counter)
        self.time_passes(minutes)
        serving = [t for t in self._labels(TicketStatus.CALLED) if t.counter == counter]
        if not serving:
            return
        label, actor = serving[0].label, f"agent:{STAFF[counter]}"
        if then == "contact":
            self.contact(0, redirection=False)
        if then in {"on_the_spot", "forwarded", "refused"}:
            self._lodge(serving[0], forwarded=then != "on_the_spot")
            steps = {"on_the_spot": ["complete"], "forwarded": ["forward"]}
            for step in steps.get(then, ["forward", "acknowledge", "refused"]):
                self.request_moves(len(self.requests) - 1, step)
        if then in {"no_show", "park", "transfer", "recycle"}:
            self._try(
                lambda: ticket_step(
                    self.dar, then if then != "transfer" else "recall", key(then), actor, label
                )
            )
            if then == "transfer":
                self.transfer(0, to_line=True)
            return
        self._try(lambda: ticket_step(self.dar, "end_visit", key("end"), actor, label))

    # whole visits, chosen three times as often as a single step
    @visit_rule
    def another_visit(self, line: str, counter: int, minutes: int, then: str) -> None:
        self.a_visit(line, counter, minutes, then)

    @visit_rule
    def a_third_visit(self, line: str, counter: int, minutes: int, then: str) -> None:
        self.a_visit(line, counter, minutes, then)

    @rule(counter=st.sampled_from([1, 2]))
    def call_next(self, counter: int) -> None:
        employee = STAFF[counter]
        command = CallNextTicket(key("call"), f"agent:{employee}", "haidra", counter, employee)
        self._try(lambda: self.dar.counter.call_next(command))

    @rule(i=picks)
    def end_visit(self, i: int) -> None:
        self._step("end_visit", i, TicketStatus.CALLED)

    @rule(i=picks)
    def no_show(self, i: int) -> None:
        self._step("no_show", i, TicketStatus.CALLED)

    @rule(i=picks)
    def recall(self, i: int) -> None:
        self._step("recall", i, TicketStatus.CALLED)

    @rule(i=picks)
    def park(self, i: int) -> None:
        self._step("park", i, TicketStatus.CALLED)

    @rule(i=picks)
    def recycle(self, i: int) -> None:
        self._step("recycle", i, TicketStatus.CALLED, TicketStatus.NO_SHOW)

    @rule(i=picks)
    def walk_away(self, i: int) -> None:
        self._step("walk_away", i, TicketStatus.WAITING, TicketStatus.PARKED)

    @rule(i=picks, counter=st.sampled_from([1, 2]))
    def resume(self, i: int, counter: int) -> None:
        ticket = self._pick(i, TicketStatus.PARKED)
        if ticket is not None:
            employee = STAFF[counter]
            command = ResumeTicket(
                key("resume"), f"agent:{employee}", "haidra", ticket.label, counter, employee
            )
            self._try(lambda: self.dar.counter.resume(command))

    @rule(i=picks, to_line=st.booleans())
    def transfer(self, i: int, to_line: bool) -> None:  # noqa: FBT001
        ticket = self._pick(i, TicketStatus.CALLED)
        if ticket is None:
            return
        other = 2 if ticket.counter == 1 else 1
        command = TransferTicket(
            key("transfer"),
            f"agent:{STAFF[ticket.counter or 1]}",
            "haidra",
            ticket.label,
            to_prefix=("B" if ticket.label[0] == "A" else "A") if to_line else None,
            to_counter=None if to_line else other,
        )
        self._try(lambda: self.dar.counter.transfer(command))

    @rule(counter=st.sampled_from([1, 2]), close=st.booleans())
    def open_or_close(self, counter: int, close: bool) -> None:  # noqa: FBT001
        employee = STAFF[counter]
        houses = self.dar.houses
        if close:
            command = CloseCounter(key("close"), f"agent:{employee}", "haidra", counter, employee)
            self._try(lambda: self.dar.counter.close_counter(command))
        else:
            opened = OpenCounter(key("open"), f"agent:{employee}", "haidra", counter, employee)
            self._try(lambda: houses.open_counter(opened))

    @rule(i=picks, redirection=st.booleans())
    def contact(self, i: int, redirection: bool) -> None:  # noqa: FBT001
        ticket = self._pick(i, TicketStatus.CALLED)
        if ticket is not None:
            command = RecordContact(
                key("contact"),
                f"agent:{STAFF[ticket.counter or 1]}",
                "haidra",
                ticket.label,
                "redirection" if redirection else "information",
                "SONEDE",
                "a question",
            )
            self._try(lambda: self.dar.requests.record_contact(command))

    @rule(i=picks, forwarded=st.booleans())
    def lodge(self, i: int, forwarded: bool) -> None:  # noqa: FBT001
        ticket = self._pick(i, TicketStatus.CALLED)
        if ticket is not None:
            self._lodge(ticket, forwarded=forwarded)

    def _lodge(self, ticket: Ticket, *, forwarded: bool) -> None:
        employee = STAFF[ticket.counter or 1]
        partner, service, documents = (
            ("CNAM", "REIMBURSEMENT_FILE", ("Bulletin de soins", "Ordonnance"))
            if forwarded
            else ("STEG", "BILL_DUPLICATE", ())
        )
        command = LodgeRequest(
            key("lodge"),
            f"agent:{employee}",
            "haidra",
            ticket.label,
            employee,
            self.citizen,
            partner,
            service,
            documents,
        )
        self._try(
            lambda: self.requests.append(
                UUID(self.dar.requests.lodge(command).values["request_id"])
            )
        )

    @rule(
        i=picks,
        step=st.sampled_from(["complete", "forward", "acknowledge", "accepted", "refused"]),
    )
    def request_moves(self, i: int, step: str) -> None:
        if not self.requests:
            return
        request = self.requests[i % len(self.requests)]
        if step in {"complete", "forward"}:
            run = lambda: request_step(self.dar, step, key(step), "agent:A17", request)  # noqa: E731
        elif step == "acknowledge":
            run = lambda: request_step(  # noqa: E731
                self.dar, step, key(step), "partner:CNAM", request,
                house=None, partner="CNAM", reference=key("ref"),
            )  # fmt: skip
        else:
            run = lambda: request_step(  # noqa: E731
                self.dar, "decide", key("decide"), "partner:CNAM", request,
                house=None, partner="CNAM", decision=step, reason="vu",
            )  # fmt: skip
        self._try(run)

    # --- payments ---------------------------------------------------------------------------------

    @precondition(lambda self: len(self.payments) < 6)
    @rule(card=st.booleans())
    def new_payment(self, card: bool) -> None:  # noqa: FBT001
        take = pay_by_card if card else pay_cash

        def pay() -> None:
            outcome = take(self.dar, self.request, str(next(_references)), key("pay"))
            self.payments.append(UUID(outcome.values["payment_id"]))

        self._try(pay)
        self.outbox.extend(self.gateway.inner.take_deliveries())

    @precondition(lambda self: len(self.payments) < 6)
    @rule(down=st.booleans())
    def a_card_refund(self, down: bool) -> None:  # noqa: FBT001
        """A card payment paid and settled, a refund asked for and approved (gateway down or up)."""
        self.gateway.inner.available = True
        self.new_payment(card=True)
        if not self.payments:
            return
        self.citizen_pays(len(self.payments) - 1, approve=True)
        self.settle(len(self.payments) - 1)
        self.request_refund(len(self.payments) - 1, 1)
        self.gateway.inner.available = not down
        self.approve_refund(len(self.payments) - 1)

    @rule()
    def gateway_down_or_up(self) -> None:
        """Down, an approved card refund waits to be paid back (no longer awaiting approval)."""
        self.gateway.inner.available = not self.gateway.inner.available

    @rule(i=picks, approve=st.booleans())
    def citizen_pays(self, i: int, approve: bool) -> None:  # noqa: FBT001
        payment = self._payment(i, lambda p: p.session_id is not None and p.pending)
        if payment is not None and payment.session_id is not None:
            session = payment.session_id
            self._try(lambda: self.gateway.inner.pay(session, approve=approve))
            self.outbox.extend(self.gateway.inner.take_deliveries())

    @rule(i=picks)
    def settle(self, i: int) -> None:
        payment = self._payment(i, lambda _: True)
        if payment is not None:
            self._try(lambda: self.dar.payments.settle(payment.id, "haidra"))
            self.outbox.extend(self.gateway.inner.take_deliveries())

    @rule(i=picks)
    def cancel(self, i: int) -> None:
        payment = self._payment(i, lambda p: p.pending)
        if payment is not None:
            command = CancelPayment(key("cancel"), "agent:A17", "haidra", payment.id, "parti")
            self._try(lambda: self.dar.payments.cancel(command))

    @rule(i=picks, share=st.integers(min_value=1, max_value=3))
    def request_refund(self, i: int, share: int) -> None:
        payment = self._payment(i, lambda p: p.status is PaymentStatus.CAPTURED)
        if payment is not None:
            millimes = max(1, payment.captured.millimes * share // 4)
            command = RequestRefund(
                key("refund"), "agent:A17", "haidra", payment.id, millimes, "erreur"
            )
            self._try(lambda: self.dar.payments.request_refund(command))

    @rule(i=picks)
    def approve_refund(self, i: int) -> None:
        payment = self._payment(i, lambda p: any(r.approved_by is None for r in p.refunds.values()))
        if payment is None:
            return
        waiting = [r for r in payment.refunds.values() if r.approved_by is None]
        command = ApproveRefund(
            key("approve"), "supervisor:S1", "haidra", payment.id, waiting[0].refund_id
        )
        self._try(lambda: self.dar.payments.approve_refund(command))
        self.outbox.extend(self.gateway.inner.take_deliveries())

    # --- the property -----------------------------------------------------------------------------

    @invariant()
    def the_read_models_catch_up_after_each_command(self) -> None:
        self.dar.projections.catch_up()
        assert not self.dar.projections.failures()

    def teardown(self) -> None:
        try:
            incremental = computed(self.dar, HAIDRA)
            [dashboard] = [r for r in projections() if r.key == self.dar.read.dashboard_key]
            rebuild(self.dar.store, self.dar.read.db, [dashboard], now=self.clock.now)
            rebuilt = computed(self.dar, HAIDRA)
            assert rebuilt == incremental
            expected = from_aggregates(self.dar, self.clock.now())
            assert replace(expected, position=incremental.position) == incremental
        finally:
            if SOURCE.fresh:
                self.dar.close()


# --- the figures, from the aggregates -------------------------------------------------------------


def _ids(dar: Dar, kind: type, event: str = "") -> list[UUID]:
    """Ids of the aggregates of that class in the log (by their created event's topic)."""
    prefix = f"{kind.__module__}:{kind.__qualname__}."
    return list(
        dict.fromkeys(
            n.originator_id
            for n in _notifications(dar)
            if n.topic.startswith(prefix) and (not event or n.topic.endswith(event))
        )
    )


def _notifications(dar: Dar) -> Iterator[Any]:
    start = 1
    while True:
        page = dar.store.recorder.select_notifications(start=start, limit=1000)
        yield from page
        if len(page) < 1000:
            return
        start = page[-1].id + 1


def _events(dar: Dar, aggregate: UUID) -> list[Any]:
    return list(dar.store.events.get(aggregate))


def from_aggregates(dar: Dar, now: datetime) -> f.Dashboard:  # noqa: C901, PLR0912, PLR0915 - one recomputation
    """The dashboard computed from the aggregates, independently of the read model."""
    store, today = dar.store, tunis_day(now)
    house = store.load(HAIDRA, House, "house")
    queues = {
        p: q
        for p in house.lines
        if (q := store.find(queue_id(HAIDRA, p, today), Queue)) is not None
    }
    tickets = [t for q in queues.values() for t in q.tickets.values()]
    waiting_on = {
        p: [t for t in q.tickets.values() if t.status is TicketStatus.WAITING]
        for p, q in queues.items()
    }
    room = store.find(counter_room_id(HAIDRA, today), CounterRoom)
    holders = {} if room is None else dict(room.holders)
    agents = {a: store.load(a, Agent, "agent") for a in _ids(dar, Agent)}
    agents = {a: agent for a, agent in agents.items() if agent.house_id == HAIDRA}
    names = {a: agent.display_name for a, agent in agents.items()}
    partners = {p: store.load(p, Partner, "partner").code for p in _ids(dar, Partner)}

    # who serves each ticket, and handling times, from the queues' events
    served: dict[UUID, list[int]] = {}
    ended: dict[str, list[tuple[datetime, int, int]]] = {}  # every day's, for the moving average
    no_shows = 0
    for queue_id_ in _ids(dar, Queue):
        queue = store.load(queue_id_, Queue, "queue")
        if queue.house_id != HAIDRA:
            continue
        server: dict[str, UUID] = {}
        for n, event in enumerate(_events(dar, queue.id)):
            if isinstance(event, Queue.TicketCalled | Queue.TicketResumed):
                server[event.label] = event.agent_id
            elif isinstance(event, Queue.TicketMarkedNoShow):
                no_shows += queue.day == today
            elif isinstance(event, Queue.VisitEnded):
                ticket = queue.tickets[event.label]
                millis = (ticket.ended_at - ticket.called_at) // timedelta(milliseconds=1)  # type: ignore[operator]
                ended.setdefault(queue.prefix, []).append((event.timestamp, n, millis))
                if queue.day == today:
                    served.setdefault(server[event.label], []).append(millis)

    lines = []
    for prefix in sorted(house.lines):
        waiting = waiting_on.get(prefix, [])
        recent = [m for _, _, m in sorted(ended.get(prefix, []))][-20:]
        average = sum(recent) // len(recent) // 1000 if recent else None
        estimate = 0 if not waiting else (
            None if average is None or not holders else len(waiting) * average // len(holders)
        )  # fmt: skip
        lines.append(
            f.LineFigures(
                prefix,
                house.lines[prefix].name,
                len(waiting),
                max(
                    (max(int((now - t.waiting_since).total_seconds()), 0) for t in waiting),
                    default=0,
                ),
                len(holders),
                average,
                estimate,
            )
        )

    counters = []
    for number in sorted(holders):
        at = [t for t in tickets if t.status is TicketStatus.CALLED and t.counter == number]
        counters.append(
            f.CounterFigures(
                number,
                holders[number],
                names.get(holders[number]),
                at[0].label if at else None,
                at[0].called_at if at else None,
            )
        )

    # visits, contacts and requests
    contacts: dict[UUID | None, int] = {}
    lodged: dict[UUID, int] = {}
    on_the_spot = forwarded = refused = 0
    for visit in _ids(dar, Visit):
        for event in _events(dar, visit):
            if isinstance(event, Visit.ContactRecorded) and tunis_day(event.timestamp) == today:
                who = agent_of(event.actor)
                contacts[who] = contacts.get(who, 0) + 1
    for request in _ids(dar, CitizenRequest):
        for event in _events(dar, request):
            if tunis_day(event.timestamp) != today:
                continue
            if isinstance(event, CitizenRequest.Lodged) and event.house_id == HAIDRA:
                lodged[event.agent_id] = lodged.get(event.agent_id, 0) + 1
            on_the_spot += isinstance(event, CitizenRequest.Completed)
            forwarded += isinstance(event, CitizenRequest.Forwarded)
            refused += isinstance(event, CitizenRequest.Decided) and event.decision == "refused"
    today_figures = f.DayFigures(
        visits=sum(q.issued for q in queues.values()),
        served=sum(1 for t in tickets if t.status is TicketStatus.DONE),
        contacts=sum(contacts.values()),
        requests_on_the_spot=on_the_spot,
        requests_forwarded=forwarded,
        requests_refused=refused,
        no_shows=no_shows,
    )

    # money
    collected: dict[tuple[str, str], list[int]] = {}
    pending = []
    for payment_id in _ids(dar, Payment):
        payment = store.load(payment_id, Payment, "payment")
        if payment.origin.house_id != HAIDRA:
            continue
        line = collected.setdefault((payment.origin.partner_code, payment.method.value), [0, 0, 0])
        asked: dict[str, datetime] = {}
        for event in _events(dar, payment_id):
            if isinstance(event, Payment.Captured) and event.business_date == today:
                line[0] += 1
                line[1] += event.amount_millimes
            elif isinstance(event, Payment.RefundRequested):
                asked[event.refund_id] = event.timestamp
            elif isinstance(event, Payment.Refunded) and event.business_date == today:
                line[2] += payment.refunds[event.refund_id].amount.millimes
        pending += [
            f.PendingRefund(
                payment_id,
                r.refund_id,
                payment.origin.partner_code,
                r.amount.millimes,
                asked[r.refund_id],
            )
            for r in payment.refunds.values()
            if r.approved_by is None and not r.paid
        ]
    money = [
        f.Collected(partner, method, c - r, c, r, n)
        for (partner, method), (n, c, r) in sorted(collected.items())
        if n or c or r
    ]

    # grants and accreditations
    expiring = []
    for grant_id in _ids(dar, DelegationGrant):
        grant = store.load(grant_id, DelegationGrant, "grant")
        left = (grant.validity.ends_on - today).days
        if grant.house_id == HAIDRA and grant.state is not GrantState.REVOKED and 0 <= left <= 30:
            expiring.append(
                f.Expiring("GRANT", partners[grant.partner_id], None, grant.validity.ends_on, left)
            )
    for agent in agents.values():
        for held in agent.accreditations.values():
            left = (held.expires_on - today).days
            if agent.active and 0 <= left <= 30:
                expiring.append(
                    f.Expiring(
                        "ACCREDITATION", partners[held.partner_id], agent.id, held.expires_on, left
                    )
                )

    agent_ids = {a for a, agent in agents.items() if agent.active} | set(served) | set(lodged)
    agent_ids |= {a for a in contacts if a is not None}
    agent_rows = [
        f.AgentFigures(
            a,
            names.get(a),
            len(served.get(a, [])),
            sum(served[a]) // len(served[a]) // 1000 if served.get(a) else None,
            contacts.get(a, 0),
            lodged.get(a, 0),
        )
        for a in agent_ids
    ]
    return f.Dashboard(
        house_id=HAIDRA,
        business_date=today,
        as_of=now,
        position=0,
        lines=lines,
        counters=counters,
        today=today_figures,
        collected=money,
        refunds_awaiting_approval=sorted(
            pending, key=lambda r: (r.requested_at, str(r.payment_id))
        ),
        overdue_at_partners=_overdue(dar, house, today),
        expiring=sorted(
            expiring, key=lambda e: (e.valid_until, e.kind, e.partner_code, str(e.agent_id))
        ),
        agents=sorted(agent_rows, key=lambda a: (a.agent_name or "", str(a.agent_id))),
    )


def _overdue(dar: Dar, house: House, today: date) -> list[f.OverdueFile]:
    """Files at the partner's after their deadline, late by the house's working days."""
    calendar = house.calendar(business_calendar())
    late = []
    for request_id in _ids(dar, CitizenRequest):
        request = dar.store.load(request_id, CitizenRequest, "request")
        due = request.due_on
        if request.house_id != HAIDRA or due is None or request.status not in AT_PARTNER:
            continue
        days = calendar.working_days_between(due, today) if today > due else 0
        if days > 0:
            late.append(
                f.OverdueFile(request_id, request.partner_code, request.service_code, due, days)
            )
    return sorted(late, key=lambda o: (o.deadline, str(o.request_id)))


AT_PARTNER = {RequestStatus.SUBMITTED, RequestStatus.AT_PARTNER, RequestStatus.RESUBMITTED}


# --- running it -----------------------------------------------------------------------------------


def _ready(
    settings_of: Callable[[], Settings],
) -> Callable[[], tuple[Dar, LossyGateway, UUID, UUID, TestClock]]:
    def ready() -> tuple[Dar, LossyGateway, UUID, UUID, TestClock]:
        clock = TestClock()
        dar, gateway, citizen = payments_ready(settings_of(), clock)
        dar.projections.prepare()
        return dar, gateway, citizen, bill_request(dar, citizen), clock

    return ready


def _run(max_examples: int, phases: tuple[Phase, ...] = tuple(Phase)) -> None:
    chosen = settings(
        max_examples=max_examples,
        phases=phases,
        stateful_step_count=STEPS,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    run_state_machine_as_test(DashboardMachine, settings=chosen)


def test_the_dashboard_built_rebuilt_and_recomputed_agree_in_memory() -> None:
    def memory() -> Settings:
        return Settings(
            database_url=f"sqlite:///file:dar_dash_{next(_memory)}?mode=memory&cache=shared"
        )

    SOURCE.ready, SOURCE.fresh = _ready(memory), True
    _run(min(120, max(20, settings().max_examples // 4)))  # ci: 120, default: 50


@pytest.mark.usefixtures("postgres_server")
def test_the_dashboard_built_rebuilt_and_recomputed_agree_on_postgres(
    pg_settings: Settings,
) -> None:
    shared = _ready(lambda: pg_settings)()
    SOURCE.ready, SOURCE.fresh = (lambda: shared), False
    try:
        _run(8, phases=(Phase.explicit, Phase.reuse, Phase.generate))  # bounded: no shrinking
    finally:
        shared[0].close()
