"""The payments read model: payments per request, pending ones, and each day's collections.

Events come from the Payment aggregate itself, saved into the store; the projection runs on
both stores through its own runner (the same tables and tracking key the application uses).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime
from uuid import UUID, uuid4

import pytest

from api.bootstrap import Dar
from domain.counter.request import Reliance
from domain.houses.house import house_id
from domain.payments.payment import Method, Origin, Payment, Reported
from domain.shared.acts import Act
from domain.shared.money import Money
from infrastructure.readmodels.payments import (
    PaymentsQueries,
    PaymentsTables,
    create_payments_tables,
)
from infrastructure.readmodels.runner import ProjectionRunner, Registered
from projections.payments.projection import PaymentsProjection
from projections.payments.view import CollectionRow, PaymentRow

DAY = date(2026, 1, 6)
NEXT_DAY = date(2026, 1, 7)
MORNING = datetime(2026, 1, 6, 8, 0, tzinfo=UTC)  # 09:00 in Tunis
LATE_EVE = datetime(2026, 1, 5, 23, 30, tzinfo=UTC)  # already 00:30 on DAY in Tunis
NEXT_MORNING = datetime(2026, 1, 7, 8, 0, tzinfo=UTC)
HAIDRA, OTHER = house_id("haidra"), house_id("thala")
AGENT, SUPERVISOR = "agent:A17", "supervisor:S1"
_commands = itertools.count(1)


def act(at: datetime, actor: str = AGENT) -> Act:
    return Act(actor=actor, command_id=f"c{next(_commands)}", at=at)


def origin(request_id: UUID, partner_code: str, house: UUID = HAIDRA) -> Origin:
    return Origin(
        request_id=request_id,
        house_id=house,
        house_code="haidra" if house == HAIDRA else "thala",
        citizen_id=uuid4(),
        partner_code=partner_code,
        service_code=f"{partner_code.lower()}-bill",
        bill_reference=f"{partner_code}-REF-1",
        reliance=Reliance(grant_id=uuid4(), grant_version=1, agent_id=uuid4(), agent_version=1),
    )


def initiate(where: Origin, method: Method, millimes: int, at: datetime = MORNING) -> Payment:
    return Payment.initiate(
        payment_id=uuid4(), origin=where, method=method, amount=Money(millimes), act=act(at)
    )


def cash(where: Origin, millimes: int, receipt: str, at: datetime = MORNING) -> Payment:
    payment = initiate(where, Method.CASH, millimes, at)
    payment.take_cash(receipt, act(at))
    return payment


def card(where: Origin, millimes: int, receipt: str, at: datetime = MORNING) -> Payment:
    payment = authorised(where, millimes, at)
    payment.request_capture(act(at))
    payment.confirm_capture(receipt, f"gw-{receipt}", act(at))
    return payment


def authorised(where: Origin, millimes: int, at: datetime = MORNING) -> Payment:
    payment = initiate(where, Method.CARD, millimes, at)
    payment.apply_report(Reported.AUTHORISED, f"gw-auth-{payment.id}", act(at))
    return payment


def refund(payment: Payment, refund_id: str, millimes: int, at: datetime = MORNING) -> None:
    payment.request_refund(refund_id, Money(millimes), "billed twice", act(at))
    payment.approve_refund(refund_id, act(at, SUPERVISOR))


def catch_up(dar: Dar) -> int:
    registered: Registered[PaymentsTables] = Registered(
        projection=PaymentsProjection(),
        writer=PaymentsTables,
        create_tables=create_payments_tables,
    )
    runner = ProjectionRunner(dar.store, dar.read.db, [registered])  # type: ignore[list-item]
    runner.prepare()
    return runner.catch_up()


@dataclass(frozen=True)
class History:
    """Two requests' payments at Haidra (STEG and SONEDE, cash and card), and one elsewhere."""

    steg_request: UUID
    sonede_request: UUID
    steg_cash: Payment  # captured; a refund asked for, not approved
    steg_card: Payment  # captured; part refunded the same day
    sonede_cash: Payment  # captured at 23:30 UTC the day before: DAY in Tunis
    sonede_card: Payment  # captured; a refund approved, paid back the next day
    declined: Payment
    cancelled: Payment
    waiting_authorised: Payment
    waiting_capture: Payment
    waiting_cash: Payment
    elsewhere: Payment


