"""Payments on SQLite and PostgreSQL: cash and card, callbacks, outages, refunds, receipts.

The gateway and the biller are the simulated partners' servers; the store is real.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from uuid import UUID

import pytest

from api.bootstrap import Dar
from api.gateway import receive_callback
from api.sweep import SweepReport, settle_overdue, start_sweeping
from application.errors import ConflictError
from application.payments.commands import ApproveRefund, CancelPayment, RequestRefund
from application.payments.ports import BillDue, GatewayUnavailableError, Notification
from application.payments.service import NothingToPayError, PaymentService
from domain.citizens.mandate import MandateNotInForceError
from domain.delegation.policy import AboveCeilingError
from domain.payments import receipts as receipt_book
from domain.payments.due import AlreadyPaidError
from domain.payments.payment import (
    Payment,
    PaymentStateError,
    PaymentStatus,
    RefundExceedsCapturedError,
    Reported,
    SameApproverError,
)
from domain.payments.receipts import ReceiptBook, receipt_book_id
from domain.shared.errors import DarError, NotFoundError
from domain.shared.money import Money
from infrastructure.payments.simulated_biller import SimulatedBiller
from infrastructure.settings import Settings
from tests.support.citizens import grant_mandate
from tests.support.clock import TestClock
from tests.support.counter import lodge
from tests.support.payments import (
    LossyGateway,
    bill_request,
    deliver,
    pay_by_card,
    pay_cash,
    payment_of,
    payments_ready,
)


@pytest.fixture
def ready(store_settings: Settings) -> Iterator[tuple[Dar, LossyGateway, UUID]]:
    dar, gateway, citizen = payments_ready(store_settings)
    try:
        yield dar, gateway, citizen
    finally:
        dar.close()


def deliver_all(dar: Dar, gateway: LossyGateway, *, late: bool = False) -> list[int]:
    """Deliver every queued callback through the endpoint's logic; the HTTP statuses."""
    return [deliver(dar, d, late=late).status_code for d in gateway.inner.take_deliveries()]


def test_cash_is_captured_at_once_with_the_bill_amount_and_a_receipt(
    ready: tuple[Dar, LossyGateway, UUID],
) -> None:
    dar, _, citizen = ready
    request = bill_request(dar, citizen)
    due = dar.payments.bill_inquiry("STEG", "4001-2333")
    outcome = pay_cash(dar, request, "4001-2333", "cash-1")
    paid = payment_of(dar, outcome)
    assert paid.status is PaymentStatus.CAPTURED
    assert paid.amount == paid.captured == due.amount
    assert paid.receipt == outcome.values["receipt"] == "HAIDRA-2026-P000001"
    assert paid.origin.bill_reference == "4001-2333"
    with pytest.raises(AlreadyPaidError):
        pay_cash(dar, bill_request(dar, citizen), "4001-2333", "cash-2")
    again = pay_cash(dar, request, "4001-2333", "cash-1")  # the retry of the first
    assert again.replayed
    assert again.values == outcome.values


def test_a_card_payment_is_authorised_captured_and_receipted_once_whatever_the_callbacks(
    ready: tuple[Dar, LossyGateway, UUID],
) -> None:
    dar, gateway, citizen = ready
    request = bill_request(dar, citizen, "SONEDE")
    outcome = pay_by_card(dar, request, "778899", "card-1")
    started = payment_of(dar, outcome)
    assert started.status is PaymentStatus.INITIATED
    assert started.session_id is not None
    gateway.inner.pay(started.session_id)
    (authorised,) = gateway.inner.take_deliveries()
    for _ in range(2):  # delivered twice
        assert deliver(dar, authorised).status_code == 200
    done = dar.store.load(started.id, Payment, "payment")
    assert done.status is PaymentStatus.CAPTURED
    assert done.receipt == "HAIDRA-2026-P000001"
    position = dar.store.position()
    assert deliver_all(dar, gateway) == [200]  # the gateway's own "captured" callback: no news
    assert dar.store.position() == position
    order = gateway.inner.order(started.id)
    assert order is not None
    assert order.captures == 1


