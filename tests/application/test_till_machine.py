"""A state machine over a house's day of tills, against a tiny reference model.

Agents open tills with a float (A17, who takes cash; S01, the supervisor, who may ask for refunds
too), take cash payments, ask for refunds that a second person approves (paid out of the
requester's open till, never more than it holds), close tills counted exactly, short or over
(with or without a reason) by the agent or the supervisor, and discrepancies are reviewed (never
by the one who closed). After every step, for every till of the history: Dar's expected cash is
the model's float + cash in - cash out, and a closed till's discrepancy is its count less that;
across the tills, the cash taken in equals what the cash payments captured and the cash paid out
what their refunds paid back — each payment and refund in exactly one till.

Sixty histories on the in-memory store, whatever the profile: the histories share one store and
one day, so the day's till registers grow with every history (the combined settlement machine,
`test_settlement_machine.py`, runs more histories, each on a fresh store); PostgreSQL gets a
bounded run of the same machine.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import ClassVar
from uuid import UUID

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

from api.bootstrap import Dar
from application.houses.commands import EnrollAgent
from application.payments.commands import ApproveRefund, RequestRefund
from application.payments.till_commands import CloseTill, OpenTill, ReviewTillDiscrepancy
from application.payments.tills import open_till_of
from domain.payments.payment import Payment
from domain.payments.till import (
    Count,
    DiscrepancyUnexplainedError,
    NoOpenTillError,
    NotEnoughCashError,
    SameReviewerError,
    Till,
    TillAlreadyOpenError,
    TillStateError,
)
from domain.shared.errors import DarError
from domain.shared.money import Money
from domain.shared.time import tunis_day
from infrastructure.settings import Settings
from tests.support.payments import bill_request, pay_cash, payments_ready

_keys = itertools.count(1)
_references = itertools.count(20_000_001)
_memory_names = itertools.count(1)
PEOPLE = ("A17", "S01")
OFFSETS = (0, 0, -1_500, 1_000)  # counted - expected: balanced twice as often
MAX_PAYMENTS = 6


def key() -> str:
    return f"tm-{next(_keys)}"


@dataclass
class Drawer:
    """The model's till: what went in and out, and how it was closed."""

    owner: str
    float_millimes: int
    cash_in: int = 0
    cash_out: int = 0
    closed_by: str | None = None
    discrepancy: int | None = None
    reviewed: bool = False

    @property
    def expected(self) -> int:
        return self.float_millimes + self.cash_in - self.cash_out


