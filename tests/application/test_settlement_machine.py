"""One state machine over a house's days of settlement: tills, remittances and deliveries at once.

What the till, remittance and payment machines check apart, mixed in one history at Haidra: STEG
and SONEDE bills paid in cash (into A17's open till, refused without one) or by card (the capture
heard of at once, or hours later after the day's remittance was closed); refunds asked for by A17
and approved by the supervisor (cash out of A17's till, never more than it holds; card through
the gateway); CNAM files forwarded; A17's till opened and closed (exactly, or short or over with
a reason, reviewed by the supervisor); SONEDE's or CNAM's system going down (reported by its
staff, its simulated server answering 503) and coming back; the delivery process stepped (the
read models caught up, one round); remittances closed; hours passing, and the next morning.

After every step: per partner, Σ remittances (closed) + outstanding (still open) = Σ captured -
Σ refunded; every till's expected cash = float + cash in - cash out (the model's and Dar's own);
no item confirmed twice nor received twice by the partners' server. After a round with every
partner up, nothing waits: every payment captured, refund paid back and file forwarded is
confirmed exactly once, and what each partner received (Dar's reference, the amount, the day of
the remittance each capture or refund went into) adds up to each of its remittances.

A fresh store and a fresh simulated partners' server per history: many histories in memory, a
bounded run on PostgreSQL.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import ClassVar
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from api.bootstrap import bootstrap
from application.payments.commands import ApproveRefund, RequestRefund
from application.payments.till_commands import CloseTill, OpenTill, ReviewTillDiscrepancy
from application.payments.tills import open_till_of
from application.settlement.commands import CloseRemittance
from domain.partners.reachability import Reachability
from domain.payments.payment import Method, Payment, PaymentStatus
from domain.payments.remittance import Remittance
from domain.payments.till import Count, NoOpenTillError, NotEnoughCashError
from domain.shared.errors import DarError
from domain.shared.money import Money
from domain.shared.time import tunis_day
from infrastructure.payments.simulated_gateway import SimulatedGateway
from infrastructure.settings import Settings
from tests.support.citizens import register
from tests.support.clock import TestClock
from tests.support.deliveries import PARTNERS as DELIVERED
from tests.support.deliveries import (
    confirmations,
    forward_file,
    http_partners,
    keyed,
    report,
)
from tests.support.partner import simulated_partners
from tests.support.payments import (
    PAYMENTS_READY,
    SECRET,
    LossyGateway,
    bill_request,
    deliver,
    pay_by_card,
    pay_cash,
)
from tests.support.postgres import PostgresServer
from tests.support.spec import Scenario
from tests.support.stores import PostgresDatabases

TUNIS = ZoneInfo("Africa/Tunis")
BILLED = ("STEG", "SONEDE")
FAILING = ("SONEDE", "CNAM")  # the partners whose systems go down
FIRST_DAY = date(2026, 1, 6)  # day 2 of the fixtures, when the machine starts
OFFSETS = (0, 0, -1_500, 1_000)  # counted - expected at a close: balanced twice as often
_references = itertools.count(30_000_001)
_keys = itertools.count(1)
_memory_names = itertools.count(1)
picks = st.integers(min_value=0, max_value=1_000)


@dataclass
class Drawer:
    """The model's till: its float, what went in and out."""

    float_millimes: int
    cash_in: int = 0
    cash_out: int = 0

    @property
    def expected(self) -> int:
        return self.float_millimes + self.cash_in - self.cash_out


def _key() -> str:
    return f"sm-{next(_keys)}"