def test_a_lost_reply_to_the_capture_charges_once_and_a_status_query_settles_it(
    ready: tuple[Dar, LossyGateway, UUID],
) -> None:
    dar, gateway, citizen = ready
    started = payment_of(dar, pay_by_card(dar, bill_request(dar, citizen), "1234-5", "c"))
    assert started.session_id is not None
    gateway.inner.pay(started.session_id)
    gateway.lose_capture_replies = 1
    deliver_all(dar, gateway)  # authorised: Dar asks for the capture, the reply is lost
    pending = dar.store.load(started.id, Payment, "payment")
    assert pending.status is PaymentStatus.CAPTURE_REQUESTED
    order = gateway.inner.order(started.id)
    assert order is not None
    assert order.captures == 1
    gateway.inner.take_deliveries()  # the "captured" callback never arrives
    dar.payments.settle(started.id, "haidra")
    dar.payments.settle(started.id, "haidra")
    settled = dar.store.load(started.id, Payment, "payment")
    assert settled.status is PaymentStatus.CAPTURED
    assert order.captures == 1
    assert dar.payments.receipts_issued("haidra", 2026) == 1


def test_a_stale_or_forged_callback_is_refused_and_triggers_nothing_until_the_sweep_settles(
    ready: tuple[Dar, LossyGateway, UUID],
) -> None:
    dar, gateway, citizen = ready
    started = payment_of(dar, pay_by_card(dar, bill_request(dar, citizen), "5555-1", "c"))
    assert started.session_id is not None
    gateway.inner.pay(started.session_id)
    (delivery,) = gateway.inner.take_deliveries()
    position, queries = dar.store.position(), gateway.inner.status_queries
    forged = receive_callback(dar, delivery.body, str(int(dar.clock.now().timestamp())), "ab" * 32)
    assert forged.status_code == 401
    assert b"BAD_SIGNATURE" in forged.body
    late = deliver(dar, delivery, late=True)
    assert late.status_code == 401
    assert b"STALE_CALLBACK" in late.body
    assert (dar.store.position(), gateway.inner.status_queries) == (position, queries)
    dar.payments.settle(started.id)  # what the settling sweep does for a missed callback
    settled = dar.store.load(started.id, Payment, "payment")
    assert settled.status is PaymentStatus.CAPTURED  # by the status query, not the callback


def test_an_outage_leaves_the_payment_pending_and_cash_keeps_working(
    ready: tuple[Dar, LossyGateway, UUID],
) -> None:
    dar, gateway, citizen = ready
    gateway.inner.available = False
    started = payment_of(dar, pay_by_card(dar, bill_request(dar, citizen), "7777-1", "c"))
    assert started.status is PaymentStatus.INITIATED
    assert started.session_id is None
    cash = pay_cash(dar, bill_request(dar, citizen), "7777-2", "cash")
    assert cash.values["receipt"] == "HAIDRA-2026-P000001"
    with pytest.raises(DarError):
        dar.payments.settle(started.id, "haidra")
    gateway.inner.available = True
    dar.payments.settle(started.id, "haidra")
    reopened = dar.store.load(started.id, Payment, "payment")
    assert reopened.session_id is not None


def test_refunds_need_a_second_person_and_never_exceed_what_was_captured(
    ready: tuple[Dar, LossyGateway, UUID],
) -> None:
    dar, gateway, citizen = ready
    started = payment_of(dar, pay_by_card(dar, bill_request(dar, citizen), "8080-1", "c"))
    assert started.session_id is not None
    gateway.inner.pay(started.session_id)
    deliver_all(dar, gateway)
    captured = dar.store.load(started.id, Payment, "payment").captured

    def ask(key: str, millimes: int) -> str:
        outcome = dar.payments.request_refund(
            RequestRefund(key, "agent:A17", "haidra", started.id, millimes, "erreur de montant")
        )
        return outcome.values["refund_id"]

    first = ask("r1", 1000)
    with pytest.raises(RefundExceedsCapturedError):
        ask("r2", captured.millimes - 999)
    with pytest.raises(SameApproverError):
        dar.payments.approve_refund(ApproveRefund("a1", "agent:A17", "haidra", started.id, first))
    dar.payments.approve_refund(ApproveRefund("a1", "supervisor:S1", "haidra", started.id, first))
    refunded = dar.store.load(started.id, Payment, "payment")
    assert refunded.refunded == Money(1000)
    order = gateway.inner.order(started.id)
    assert order is not None
    assert order.refunds == {first: Money(1000)}
    rest = ask("r3", captured.millimes - 1000)
    gateway.inner.available = False  # approved while the gateway is down: paid back later
    dar.payments.approve_refund(ApproveRefund("a3", "supervisor:S1", "haidra", started.id, rest))
    assert dar.store.load(started.id, Payment, "payment").refunded == Money(1000)
    gateway.inner.available = True
    dar.payments.settle(started.id, "haidra")
    assert dar.store.load(started.id, Payment, "payment").refunded == captured
    with pytest.raises(RefundExceedsCapturedError):
        ask("r4", 1)


