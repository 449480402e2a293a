"""A payment with two refunds paid back: the read model adds them up, on both stores.

The fixtures `payments/steg_second_refund_*.yaml` are first checked against what Dar records
(given-when-then), then given as history to the payments projection; a card payment built from
the aggregate covers the gateway's side.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

from api.bootstrap import Dar
from application.payments.commands import ApproveRefund, RequestRefund
from application.store import Outcome
from domain.counter.request import Reliance
from domain.houses.house import house_id
from domain.payments.payment import Method, Origin, Payment, Reported
from domain.shared.acts import Act
from domain.shared.money import Money
from infrastructure.fixtures.model import Ref
from infrastructure.readmodels.payments import PaymentsQueries
from projections.payments.view import CollectionRow
from tests.support.clock import TestClock
from tests.support.payments import PAYMENTS_READY
from tests.support.spec import Scenario

PAID_ONCE = (
    *PAYMENTS_READY,
    "payments/steg_bill_lodged.yaml",
    "payments/steg_cash_paid.yaml",
    "payments/steg_refund_requested.yaml",
    "payments/steg_refund_paid.yaml",
)
SECOND_ASKED = "payments/steg_second_refund_requested.yaml"
SECOND_PAID = "payments/steg_second_refund_paid.yaml"
DAY = date(2026, 1, 6)
CAPTURED = 174_700  # the STEG bill of payments/steg_cash_paid.yaml
MORNING = datetime(2026, 1, 6, 8, 0, tzinfo=UTC)


def ask_second(scenario: Scenario) -> Outcome:
    payment = scenario.symbols.resolve(Ref("payment-1"))
    command = RequestRefund(
        "refund-2", "agent:A17", "haidra", payment, 30_000, "stamp duty charged twice"
    )
    return scenario.dar.payments.request_refund(command)


def approve_second(scenario: Scenario) -> Outcome:
    payment = scenario.symbols.resolve(Ref("payment-1"))
    command = ApproveRefund("approve-2", "supervisor:S01", "haidra", payment, "R2")
    return scenario.dar.payments.approve_refund(command)


def test_the_second_refund_fixtures_are_what_dar_records(dar: Dar, clock: TestClock) -> None:
    scenario = Scenario(dar, clock).given(*PAID_ONCE).at("day 2 10:00")
    scenario.when(lambda _: ask_second(scenario)).then(SECOND_ASKED)
    scenario.at("day 2 10:05").when(lambda _: approve_second(scenario)).then(SECOND_PAID)


def caught_up(dar: Dar) -> PaymentsQueries:
    dar.projections.prepare()
    dar.projections.catch_up()
    return PaymentsQueries(dar.read.db)


def test_two_cash_refunds_paid_back_add_up_in_the_payment_and_the_days_collections(
    dar: Dar, clock: TestClock
) -> None:
    scenario = Scenario(dar, clock).given(*PAID_ONCE, SECOND_ASKED)
    payment = scenario.symbols.resolve(Ref("payment-1"))
    read = caught_up(dar)
    asked = read.get(payment)
    assert asked is not None
    assert (asked.refunded_millimes, asked.refunds_pending_millimes) == (20_000, 30_000)
    scenario.given(SECOND_PAID)
    read = caught_up(dar)
    paid = read.get(payment)
    assert paid is not None
    assert (paid.refunded_millimes, paid.refunds_pending_millimes) == (50_000, 0)
    assert read.collections(house_id("haidra"), DAY) == [
        CollectionRow("STEG", "cash", 1, CAPTURED, 50_000, CAPTURED - 50_000)
    ]


def _act(actor: str = "agent:A17") -> Act:
    return Act(actor=actor, command_id=str(uuid4()), at=MORNING)


def card_with_two_refunds_paid_back() -> Payment:
    where = Origin(
        request_id=uuid4(),
        house_id=house_id("haidra"),
        house_code="haidra",
        citizen_id=uuid4(),
        partner_code="SONEDE",
        service_code="BILL_PAYMENT",
        bill_reference="3026-1101",
        reliance=Reliance(grant_id=uuid4(), grant_version=1, agent_id=uuid4(), agent_version=1),
    )
    payment = Payment.initiate(
        payment_id=uuid4(), origin=where, method=Method.CARD, amount=Money(90_000), act=_act()
    )
    payment.apply_report(Reported.AUTHORISED, "gw-auth", _act())
    payment.request_capture(_act())
    payment.confirm_capture("HAIDRA-2026-P000009", "gw-capture", _act())
    for refund_id, millimes in (("R1", 10_000), ("R2", 25_000)):
        payment.request_refund(refund_id, Money(millimes), "billed twice", _act())
        payment.approve_refund(refund_id, _act("supervisor:S01"))
        payment.pay_back(refund_id, f"gw-{refund_id}", _act())
    return payment


def test_two_card_refunds_paid_back_by_the_gateway_add_up(dar: Dar) -> None:
    payment = card_with_two_refunds_paid_back()
    assert payment.refunded == Money(35_000)
    dar.store.save(payment)
    row = caught_up(dar).get(payment.id)
    assert row is not None
    assert (row.captured_millimes, row.refunded_millimes, row.refunds_pending_millimes) == (
        90_000,
        35_000,
        0,
    )