class SettlementMachine(RuleBasedStateMachine):
    stores: ClassVar[Callable[[], Iterator[Settings]]]

    def __init__(self) -> None:
        super().__init__()
        self._stack = ExitStack()
        store = self._stack.enter_context(contextmanager(type(self).stores)())
        self.server = self._stack.enter_context(simulated_partners())
        self.clock = TestClock()
        self.gateway = LossyGateway(SimulatedGateway(SECRET))
        self.dar = bootstrap(
            keyed(store),
            self.clock,
            gateway=self.gateway,
            partners=http_partners(self.server.endpoints(*DELIVERED)),
        )
        self._stack.callback(self.dar.close)
        Scenario(self.dar, self.clock).given(*PAYMENTS_READY).at("day 2 08:15")
        self.citizen = register(self.dar, "01234567", "Amel Ben Salah")
        self.dar.projections.prepare()
        self.gateway.inner.available = True
        self.requests = {p: bill_request(self.dar, self.citizen, p) for p in BILLED}
        self.payments: list[UUID] = []
        self.files: list[UUID] = []
        self.held: list[UUID] = []  # card payments paid, their capture not heard of yet
        self.closed: dict[UUID, int] = {}  # each closed remittance and the amount it fixed
        self.down: set[str] = set()
        self.drawers: dict[UUID, Drawer] = {}
        self.open: UUID | None = None  # A17's open till
        self.to_review: list[UUID] = []
        try:  # the fixtures may have opened A17's till already
            till = open_till_of(self.dar.store, "haidra", "A17", self.today)
        except NoOpenTillError:
            pass
        else:
            self.open = till.id
            self.drawers[till.id] = Drawer(
                till.opening_float.millimes, till.cash_in.millimes, till.cash_out.millimes
            )

    # --- helpers ----------------------------------------------------------------------------------

    @property
    def today(self) -> date:
        return tunis_day(self.dar.clock.now())

    def _payment(self, payment_id: UUID) -> Payment:
        return self.dar.store.load(payment_id, Payment, "payment")

    def _remittances(self) -> list[Remittance]:
        last = self.today + timedelta(days=1)
        return [
            r
            for p in BILLED
            for r in self.dar.settlement.remittances(p, ["haidra"], FIRST_DAY, last)
        ]

    def _deliver_callbacks(self) -> None:
        for delivery in self.gateway.inner.take_deliveries():
            deliver(self.dar, delivery)

    # --- the counter ------------------------------------------------------------------------------

    @rule(partner=st.sampled_from(BILLED))
    def pay_cash(self, partner: str) -> None:
        reference, key = str(next(_references)), _key()
        if self.open is None:
            with pytest.raises(NoOpenTillError):
                pay_cash(self.dar, self.requests[partner], reference, key)
            return
        outcome = pay_cash(self.dar, self.requests[partner], reference, key)
        payment = UUID(outcome.values["payment_id"])
        self.payments.append(payment)
        self.drawers[self.open].cash_in += self._payment(payment).captured.millimes

    @rule(partner=st.sampled_from(BILLED), heard_at_once=st.booleans())
    def pay_by_card(self, partner: str, heard_at_once: bool) -> None:  # noqa: FBT001
        outcome = pay_by_card(self.dar, self.requests[partner], str(next(_references)), _key())
        payment = self._payment(UUID(outcome.values["payment_id"]))
        self.payments.append(payment.id)
        self.gateway.inner.pay(payment.session_id or "")
        if heard_at_once:
            self._deliver_callbacks()
        else:
            self.gateway.inner.take_deliveries()  # the callbacks are lost: settled later
            self.held.append(payment.id)

    @precondition(lambda self: self.held)
    @rule(i=picks)
    def a_capture_arrives_late(self, i: int) -> None:
        payment_id = self.held.pop(i % len(self.held))
        self.dar.payments.settle(payment_id, "haidra")
        self.gateway.inner.take_deliveries()

    @precondition(lambda self: self.payments)
    @rule(i=picks, share=st.integers(min_value=1, max_value=4))
    def refund(self, i: int, share: int) -> None:
        captured = [
            p for p in map(self._payment, self.payments) if p.status is PaymentStatus.CAPTURED
        ]
        if not captured:
            return
        payment = captured[i % len(captured)]
        amount = (payment.captured - payment.committed_refunds).millimes // share
        if amount <= 0:
            return
        asked = RequestRefund(_key(), "agent:A17", "haidra", payment.id, amount, "erreur")
        refund_id = self.dar.payments.request_refund(asked).value.refund_id
        approve = ApproveRefund(_key(), "supervisor:S01", "haidra", payment.id, refund_id)
        if payment.method is not Method.CASH:
            self.dar.payments.approve_refund(approve)
            self._deliver_callbacks()
        elif self.open is None:
            with pytest.raises(NoOpenTillError):
                self.dar.payments.approve_refund(approve)
        elif self.drawers[self.open].expected < amount:
            with pytest.raises(NotEnoughCashError):
                self.dar.payments.approve_refund(approve)
        else:
            self.dar.payments.approve_refund(approve)
            self.drawers[self.open].cash_out += amount

    @precondition(lambda self: self.today == FIRST_DAY)  # lodged at the fixtures' ticket of the day
    @rule()
    def forward_a_file(self) -> None:
        self.files.append(forward_file(self.dar, self.citizen))

    # --- tills ------------------------------------------------------------------------------------

    @precondition(lambda self: self.open is None)
    @rule(float_millimes=st.integers(0, 100_000))
    def open_till(self, float_millimes: int) -> None:
        command = OpenTill(_key(), "agent:A17", "haidra", "A17", float_millimes)
        till = self.dar.tills.open_till(command).value.till_id
        assert till not in self.drawers
        self.drawers[till] = Drawer(float_millimes)
        self.open = till

    @precondition(lambda self: self.open is not None)
    @rule(offset=st.sampled_from(OFFSETS))
    def close_till(self, offset: int) -> None:
        assert self.open is not None
        drawer = self.drawers[self.open]
        counted = max(0, drawer.expected + offset)
        count = tuple(Count.exactly(Money(counted)).pieces.items())
        reason = "écart constaté" if counted != drawer.expected else None
        command = CloseTill(_key(), "agent:A17", "haidra", self.open, count, reason, "A17")
        self.dar.tills.close_till(command)
        if reason is not None:
            self.to_review.append(self.open)
        self.open = None

    @precondition(lambda self: self.to_review)
    @rule()
    def review_till(self) -> None:
        till = self.to_review.pop()
        command = ReviewTillDiscrepancy(_key(), "supervisor:S01", "haidra", till, "vu")
        self.dar.tills.review_discrepancy(command)

    # --- partners ---------------------------------------------------------------------------------

    @rule(partner=st.sampled_from(FAILING))
    def partner_goes_down(self, partner: str) -> None:
        if partner in self.down:
            return
        report(self.dar, partner, Reachability.UNREACHABLE, _key())
        self.server.down.add(partner)
        self.down.add(partner)

    @precondition(lambda self: self.down)
    @rule(partner=st.sampled_from(FAILING))
    def partner_comes_back(self, partner: str) -> None:
        if partner not in self.down:
            return
        self.server.down.discard(partner)
        report(self.dar, partner, Reachability.REACHABLE, _key())
        self.down.discard(partner)

    @rule()
    def delivery_round(self) -> None:
        self.dar.projections.catch_up()
        done = self.dar.delivery.run_round()
        assert done.failed == 0, "a partner reported reachable failed"
        if self.down:
            return
        # every partner up and the process has run: nothing is left behind
        self.dar.projections.catch_up()
        assert self.dar.read.deliveries.waiting(limit=1_000) == []
        payments = list(map(self._payment, self.payments))
        captured = [p.id for p in payments if p.captured.millimes > 0]
        refunds = [(p.id, r.refund_id) for p in payments for r in p.refunds.values() if r.paid]
        assert confirmations(self.dar) == Counter(
            {(p, 1): 1 for p in captured}
            | dict.fromkeys(refunds, 1)
            | {(f, 1): 1 for f in self.files}
        )
        self._received_adds_up_to_the_remittances()

    def _received_adds_up_to_the_remittances(self) -> None:
        """Each partner's statement, from what it received alone, matches every remittance."""
        stated: Counter[tuple[str, date]] = Counter()
        references: list[str] = []
        for receipt, body in self.server.accepted.values():
            if body["kind"] == "file":
                continue
            partner = receipt.rsplit("-", 1)[0]
            sign = 1 if body["kind"] == "payment" else -1
            day = date.fromisoformat(body["remittanceDate"])
            stated[(partner, day)] += sign * body["amountMillimes"]
            references.append(body["reference"])
            assert body["houseCode"] == "haidra"
        assert len(references) == len(set(references)), "a reference was received twice"
        for remittance in self._remittances():
            of = (remittance.partner_code, remittance.business_date)
            assert stated.pop(of, 0) == remittance.net.millimes, f"{of}: stated ≠ remitted"
        assert not any(stated.values()), f"received for no remittance: {stated}"

    # --- remittances and time ---------------------------------------------------------------------

    @rule(partner=st.sampled_from(BILLED), days_back=st.sampled_from([0, 0, 1]))
    def close_remittance(self, partner: str, days_back: int) -> None:
        day = max(FIRST_DAY, self.today - timedelta(days=days_back))
        command = CloseRemittance(_key(), "supervisor:S01", "haidra", partner, day)
        try:
            value = self.dar.settlement.close_remittance(command).value
        except DarError:
            return  # closed already
        self.closed[value.remittance_id] = value.captured_millimes - value.refunded_millimes

    @precondition(lambda self: self.dar.clock.now().astimezone(TUNIS).hour < 20)
    @rule(hours=st.sampled_from([1, 2]))
    def time_passes(self, hours: int) -> None:
        self.clock.advance(timedelta(hours=hours))

    @precondition(lambda self: self.open is None)
    @rule()
    def next_morning(self) -> None:
        tomorrow = self.today + timedelta(days=1)
        self.clock.set(datetime.combine(tomorrow, time(8, 15), TUNIS))

    # --- invariants -------------------------------------------------------------------------------

    @invariant()
    def remittances_and_outstanding_add_up_to_captured_less_refunded(self) -> None:
        remittances = self._remittances()
        for partner in BILLED:
            closed = sum(
                r.net.millimes for r in remittances if r.partner_code == partner and r.closed
            )
            outstanding = sum(
                r.net.millimes for r in remittances if r.partner_code == partner and not r.closed
            )
            taken = sum(
                p.captured.millimes - p.refunded.millimes
                for p in map(self._payment, self.payments)
                if p.origin.partner_code == partner
            )
            assert closed + outstanding == taken, f"{partner}: {closed} + {outstanding} ≠ {taken}"
        for remittance in remittances:
            fixed = self.closed.get(remittance.id)
            assert remittance.closed == (fixed is not None)
            if fixed is not None:
                assert remittance.net.millimes == fixed, "a closed remittance changed"

    @invariant()
    def every_till_expects_its_float_plus_cash_in_less_cash_out(self) -> None:
        for the_id, drawer in self.drawers.items():
            till = self.dar.tills.current(the_id)
            assert till.expected.millimes == drawer.expected
            assert till.opening_float + till.cash_in - till.cash_out == till.expected

    @invariant()
    def no_item_confirmed_or_received_twice(self) -> None:
        assert all(n == 1 for n in confirmations(self.dar).values()), "confirmed twice"
        received = Counter(key for _, key in self.server.received)
        assert all(n == 1 for n in received.values()), "received twice"

    def teardown(self) -> None:
        try:
            for partner in list(self.down):
                self.partner_comes_back(partner)
            self.delivery_round()  # asserts nothing is left behind
        finally:
            self._stack.close()


def run_machine(stores: Callable[[], Iterator[Settings]], max_examples: int) -> None:
    SettlementMachine.stores = staticmethod(stores)
    chosen = settings(
        max_examples=max_examples,
        stateful_step_count=15,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    run_state_machine_as_test(SettlementMachine, settings=chosen)


def _memory() -> Iterator[Settings]:
    name = f"dar_settle_{next(_memory_names)}"
    yield Settings(database_url=f"sqlite:///file:{name}?mode=memory&cache=shared")


def test_a_house_s_days_settle_after_every_step_in_memory() -> None:
    run_machine(_memory, max_examples=max(30, settings().max_examples // 10))


@pytest.mark.usefixtures("postgres_server")
def test_a_house_s_days_settle_after_every_step_on_postgres(
    pg_databases: PostgresDatabases, postgres_server: PostgresServer
) -> None:
    def stores() -> Iterator[Settings]:
        created = pg_databases.create()
        try:
            yield created
        finally:
            pg_databases.drop(created)

    del postgres_server
    run_machine(stores, max_examples=6)