def test_a_cancelled_payment_releases_the_authorisation_and_the_bill(
    ready: tuple[Dar, LossyGateway, UUID],
) -> None:
    dar, gateway, citizen = ready
    request = bill_request(dar, citizen)
    started = payment_of(dar, pay_by_card(dar, request, "9090-1", "c"))
    dar.payments.cancel(CancelPayment("x", "agent:A17", "haidra", started.id, "le citoyen part"))
    assert started.session_id is not None
    gateway.inner.pay(started.session_id)  # too late: the session was closed
    order = gateway.inner.order(started.id)
    assert order is not None
    assert order.captures == 0
    assert order.state is Reported.REVERSED
    assert deliver_all(dar, gateway) == [200]  # the gateway's "reversed": nothing new
    assert dar.store.load(started.id, Payment, "payment").status is PaymentStatus.CANCELLED
    assert pay_cash(dar, request, "9090-1", "cash").values["receipt"]
    with pytest.raises(PaymentStateError):
        dar.payments.cancel(CancelPayment("y", "agent:A17", "haidra", started.id, "encore"))


def test_collection_needs_a_fee_a_grant_that_allows_it_and_the_ceiling(
    store_settings: Settings,
) -> None:
    class CostlyBiller:
        def inquire(self, partner_code: str, reference: str) -> BillDue:
            return BillDue(partner_code, reference, Money(600_000), "2026-01", None)

    dar, _, citizen = payments_ready(store_settings, biller=CostlyBiller())
    try:
        with pytest.raises(AboveCeilingError):
            pay_cash(dar, bill_request(dar, citizen), "4242-1", "k1")
        duplicate = UUID(lodge(dar, citizen, "STEG", "BILL_DUPLICATE", ()).values["request_id"])
        with pytest.raises(NothingToPayError):
            pay_cash(dar, duplicate, "4242-1", "k2")
        assert dar.store.find(receipt_book_id("haidra", 2026), ReceiptBook) is None
    finally:
        dar.close()


def test_an_absent_citizen_pays_only_under_a_mandate_for_payments(
    ready: tuple[Dar, LossyGateway, UUID],
) -> None:
    dar, _, citizen = ready

    grant_mandate(dar, citizen, "service:STEG/BILL_PAYMENT", duration="1d", key="m1")
    lodged = lodge(dar, citizen, "STEG", "BILL_PAYMENT", (), present=False)
    request = UUID(lodged.values["request_id"])
    with pytest.raises(MandateNotInForceError):
        pay_cash(dar, request, "3131-1", "k1")
    grant_mandate(dar, citizen, "service:STEG/BILL_PAYMENT", "payments", duration="1d", key="m2")
    paid = payment_of(dar, pay_cash(dar, request, "3131-1", "k2"))
    assert paid.origin.reliance.mandate_id is not None