class TillMachine(RuleBasedStateMachine):
    dar: ClassVar[Dar]
    request: ClassVar[UUID]

    def __init__(self) -> None:
        super().__init__()
        for person in PEOPLE:  # each history starts with every drawer closed
            till = self._open_in_dar(person)
            if till is not None:
                self._close(till, person, f"agent:{person}", till.expected.millimes, None)
        self.drawers: dict[UUID, Drawer] = {}
        self.open: dict[str, UUID] = {}
        self.payments: list[UUID] = []
        self.refunds: list[tuple[UUID, str, str, int]] = []  # payment, refund id, by, amount
        self.paid_back: set[tuple[UUID, str]] = set()

    # --- helpers ----------------------------------------------------------------------------------

    def _open_in_dar(self, person: str) -> Till | None:
        day = tunis_day(self.dar.clock.now())
        try:
            return open_till_of(self.dar.store, "haidra", person, day)
        except NoOpenTillError:
            return None

    def _close(
        self, till: Till, person: str, actor: str, millimes: int, reason: str | None
    ) -> None:
        count = tuple(Count.exactly(Money(millimes)).pieces.items())
        agent = person if actor.startswith("agent:") else None
        command = CloseTill(key(), actor, "haidra", till.id, count, reason, agent)
        self.dar.tills.close_till(command)

    # --- rules ------------------------------------------------------------------------------------

    @rule(person=st.sampled_from(PEOPLE), float_millimes=st.integers(0, 100_000))
    def open_a_till(self, person: str, float_millimes: int) -> None:
        command = OpenTill(key(), f"agent:{person}", "haidra", person, float_millimes)
        if person in self.open:
            with pytest.raises(TillAlreadyOpenError):
                self.dar.tills.open_till(command)
            return
        till = self.dar.tills.open_till(command).value.till_id
        assert till not in self.drawers  # a new stream for every shift
        self.drawers[till] = Drawer(person, float_millimes)
        self.open[person] = till

    @precondition(lambda self: len(self.payments) < MAX_PAYMENTS)
    @rule()
    def take_cash(self) -> None:
        reference = str(next(_references))
        if "A17" not in self.open:
            with pytest.raises(NoOpenTillError):
                pay_cash(self.dar, self.request, reference, key())
            return
        payment = UUID(pay_cash(self.dar, self.request, reference, key()).values["payment_id"])
        self.payments.append(payment)
        captured = self.dar.payments.current(payment).captured.millimes
        self.drawers[self.open["A17"]].cash_in += captured

    @precondition(lambda self: self.payments)
    @rule(pick=st.integers(0, 100), person=st.sampled_from(PEOPLE), part=st.integers(1, 3))
    def ask_for_a_refund(self, pick: int, person: str, part: int) -> None:
        payment = self.dar.payments.current(self.payments[pick % len(self.payments)])
        amount = max(1, payment.captured.millimes * part // 10)
        command = RequestRefund(key(), f"agent:{person}", "haidra", payment.id, amount, "erreur")
        try:
            refund = self.dar.payments.request_refund(command).value.refund_id
        except DarError:
            return  # beyond what is left to refund: the payments' rules, not the tills'
        self.refunds.append((payment.id, refund, person, amount))

    @precondition(lambda self: self.refunds)
    @rule(pick=st.integers(0, 100))
    def approve_a_refund(self, pick: int) -> None:
        payment, refund, person, amount = self.refunds[pick % len(self.refunds)]
        if (payment, refund) in self.paid_back:
            return
        approver = "S01" if person == "A17" else "A17"
        command = ApproveRefund(key(), f"supervisor:{approver}", "haidra", payment, refund)
        till = self.open.get(person)
        if till is None:
            with pytest.raises(NoOpenTillError):
                self.dar.payments.approve_refund(command)
        elif self.drawers[till].expected < amount:
            with pytest.raises(NotEnoughCashError):
                self.dar.payments.approve_refund(command)
        else:
            self.dar.payments.approve_refund(command)
            self.drawers[till].cash_out += amount
            self.paid_back.add((payment, refund))

    @precondition(lambda self: self.open)
    @rule(
        person=st.sampled_from(PEOPLE),
        offset=st.sampled_from(OFFSETS),
        explained=st.booleans(),
        by_supervisor=st.booleans(),
    )
    def close_a_till(
        self,
        person: str,
        offset: int,
        explained: bool,  # noqa: FBT001
        by_supervisor: bool,  # noqa: FBT001
    ) -> None:
        the_id = self.open.get(person)
        if the_id is None:
            return
        drawer = self.drawers[the_id]
        closer = "supervisor:S01" if by_supervisor else f"agent:{person}"
        reason = "écart constaté" if explained else None
        counted = max(0, drawer.expected + offset)  # a drawer never holds less than nothing
        offset = counted - drawer.expected
        till = self.dar.tills.current(the_id)
        if offset and not explained:
            with pytest.raises(DiscrepancyUnexplainedError):
                self._close(till, person, closer, counted, reason)
            return
        self._close(till, person, closer, counted, reason)
        drawer.closed_by, drawer.discrepancy = closer, offset
        del self.open[person]

    @precondition(lambda self: any(d.closed_by for d in self.drawers.values()))
    @rule(pick=st.integers(0, 100), reviewer=st.sampled_from(PEOPLE))
    def review_a_till(self, pick: int, reviewer: str) -> None:
        closed = [t for t, d in self.drawers.items() if d.closed_by]
        the_id = closed[pick % len(closed)]
        drawer = self.drawers[the_id]
        actor = f"supervisor:{reviewer}"
        command = ReviewTillDiscrepancy(key(), actor, "haidra", the_id, "vu")
        closer = (drawer.closed_by or "").partition(":")[2]
        if not drawer.discrepancy or drawer.reviewed:
            with pytest.raises(TillStateError):
                self.dar.tills.review_discrepancy(command)
        elif closer == reviewer:
            with pytest.raises(SameReviewerError):
                self.dar.tills.review_discrepancy(command)
        else:
            self.dar.tills.review_discrepancy(command)
            drawer.reviewed = True

    # --- invariants -------------------------------------------------------------------------------

    @invariant()
    def every_till_expects_its_float_plus_cash_in_less_cash_out(self) -> None:
        for the_id, drawer in self.drawers.items():
            till = self.dar.tills.current(the_id)
            assert till.expected.millimes == drawer.expected
            assert till.opening_float + till.cash_in - till.cash_out == till.expected
            assert (till.cash_in.millimes, till.cash_out.millimes) == (
                drawer.cash_in,
                drawer.cash_out,
            )
            assert till.discrepancy_millimes == (drawer.discrepancy or 0)
            if till.counted is not None:
                assert till.counted - till.expected == Money(till.discrepancy_millimes)

    @invariant()
    def each_cash_movement_is_in_exactly_one_till(self) -> None:
        payments = [self.dar.store.load(p, Payment, "payment") for p in self.payments]
        captured = sum(p.captured.millimes for p in payments)
        refunded = sum(p.refunded.millimes for p in payments)
        assert sum(d.cash_in for d in self.drawers.values()) == captured
        assert sum(d.cash_out for d in self.drawers.values()) == refunded


def run_machine(store: Settings, max_examples: int | None = None) -> None:
    dar, _, citizen = payments_ready(store)
    try:
        dar.houses.enroll_agent(EnrollAgent("enrol-S01", "admin:1", "S01", "haidra", "S01"))
        TillMachine.dar = dar
        TillMachine.request = bill_request(dar, citizen)
        chosen = settings(
            stateful_step_count=12, deadline=None, suppress_health_check=list(HealthCheck)
        )
        if max_examples is not None:
            chosen = settings(chosen, max_examples=max_examples)
        run_state_machine_as_test(TillMachine, settings=chosen)
    finally:
        dar.close()


def test_tills_balance_after_every_step_in_memory() -> None:
    memory = f"sqlite:///file:dar_tills_{next(_memory_names)}?mode=memory&cache=shared"
    run_machine(Settings(database_url=memory), max_examples=60)


@pytest.mark.usefixtures("postgres_server")
def test_tills_balance_after_every_step_on_postgres(pg_settings: Settings) -> None:
    run_machine(pg_settings, max_examples=10)
