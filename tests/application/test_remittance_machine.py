"""A state machine over a house's days of money: payments, refunds, late captures, remittances.

STEG and SONEDE bills are paid in cash or by card at Haidra; a card payment's capture may be
heard of at once or hours later (its callbacks held back, then settled by a status query, after
the day's remittance was closed); refunds are asked for and approved (cash paid back at once,
card through the gateway); the supervisor closes today's remittance of a partner, or an earlier
day's; time moves on by hours, across midnight. After every step, per partner: the remittances
(closed and still open) add up to what was captured less what was refunded, a closed
remittance's amount never changes, and every capture and refund is in exactly one remittance. At
the end, the money recomputed from the log (application/audit/money.py, which the payments read
model is checked against) agrees with the remittances.

Many histories on an in-memory store (a fresh one each); a bounded run on PostgreSQL.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import date, timedelta
from typing import ClassVar
from uuid import UUID

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from application.audit.money import MoneyFromLog
from application.payments.commands import ApproveRefund, RequestRefund
from application.payments.till_commands import OpenTill
from application.settlement.commands import CloseRemittance
from domain.payments.payment import Payment, PaymentStatus
from domain.payments.remittance import Remittance
from domain.payments.till import TillAlreadyOpenError
from domain.shared.errors import DarError
from domain.shared.time import tunis_day
from infrastructure.settings import Settings
from tests.support.payments import bill_request, deliver, pay_by_card, pay_cash, payments_ready
from tests.support.postgres import PostgresServer
from tests.support.stores import PostgresDatabases

PARTNERS = ("STEG", "SONEDE")
FIRST_DAY = date(2026, 1, 6)  # day 2 of the fixtures, when the machine starts
_references = itertools.count(20_000_001)
_keys = itertools.count(1)
_memory_names = itertools.count(1)
picks = st.integers(min_value=0, max_value=1_000)
partners = st.sampled_from(PARTNERS)


class RemittanceMachine(RuleBasedStateMachine):
    stores: ClassVar[Callable[[], Iterator[Settings]]]

    def __init__(self) -> None:
        super().__init__()
        self._store = type(self).stores()
        self.dar, self.gateway, citizen = payments_ready(next(self._store))
        self.gateway.inner.available = True
        self.requests = {p: bill_request(self.dar, citizen, p) for p in PARTNERS}
        self.payments: list[UUID] = []
        self.held: list[UUID] = []  # card payments the citizen paid, not yet heard of
        self.closed: dict[UUID, int] = {}  # each closed remittance and the amount it fixed

    # --- helpers ----------------------------------------------------------------------------------

    @property
    def today(self) -> date:
        return tunis_day(self.dar.clock.now())

    def _days(self) -> list[date]:
        """Every day an entry may be in: from the first day to tomorrow."""
        count = (self.today - FIRST_DAY).days + 2
        return [FIRST_DAY + timedelta(days=n) for n in range(count)]

    def _remittances(self) -> list[Remittance]:
        days = self._days()
        return [
            r
            for p in PARTNERS
            for r in self.dar.settlement.remittances(p, ["haidra"], days[0], days[-1])
        ]

    def _payment(self, payment_id: UUID) -> Payment:
        return self.dar.store.load(payment_id, Payment, "payment")

    def _pick(self, i: int, where: Callable[[Payment], bool]) -> Payment | None:
        found = [p for p in map(self._payment, self.payments) if where(p)]
        return found[i % len(found)] if found else None

    def _deliver_everything(self) -> None:
        for delivery in self.gateway.inner.take_deliveries():
            deliver(self.dar, delivery)

    # --- rules ------------------------------------------------------------------------------------

    def _a17_till_open_today(self) -> None:
        """A17's till of the day, opened with a float large enough for any refund in cash."""
        opening = OpenTill(_key(), "agent:A17", "haidra", "A17", 10_000_000)
        with suppress(TillAlreadyOpenError):
            self.dar.tills.open_till(opening)

    @rule(partner=partners)
    def pay_cash(self, partner: str) -> None:
        self._a17_till_open_today()
        outcome = pay_cash(self.dar, self.requests[partner], str(next(_references)), _key())
        self.payments.append(UUID(outcome.values["payment_id"]))

    @rule(partner=partners, heard_at_once=st.booleans())
    def pay_by_card(self, partner: str, heard_at_once: bool) -> None:  # noqa: FBT001
        outcome = pay_by_card(self.dar, self.requests[partner], str(next(_references)), _key())
        payment = self._payment(UUID(outcome.values["payment_id"]))
        self.payments.append(payment.id)
        self.gateway.inner.pay(payment.session_id or "")
        if heard_at_once:
            self._deliver_everything()
        else:
            self.gateway.inner.take_deliveries()  # the callbacks are lost: settled later
            self.held.append(payment.id)

    @rule(i=picks)
    def a_capture_arrives_late(self, i: int) -> None:
        if not self.held:
            return
        payment_id = self.held.pop(i % len(self.held))
        self.dar.payments.settle(payment_id, "haidra")
        self.gateway.inner.take_deliveries()

    @rule(i=picks, share=st.integers(min_value=1, max_value=3))
    def refund(self, i: int, share: int) -> None:
        payment = self._pick(i, lambda p: p.status is PaymentStatus.CAPTURED)
        if payment is None:
            return
        available = payment.captured - payment.committed_refunds
        amount = available.millimes // share
        if amount <= 0:
            return
        self._a17_till_open_today()  # a cash refund is paid out of the requester's till
        asked = RequestRefund(_key(), "agent:A17", "haidra", payment.id, amount, "r")
        refund_id = self.dar.payments.request_refund(asked).value.refund_id
        approve = ApproveRefund(_key(), "supervisor:S01", "haidra", payment.id, refund_id)
        self.dar.payments.approve_refund(approve)
        self._deliver_everything()

    @rule(partner=partners, days_back=st.sampled_from([0, 0, 0, 1, 3]))  # mostly today
    def close(self, partner: str, days_back: int) -> None:
        day = max(FIRST_DAY, self.today - timedelta(days=days_back))
        command = CloseRemittance(_key(), "supervisor:S01", "haidra", partner, day)
        try:
            outcome = self.dar.settlement.close_remittance(command)
        except DarError:
            return  # closed already
        value = outcome.value
        self.closed[value.remittance_id] = value.captured_millimes - value.refunded_millimes

    @rule(hours=st.sampled_from([1, 2, 3, 16]))  # now and then past midnight
    def time_passes(self, hours: int) -> None:
        self.dar.clock.advance(timedelta(hours=hours))  # type: ignore[attr-defined]

    # --- invariants -------------------------------------------------------------------------------

    @invariant()
    def remittances_add_up_to_captured_less_refunded(self) -> None:
        remittances = self._remittances()
        for partner in PARTNERS:
            owed = sum(r.net.millimes for r in remittances if r.partner_code == partner)
            taken = sum(
                p.captured.millimes - p.refunded.millimes
                for p in map(self._payment, self.payments)
                if p.origin.partner_code == partner
            )
            assert owed == taken, f"{partner}: remittances {owed} ≠ captured less refunded {taken}"
        for remittance in remittances:
            fixed = self.closed.get(remittance.id)
            assert remittance.closed == (fixed is not None)
            if fixed is not None:
                assert remittance.net.millimes == fixed, "a closed remittance changed"
        settlement = self.dar.settlement
        entered = Counter(e.reference for r in remittances for e in settlement.entries(r))
        assert all(n == 1 for n in entered.values()), "an entry in two remittances"

    def teardown(self) -> None:
        try:
            remittances = self._remittances()
            lines, _ = MoneyFromLog(self.dar.store).report(FIRST_DAY, self._days()[-1])
            for partner in PARTNERS:
                from_log = sum(x.figures.net_millimes for x in lines if x.partner_code == partner)
                owed = sum(r.net.millimes for r in remittances if r.partner_code == partner)
                assert from_log == owed, f"{partner}: the money report says {from_log}"
        finally:
            self.dar.close()
            next(self._store, None)