def test_concurrent_receipts_at_one_house_never_share_or_skip_a_number(
    store_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(receipt_book, "PAGE_SIZE", 3)  # eight receipts race across three pages
    dar, _, citizen = payments_ready(store_settings, TestClock())
    try:
        requests = [bill_request(dar, citizen) for _ in range(8)]
        receipts: list[str] = []
        barrier = threading.Barrier(len(requests))

        def take(i: int) -> None:
            barrier.wait()
            for _ in range(50):
                try:
                    outcome = pay_cash(dar, requests[i], f"6000-{i + 1}", f"cash-{i}")
                except ConflictError:
                    continue  # nothing recorded: the counter retries with the same key
                receipts.append(outcome.values["receipt"])
                return

        threads = [threading.Thread(target=take, args=(i,)) for i in range(len(requests))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(receipts) == [f"HAIDRA-2026-P{n:06d}" for n in range(1, 9)]
        assert dar.payments.receipts_issued("haidra", 2026) == 8
    finally:
        dar.close()


def test_without_a_gateway_card_payments_are_refused_and_cash_still_works(
    ready: tuple[Dar, LossyGateway, UUID],
) -> None:
    dar, _, citizen = ready
    no_gateway = PaymentService(
        dar.store, dar.runner, dar.policy, dar.citizens, None, SimulatedBiller()
    )
    without = dataclasses.replace(dar, payments=no_gateway)
    request = bill_request(dar, citizen)
    position = dar.store.position()
    with pytest.raises(GatewayUnavailableError):
        pay_by_card(without, request, "1111-1", "card")
    assert dar.store.position() == position
    assert pay_cash(without, request, "1111-1", "cash").values["receipt"]


def test_staff_of_another_house_find_no_payment_to_act_on(
    ready: tuple[Dar, LossyGateway, UUID],
) -> None:
    dar, _, citizen = ready
    paid = payment_of(dar, pay_cash(dar, bill_request(dar, citizen), "2020-1", "c"))
    with pytest.raises(NotFoundError):
        dar.payments.cancel(CancelPayment("x", "agent:B1", "kasserine", paid.id, "autre maison"))
    with pytest.raises(NotFoundError):
        dar.payments.request_refund(
            RequestRefund("r", "agent:B1", "kasserine", paid.id, 1000, "autre maison")
        )
    with pytest.raises(NotFoundError):
        dar.payments.settle(paid.id, "kasserine")


def test_one_person_cannot_approve_their_own_refund_under_another_role(
    ready: tuple[Dar, LossyGateway, UUID],
) -> None:
    dar, _, citizen = ready
    paid = payment_of(dar, pay_cash(dar, bill_request(dar, citizen), "2121-1", "c"))
    refund = dar.payments.request_refund(
        RequestRefund("r", "agent:A17", "haidra", paid.id, 1000, "erreur")
    ).values["refund_id"]
    with pytest.raises(SameApproverError):
        dar.payments.approve_refund(ApproveRefund("a", "supervisor:A17", "haidra", paid.id, refund))


def test_a_bill_refunded_in_full_may_be_paid_again(
    ready: tuple[Dar, LossyGateway, UUID],
) -> None:
    dar, _, citizen = ready
    request = bill_request(dar, citizen)
    paid = payment_of(dar, pay_cash(dar, request, "2222-1", "c1"))
    refund = dar.payments.request_refund(
        RequestRefund(
            "r", "agent:A17", "haidra", paid.id, paid.captured.millimes, "mauvaise facture"
        )
    ).values["refund_id"]
    with pytest.raises(AlreadyPaidError):
        pay_cash(dar, request, "2222-1", "c2")
    dar.payments.approve_refund(ApproveRefund("a", "supervisor:S1", "haidra", paid.id, refund))
    assert pay_cash(dar, request, "2222-1", "c3").values["receipt"] == "HAIDRA-2026-P000002"


def test_a_lost_reply_to_the_session_is_healed_by_a_status_query(
    ready: tuple[Dar, LossyGateway, UUID],
) -> None:
    dar, gateway, citizen = ready
    gateway.lose_session_replies = 1
    started = payment_of(dar, pay_by_card(dar, bill_request(dar, citizen), "2323-1", "c"))
    assert started.session_id is None
    order = gateway.inner.order(started.id)
    assert order is not None  # the gateway opened it: only the reply was lost
    dar.payments.settle(started.id, "haidra")
    healed = dar.store.load(started.id, Payment, "payment")
    assert healed.session_id == order.session_id


def test_gateway_event_ids_are_scoped_by_order(
    ready: tuple[Dar, LossyGateway, UUID],
) -> None:
    dar, gateway, citizen = ready
    first = payment_of(dar, pay_by_card(dar, bill_request(dar, citizen), "2424-1", "c1"))
    second = payment_of(dar, pay_by_card(dar, bill_request(dar, citizen), "2424-2", "c2"))
    for started in (first, second):
        assert started.session_id is not None
        gateway.inner.pay(started.session_id)
        gateway.inner.take_deliveries()
        # a gateway numbering its events per order: both say event "1"
        dar.payments.apply_notification(Notification(started.id, "1", Reported.AUTHORISED))
        assert dar.store.load(started.id, Payment, "payment").status is PaymentStatus.CAPTURED


def test_money_taken_after_a_cancellation_is_recorded_and_its_refund_asked(
    ready: tuple[Dar, LossyGateway, UUID],
) -> None:
    dar, _, citizen = ready
    started = payment_of(dar, pay_by_card(dar, bill_request(dar, citizen), "2525-1", "c"))
    dar.payments.cancel(CancelPayment("x", "agent:A17", "haidra", started.id, "parti"))
    # a one-step wallet reports the money taken anyway
    dar.payments.apply_notification(Notification(started.id, "w-1", Reported.CAPTURED))
    taken = dar.store.load(started.id, Payment, "payment")
    assert taken.status is PaymentStatus.CAPTURED
    assert taken.receipt == "HAIDRA-2026-P000001"
    (refund,) = taken.refunds.values()
    assert refund.amount == taken.captured
    assert refund.requested_by == "system:gateway"
    assert refund.approved_by is None  # a person decides


def test_the_sweep_settles_payments_whose_callback_never_came(store_settings: Settings) -> None:
    clock = TestClock()
    dar, gateway, citizen = payments_ready(store_settings, clock)
    try:
        old = payment_of(dar, pay_by_card(dar, bill_request(dar, citizen), "2626-1", "c1"))
        assert old.session_id is not None
        gateway.inner.pay(old.session_id)
        gateway.inner.take_deliveries()  # the callback never arrives
        clock.advance(timedelta(minutes=6))
        fresh = payment_of(dar, pay_by_card(dar, bill_request(dar, citizen), "2626-2", "c2"))
        dar.projections.prepare()
        dar.projections.catch_up()
        report = settle_overdue(dar, clock.now(), timedelta(minutes=5))
        assert report == SweepReport(asked=1, unanswered=0)
        assert dar.store.load(old.id, Payment, "payment").status is PaymentStatus.CAPTURED
        assert dar.store.load(fresh.id, Payment, "payment").status is PaymentStatus.INITIATED
        gateway.inner.available = False
        clock.advance(timedelta(minutes=6))
        dar.projections.catch_up()
        assert settle_overdue(dar, clock.now(), timedelta(minutes=5)) == SweepReport(1, 1)
    finally:
        dar.close()


def test_the_sweep_pays_back_stuck_refunds_and_cancels_abandoned_payments(
    store_settings: Settings,
) -> None:
    clock = TestClock()
    dar, gateway, citizen = payments_ready(store_settings, clock)
    try:
        paid = payment_of(dar, pay_by_card(dar, bill_request(dar, citizen), "2727-1", "c1"))
        assert paid.session_id is not None
        gateway.inner.pay(paid.session_id)
        deliver_all(dar, gateway)
        refund = dar.payments.request_refund(
            RequestRefund("r", "agent:A17", "haidra", paid.id, 1000, "erreur")
        ).values["refund_id"]
        gateway.inner.available = False
        dar.payments.approve_refund(ApproveRefund("a", "supervisor:S1", "haidra", paid.id, refund))
        gateway.inner.available = True
        request = bill_request(dar, citizen)
        left = payment_of(dar, pay_by_card(dar, request, "2727-2", "c2"))
        clock.advance(timedelta(minutes=31))
        dar.projections.prepare()
        dar.projections.catch_up()
        report = settle_overdue(dar, clock.now(), timedelta(minutes=5), timedelta(minutes=30))
        assert report == SweepReport(asked=2, unanswered=0, abandoned=1)
        assert dar.store.load(paid.id, Payment, "payment").refunded == Money(1000)
        assert dar.store.load(left.id, Payment, "payment").status is PaymentStatus.CANCELLED
        order = gateway.inner.order(left.id)
        assert order is not None
        assert order.state is Reported.REVERSED  # the page is closed: no late payment
        assert pay_cash(dar, request, "2727-2", "cash").values["receipt"]  # the bill is free
    finally:
        dar.close()


def test_the_sweeping_thread_settles_and_stops_when_asked(store_settings: Settings) -> None:
    dar, gateway, citizen = payments_ready(store_settings)
    quick = store_settings.model_copy(
        update={"settle_every_seconds": 0.05, "settle_after_seconds": 0}
    )
    try:
        started = payment_of(dar, pay_by_card(dar, bill_request(dar, citizen), "2828-1", "c"))
        assert started.session_id is not None
        gateway.inner.pay(started.session_id)
        gateway.inner.take_deliveries()  # the callback never arrives
        dar.projections.prepare()
        dar.projections.catch_up()
        halt = start_sweeping(dar, quick)
        assert halt is not None
        deadline = time.monotonic() + 30
        while dar.payments.current(started.id).status is not PaymentStatus.CAPTURED:
            assert time.monotonic() < deadline, "the sweep never settled the payment"
            time.sleep(0.05)
        halt()
        assert start_sweeping(dar, quick.model_copy(update={"settle_every_seconds": 0})) is None
    finally:
        dar.close()