@pytest.fixture
def history(dar: Dar) -> History:
    steg_request, sonede_request = uuid4(), uuid4()
    steg, sonede = origin(steg_request, "STEG"), origin(sonede_request, "SONEDE")
    steg_cash = cash(steg, 45_250, "P-0001")
    steg_cash.request_refund("r-asked", Money(1_000), "wrong amount", act(MORNING))
    steg_card = card(steg, 120_125, "P-0002")
    refund(steg_card, "r-today", 20_005)
    steg_card.pay_back("r-today", "gw-refund-today", act(MORNING))
    sonede_card = card(sonede, 78_900, "P-0004")
    refund(sonede_card, "r-tomorrow", 8_900)
    declined = initiate(sonede, Method.CARD, 10_000)
    declined.apply_report(Reported.DECLINED, "gw-declined", act(MORNING))
    cancelled = authorised(steg, 5_000)
    cancelled.cancel("the citizen changed their mind", act(MORNING))
    waiting_capture = authorised(steg, 6_000)
    waiting_capture.request_capture(act(MORNING))
    made = History(
        steg_request=steg_request,
        sonede_request=sonede_request,
        steg_cash=steg_cash,
        steg_card=steg_card,
        sonede_cash=cash(sonede, 33_333, "P-0003", at=LATE_EVE),
        sonede_card=sonede_card,
        declined=declined,
        cancelled=cancelled,
        waiting_authorised=authorised(sonede, 7_777),
        waiting_capture=waiting_capture,
        waiting_cash=initiate(steg, Method.CASH, 1_000),
        elsewhere=cash(origin(uuid4(), "STEG", OTHER), 99_999, "P-0005"),
    )
    for payment in (
        made.steg_cash,
        made.steg_card,
        made.sonede_cash,
        made.sonede_card,
        made.declined,
        made.cancelled,
        made.waiting_authorised,
        made.waiting_capture,
        made.waiting_cash,
        made.elsewhere,
    ):
        dar.store.save(payment)
    assert catch_up(dar) == dar.store.position()
    return made


def test_payments_are_listed_per_request_oldest_first(dar: Dar, history: History) -> None:
    read = PaymentsQueries(dar.read.db)
    h = history
    assert [r.payment_id for r in read.for_request(h.steg_request)] == [
        h.steg_cash.id,
        h.steg_card.id,
        h.cancelled.id,
        h.waiting_capture.id,
        h.waiting_cash.id,
    ]
    assert [(r.payment_id, r.status) for r in read.for_request(h.sonede_request)] == [
        (h.sonede_cash.id, "captured"),
        (h.sonede_card.id, "captured"),
        (h.declined.id, "failed"),
        (h.waiting_authorised.id, "authorised"),
    ]
    assert read.for_request(uuid4()) == []
    assert read.get(uuid4()) is None


