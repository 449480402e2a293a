"""A state machine over payments and the gateway's unreliable callbacks.

Payments in cash and by card; the citizen pays or is declined on the hosted page; callbacks are
delivered in any order, twice, late (refused, then settled by a status query) or never; the
gateway goes down and comes back; a capture's reply is lost; cancellations, refunds and
approvals race (on threads) with callbacks and status queries. After every step, for every
payment: captured ≤ authorised ≤ amount, refunds asked for and paid back never exceed what was
captured, each gateway event is applied at most once, the gateway took money at most once and
only when Dar asked for it, and never for a cancelled or failed payment. At the end, with the
gateway back, every payment the gateway captured is captured in Dar with its own receipt, and
the house's receipt numbers have no gap.

Thousands of histories against the in-memory store in the `ci` profile; PostgreSQL gets a bounded
run of the same machine.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from typing import ClassVar
from unittest.mock import patch
from uuid import UUID

import pytest
from eventsourcing.domain import DomainEventProtocol
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
from application.errors import IdempotencyKeyReusedError
from application.payments.commands import ApproveRefund, CancelPayment, RequestRefund
from domain.payments import receipts as receipt_book
from domain.payments.payment import Payment, PaymentStatus, Reported
from domain.shared.errors import DarError
from domain.shared.money import Money
from infrastructure.payments.simulated_gateway import Delivery
from infrastructure.settings import Settings
from tests.support.payments import (
    LossyGateway,
    bill_request,
    deliver,
    pay_by_card,
    pay_cash,
    payments_ready,
)

_references = itertools.count(10_000_001)
_keys = itertools.count(1)
_memory_names = itertools.count(1)
picks = st.integers(min_value=0, max_value=1_000)
MAX_PAYMENTS = 5  # a few payments, many things happening to them


class PaymentMachine(RuleBasedStateMachine):
    dar: ClassVar[Dar]
    gateway: ClassVar[LossyGateway]
    request: ClassVar[UUID]

    def __init__(self) -> None:
        super().__init__()
        self.gateway.inner.available = True
        self.gateway.lose_capture_replies = 0
        self.gateway.inner.take_deliveries()
        self.gateway.before_capture = self._asked_for_capture
        self.payments: list[UUID] = []
        self.outbox: list[Delivery] = []
        self.receipts_before = self._book_last()

    # --- helpers ----------------------------------------------------------------------------------

    def _asked_for_capture(self, payment_id: UUID) -> None:
        """Dar asks the gateway to take money only once it recorded that it asks."""
        events = self.dar.store.events.get(payment_id)
        assert any(isinstance(e, Payment.CaptureRequested) for e in events)

    def _book_last(self) -> int:
        return self.dar.payments.receipts_issued("haidra", 2026)

    def _pick(self, i: int, where: Callable[[Payment], bool] = lambda _: True) -> Payment | None:
        """The i-th of this history's payments that `where` accepts (its current state)."""
        found = [self.dar.store.load(p, Payment, "payment") for p in self.payments]
        chosen = [p for p in found if where(p)]
        return chosen[i % len(chosen)] if chosen else None

    def _collect(self) -> None:
        self.outbox.extend(self.gateway.inner.take_deliveries())

    def _send(self, delivery: Delivery, *, late: bool = False) -> int:
        response = deliver(self.dar, delivery, late=late)
        self._collect()
        return response.status_code

    @staticmethod
    def _tolerate(call: Callable[[], object]) -> None:
        try:
            call()
        except IdempotencyKeyReusedError:
            raise  # Dar's own keys must never collide
        except DarError:
            return  # a refusal (state, gateway down, a lost race) records nothing

    # --- rules ------------------------------------------------------------------------------------

    @precondition(lambda self: len(self.payments) < MAX_PAYMENTS)
    @rule(card=st.booleans())
    def new_payment(self, card: bool) -> None:  # noqa: FBT001
        reference = str(next(_references))
        key = f"m-{next(_keys)}"
        take = pay_by_card if card else pay_cash
        outcome = take(self.dar, self.request, reference, key)
        self.payments.append(UUID(outcome.values["payment_id"]))
        self._collect()

    @precondition(lambda self: len(self.payments) < MAX_PAYMENTS)
    @rule()
    def a_card_payment_goes_through(self) -> None:
        """The plain case: initiated, paid on the hosted page, callbacks delivered in order."""
        outcome = pay_by_card(self.dar, self.request, str(next(_references)), f"m-{next(_keys)}")
        payment = self.dar.store.load(UUID(outcome.values["payment_id"]), Payment, "payment")
        self.payments.append(payment.id)
        if payment.session_id is None:  # the gateway is down
            return
        waiting, self.outbox = self.outbox, []  # other payments' callbacks wait their turn
        self._tolerate(lambda: self.gateway.inner.pay(payment.session_id or ""))
        self._collect()
        for _ in range(3):
            batch, self.outbox = self.outbox, []
            for delivery in batch:
                self._send(delivery)  # collects what the follow-ups queue
        self.outbox = waiting + self.outbox

    @rule(i=picks, approve=st.booleans())
    def citizen_pays(self, i: int, approve: bool) -> None:  # noqa: FBT001
        payment = self._pick(
            i, lambda p: p.session_id is not None and p.status.value == "initiated"
        )
        if payment is None or payment.session_id is None:
            return
        session = payment.session_id
        self._tolerate(lambda: self.gateway.inner.pay(session, approve=approve))
        self._collect()

    @rule(i=picks, again=st.booleans())
    def deliver(self, i: int, again: bool) -> None:  # noqa: FBT001
        if not self.outbox:
            return
        delivery = self.outbox[i % len(self.outbox)]
        if not again:
            self.outbox.remove(delivery)
        status = self._send(delivery)
        assert status in {200, 503}, status  # 503: the store or gateway asked for a retry

    @rule(i=picks)
    def deliver_late(self, i: int) -> None:
        if not self.outbox:
            return
        delivery = self.outbox.pop(i % len(self.outbox))
        assert self._send(delivery, late=True) == 401

    @rule(i=picks)
    def drop(self, i: int) -> None:
        if self.outbox:
            self.outbox.pop(i % len(self.outbox))

    @rule(i=picks)
    def settle(self, i: int) -> None:
        payment = self._pick(i)
        if payment is not None:
            self._tolerate(lambda: self.dar.payments.settle(payment.id, "haidra"))
            self._collect()

    @rule(i=picks)
    def cancel(self, i: int) -> None:
        payment = self._pick(i, lambda p: p.pending)
        if payment is not None:
            command = CancelPayment(f"m-{next(_keys)}", "agent:A17", "haidra", payment.id, "parti")
            self._tolerate(lambda: self.dar.payments.cancel(command))
            self._collect()

    @rule(i=picks, share=st.integers(min_value=1, max_value=4))
    def request_refund(self, i: int, share: int) -> None:
        payment = self._pick(i, lambda p: p.status is PaymentStatus.CAPTURED)
        if payment is None:
            return
        millimes = max(1, payment.captured.millimes * share // 3)  # share 4: beyond captured
        command = RequestRefund(
            f"m-{next(_keys)}", "agent:A17", "haidra", payment.id, millimes, "erreur"
        )
        self._tolerate(lambda: self.dar.payments.request_refund(command))

    @rule(i=picks, same_person=st.booleans())
    def approve_refund(self, i: int, same_person: bool) -> None:  # noqa: FBT001
        payment = self._pick(i, lambda p: any(r.approved_by is None for r in p.refunds.values()))
        if payment is None:
            return
        waiting = [r for r in payment.refunds.values() if r.approved_by is None]
        if not waiting:
            return
        actor = "agent:A17" if same_person else "supervisor:S1"
        command = ApproveRefund(
            f"m-{next(_keys)}", actor, "haidra", payment.id, waiting[0].refund_id
        )
        self._tolerate(lambda: self.dar.payments.approve_refund(command))
        self._collect()

    @rule()
    def gateway_down_or_up(self) -> None:
        self.gateway.inner.available = not self.gateway.inner.available

    @rule()
    def lose_the_next_capture_reply(self) -> None:
        self.gateway.lose_capture_replies = 1

    @rule(i=picks)
    def race(self, i: int) -> None:
        """Cancel, two status queries, a refund request and the next callback, all at once."""
        payment = self._pick(i)
        if payment is None:
            return
        payments = self.dar.payments
        key = next(_keys)
        delivery = self.outbox.pop(0) if self.outbox else None
        calls: list[Callable[[], object]] = [
            lambda: payments.cancel(
                CancelPayment(f"race-c-{key}", "agent:A17", "haidra", payment.id, "course")
            ),
            lambda: payments.settle(payment.id, "haidra"),
            lambda: payments.settle(payment.id, "haidra"),
            lambda: payments.request_refund(
                RequestRefund(f"race-r-{key}", "agent:A17", "haidra", payment.id, 1, "course")
            ),
        ]
        if delivery is not None:
            calls.append(lambda: self._send(delivery))
        barrier = threading.Barrier(len(calls))
        failures: list[BaseException] = []

        def run(call: Callable[[], object]) -> None:
            barrier.wait()
            try:
                call()
            except IdempotencyKeyReusedError as error:  # a key collision is a defect
                failures.append(error)
            except DarError:
                pass  # a refusal or a lost race: nothing recorded
            except BaseException as error:  # noqa: BLE001 - reported below, on the test's thread
                failures.append(error)

        threads = [threading.Thread(target=run, args=(c,)) for c in calls]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not failures, failures
        self._collect()

    # --- invariants -------------------------------------------------------------------------------

    @invariant()
    def money_is_never_taken_twice_nor_refunded_beyond_capture(self) -> None:
        for payment_id in self.payments:
            events = list(self.dar.store.events.get(payment_id))
            payment = replayed(events)  # one read: the state and the events it came from
            assert payment.captured in {Money.zero(), payment.amount}
            assert payment.refunded <= payment.committed_refunds <= payment.captured
            applied = [getattr(e, "gateway_event", None) for e in events]
            applied = [a for a in applied if a is not None]
            assert len(applied) == len(set(applied)), "a gateway event applied twice"
            order = self.gateway.inner.order(payment_id)
            if order is None:
                continue
            assert order.captures <= 1
            if order.captures:
                assert payment.status in {PaymentStatus.CAPTURE_REQUESTED, PaymentStatus.CAPTURED}
            assert set(order.refunds) <= {
                r.refund_id for r in payment.refunds.values() if r.approved_by is not None
            }
            assert sum(m.millimes for m in order.refunds.values()) <= payment.captured.millimes

    def teardown(self) -> None:
        """The gateway back: every payment settles, nothing it captured is lost."""
        self.gateway.before_capture = None
        self.gateway.inner.available = True
        self.gateway.lose_capture_replies = 0
        for payment_id in self.payments:
            self.dar.payments.settle(payment_id, "haidra")
        self._collect()
        for delivery in self.outbox:
            self._send(delivery)
        receipts = []
        for payment_id in self.payments:
            payment = self.dar.store.load(payment_id, Payment, "payment")
            order = self.gateway.inner.order(payment_id)
            if order is not None and order.state is Reported.CAPTURED:
                assert payment.status is PaymentStatus.CAPTURED
            if order is not None:
                assert set(order.refunds) == {r.refund_id for r in payment.refunds_to_pay()} | {
                    r.refund_id for r in payment.refunds.values() if r.paid
                }
                assert not payment.refunds_to_pay(), "an approved refund was not paid back"
            if payment.status is PaymentStatus.CAPTURED:
                assert payment.receipt is not None
                receipts.append(payment.receipt)
        assert len(receipts) == len(set(receipts))
        assert self._book_last() == self.receipts_before + len(receipts), "a receipt number gap"


def replayed(events: list[DomainEventProtocol[UUID]]) -> Payment:
    """A payment rebuilt from its events (as the repository does)."""
    state: object = None
    for event in events:
        mutate: Callable[[object], object] = getattr(event, "mutate")  # noqa: B009
        state = mutate(state)
    assert isinstance(state, Payment)
    return state


def run_machine(store: Settings, max_examples: int | None = None) -> None:
    dar, gateway, citizen = payments_ready(store)
    small_pages = patch.object(receipt_book, "PAGE_SIZE", 10)  # races cross page ends too
    try:
        PaymentMachine.dar = dar
        PaymentMachine.gateway = gateway
        PaymentMachine.request = bill_request(dar, citizen)
        chosen = settings(
            stateful_step_count=10, deadline=None, suppress_health_check=list(HealthCheck)
        )
        if max_examples is not None:
            chosen = settings(chosen, max_examples=max_examples)
        with small_pages:
            run_state_machine_as_test(PaymentMachine, settings=chosen)
    finally:
        dar.close()


def test_payments_survive_any_callback_history_in_memory() -> None:
    memory = f"sqlite:///file:dar_payments_{next(_memory_names)}?mode=memory&cache=shared"
    run_machine(Settings(database_url=memory))


@pytest.mark.usefixtures("postgres_server")
def test_payments_survive_any_callback_history_on_postgres(pg_settings: Settings) -> None:
    run_machine(pg_settings, max_examples=30)