def _key() -> str:
    return f"rm-{next(_keys)}"


def run_machine(stores: Callable[[], Iterator[Settings]], max_examples: int | None = None) -> None:
    RemittanceMachine.stores = staticmethod(stores)
    chosen = settings(
        stateful_step_count=12, deadline=None, suppress_health_check=list(HealthCheck)
    )
    if max_examples is not None:
        chosen = settings(chosen, max_examples=max_examples)
    run_state_machine_as_test(RemittanceMachine, settings=chosen)


def _memory() -> Iterator[Settings]:
    name = f"dar_remit_{next(_memory_names)}"
    yield Settings(database_url=f"sqlite:///file:{name}?mode=memory&cache=shared")


def test_remittances_add_up_over_any_history_in_memory() -> None:
    run_machine(_memory, max_examples=min(100, max(40, settings().max_examples // 5)))


@pytest.mark.usefixtures("postgres_server")
def test_remittances_add_up_over_any_history_on_postgres(
    pg_databases: PostgresDatabases, postgres_server: PostgresServer
) -> None:
    @contextmanager
    def database() -> Iterator[Settings]:
        created = pg_databases.create()
        try:
            yield created
        finally:
            pg_databases.drop(created)

    def stores() -> Iterator[Settings]:
        with database() as created:
            yield created

    del postgres_server
    run_machine(stores, max_examples=8)