def test_a_payment_row_holds_its_capture_refunds_and_tunis_day(dar: Dar, history: History) -> None:
    read = PaymentsQueries(dar.read.db)
    row = read.get(history.steg_card.id)
    assert row is not None
    assert (row.request_id, row.house_id, row.house_code) == (
        history.steg_request,
        HAIDRA,
        "haidra",
    )
    assert (row.partner_code, row.service_code, row.bill_reference) == (
        "STEG",
        "steg-bill",
        "STEG-REF-1",
    )
    assert (row.method, row.status, row.receipt) == ("card", "captured", "P-0002")
    assert (row.amount_millimes, row.captured_millimes) == (120_125, 120_125)
    assert (row.refunded_millimes, row.refunds_pending_millimes) == (20_005, 0)
    assert row.initiated_at == row.captured_at == MORNING
    assert row.business_date == DAY
    assert row.note is None
    assert row.position > row.initiated_position
    late = read.get(history.sonede_cash.id)
    assert late is not None
    assert (late.captured_at, late.business_date) == (LATE_EVE, DAY)  # Tunis time
    asked = read.get(history.steg_cash.id)
    assert asked is not None
    assert (asked.refunded_millimes, asked.refunds_pending_millimes) == (0, 1_000)
    failed, gave_up = read.get(history.declined.id), read.get(history.cancelled.id)
    assert failed is not None
    assert gave_up is not None
    assert (failed.status, failed.note, failed.business_date) == (
        "failed",
        "declined by the gateway",
        None,
    )
    assert (gave_up.status, gave_up.note, gave_up.captured_millimes) == (
        "cancelled",
        "the citizen changed their mind",
        0,
    )


def test_pending_lists_only_payments_neither_captured_nor_ended(dar: Dar, history: History) -> None:
    read = PaymentsQueries(dar.read.db)
    assert [(r.payment_id, r.status) for r in read.pending(HAIDRA)] == [
        (history.waiting_authorised.id, "authorised"),
        (history.waiting_capture.id, "capture_requested"),
        (history.waiting_cash.id, "initiated"),
    ]
    assert read.pending(OTHER) == []


def test_collections_are_exact_per_partner_and_method(dar: Dar, history: History) -> None:
    """Failed, cancelled and pending payments, and refunds not yet paid, count nowhere."""
    read = PaymentsQueries(dar.read.db)
    today = read.collections(HAIDRA, DAY)
    assert today == [
        CollectionRow("SONEDE", "card", 1, 78_900, 0, 78_900),
        CollectionRow("SONEDE", "cash", 1, 33_333, 0, 33_333),
        CollectionRow("STEG", "card", 1, 120_125, 20_005, 100_120),  # refund paid that day
        CollectionRow("STEG", "cash", 1, 45_250, 0, 45_250),
    ]
    assert sum(r.net_millimes for r in today) == 257_603
    assert read.collections(OTHER, DAY) == [CollectionRow("STEG", "cash", 1, 99_999, 0, 99_999)]
    assert read.collections(HAIDRA, date(2026, 1, 5)) == []
    assert read.collections(HAIDRA, NEXT_DAY) == []
    rows: list[PaymentRow] = [
        *read.for_request(history.steg_request),
        *read.for_request(history.sonede_request),
    ]
    numbers = [
        *(n for r in today for n in (r.payments, r.collected_millimes, r.refunded_millimes)),
        *(r.net_millimes for r in today),
        *(n for r in rows for n in (r.captured_millimes, r.refunded_millimes, r.position)),
    ]
    assert all(type(n) is int for n in numbers)  # PostgreSQL sums bigints as numeric


def test_a_refund_paid_on_a_later_day_counts_on_that_day(dar: Dar, history: History) -> None:
    read = PaymentsQueries(dar.read.db)
    today = read.collections(HAIDRA, DAY)
    payment = history.sonede_card
    assert payment.pay_back("r-tomorrow", "gw-refund-tomorrow", act(NEXT_MORNING))
    dar.store.save(payment)
    assert catch_up(dar) == 1
    assert read.collections(HAIDRA, NEXT_DAY) == [
        CollectionRow("SONEDE", "card", 0, 0, 8_900, -8_900)
    ]
    assert read.collections(HAIDRA, DAY) == today
    paid = read.get(payment.id)
    assert paid is not None
    assert (paid.refunded_millimes, paid.refunds_pending_millimes) == (8_900, 0)
    assert (paid.business_date, paid.updated_at) == (DAY, NEXT_MORNING)
    assert catch_up(dar) == 0
    assert dar.read.db.tracked(PaymentsProjection().key) == dar.store.position()
