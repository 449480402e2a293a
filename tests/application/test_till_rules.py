"""Given-when-then specifications of tills: what each act records, and what it refuses.

On SQLite and PostgreSQL; the fixtures under `tests/fixtures/tills/` (and the cash payment and
refund fixtures under `tests/fixtures/payments/`, which record into A17's till) are the expected
events. A refusal records nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from api.bootstrap import Dar
from application.counter.commands import CompleteRequest
from application.counter.requests import CompletedByPaymentError
from application.houses.commands import DeactivateAgent
from application.payments.commands import ApproveRefund, RecordCashPayment
from application.payments.till_commands import CloseTill, OpenTill, ReviewTillDiscrepancy
from application.store import Outcome
from domain.counter.request import CitizenRequest, RequestStatus
from domain.houses.agent import AgentDeactivatedError
from domain.payments.payment import Payment, PaymentStatus
from domain.payments.till import (
    DiscrepancyUnexplainedError,
    NoOpenTillError,
    NotEnoughCashError,
    SameReviewerError,
    TillAlreadyOpenError,
    TillStateError,
    till_id,
)
from domain.shared.errors import ForbiddenError, NotFoundError, ValidationError
from infrastructure.fixtures.model import Ref
from infrastructure.settings import Settings
from tests.support.clock import TestClock
from tests.support.payments import (
    PAYMENTS_READY,
    bill_request,
    deliver,
    pay_by_card,
    payment_of,
    payments_ready,
)
from tests.support.spec import Scenario

Action = Callable[[Dar], Outcome]
STAFFED = PAYMENTS_READY[:-1]  # Haidra ready to collect; no till open yet
OPEN = "tills/a17_till_open.yaml"
LODGED = "payments/steg_bill_lodged.yaml"
PAID = (OPEN, LODGED, "payments/steg_cash_paid.yaml")
ASKED = (*PAID, "payments/steg_refund_requested.yaml")
FIRST = till_id("haidra", "A17", date(2026, 1, 6), 1)
SHORT = ((20_000, 2), (5_000, 1), (1_000, 3), (500, 1))  # 48.500 TND


@pytest.fixture
def staffed(dar: Dar, clock: TestClock) -> Scenario:
    return Scenario(dar, clock).given(*STAFFED)


def open_till(employee: str = "A17", float_millimes: int = 50_000, key: str = "till-1") -> Action:
    def run(d: Dar) -> Outcome:
        command = OpenTill(key, f"agent:{employee}", "haidra", employee, float_millimes)
        return d.tills.open_till(command)

    return run


def close(
    count: tuple[tuple[int, int], ...] = ((50_000, 1),),
    reason: str | None = None,
    actor: str = "agent:A17",
    agent: str | None = "A17",
    key: str = "close-1",
    till: object = FIRST,
) -> Action:
    def run(d: Dar) -> Outcome:
        command = CloseTill(key, actor, "haidra", till, count, reason, agent)  # type: ignore[arg-type]
        return d.tills.close_till(command)

    return run


def review(actor: str = "supervisor:S01", key: str = "review-1") -> Action:
    def run(d: Dar) -> Outcome:
        note = "erreur de rendu confirmée avec l'agent"
        return d.tills.review_discrepancy(ReviewTillDiscrepancy(key, actor, "haidra", FIRST, note))

    return run


def cash(scenario: Scenario, key: str = "cash-1") -> Action:
    def run(d: Dar) -> Outcome:
        request = scenario.symbols.resolve(Ref("request-1"))
        command = RecordCashPayment(key, "agent:A17", "haidra", request, "A17", "4001-2333")
        return d.payments.record_cash(command)

    return run


def refund_approved(scenario: Scenario) -> Action:
    """The supervisor approves the 20 TND refund A17 asked for: paid from A17's open till."""

    def run(d: Dar) -> Outcome:
        payment = scenario.symbols.resolve(Ref("payment-1"))
        approve = ApproveRefund("approve-1", "supervisor:S01", "haidra", payment, "R1")
        return d.payments.approve_refund(approve)

    return run


def complete_by_hand(scenario: Scenario) -> Action:
    def run(d: Dar) -> Outcome:
        request = scenario.symbols.resolve(Ref("request-1"))
        return d.requests.complete(CompleteRequest("done", "agent:A17", request, "haidra"))

    return run


def test_an_agent_opens_its_till_with_a_float(staffed: Scenario) -> None:
    staffed.at("day 2 08:10").when(open_till()).then(OPEN)


def test_a_till_counted_exactly_closes_balanced(staffed: Scenario) -> None:
    staffed.given(OPEN).at("day 2 12:00").when(close()).then("tills/a17_till_closed_balanced.yaml")


def test_a_till_counted_short_closes_with_its_reason(staffed: Scenario) -> None:
    reason = "monnaie rendue en trop à un citoyen"
    staffed.given(OPEN).at("day 2 12:00").when(close(SHORT, reason)).then(
        "tills/a17_till_closed_short.yaml"
    )


def test_the_supervisor_reviews_a_discrepancy(staffed: Scenario) -> None:
    staffed.given(OPEN, "tills/a17_till_closed_short.yaml").at("day 2 12:30").when(review()).then(
        "tills/a17_till_discrepancy_reviewed.yaml"
    )


def test_a_second_shift_opens_a_second_till(staffed: Scenario) -> None:
    staffed.given(OPEN, "tills/a17_till_closed_balanced.yaml").at("day 2 13:00").when(
        open_till(float_millimes=20_000, key="till-2")
    ).then("tills/a17_second_till_opened.yaml")


CLOSED_SHORT = (OPEN, "tills/a17_till_closed_short.yaml")
CLOSED = (OPEN, "tills/a17_till_closed_balanced.yaml")


@pytest.mark.parametrize(
    ("given", "action", "refusal"),
    [
        ((LODGED,), cash, NoOpenTillError),
        ((*CLOSED, LODGED), cash, NoOpenTillError),
        ((OPEN,), lambda _: open_till(key="till-2"), TillAlreadyOpenError),
        ((), lambda _: open_till("T01"), NotFoundError),
        ((), lambda _: open_till(float_millimes=-1), ValidationError),
        ((OPEN,), lambda _: close(((1_000, 1),)), DiscrepancyUnexplainedError),
        ((OPEN,), lambda _: close(((3_000, 1),), "?"), ValidationError),
        ((OPEN,), lambda _: close(((1_000, -1),), "?"), ValidationError),
        (CLOSED, lambda _: close(key="close-2"), TillStateError),
        ((OPEN,), lambda _: close(actor="agent:A18", agent="A18"), ForbiddenError),
        (CLOSED_SHORT, lambda _: review("supervisor:A17"), SameReviewerError),
        (CLOSED, lambda _: review(), TillStateError),
        (
            (*CLOSED_SHORT, "tills/a17_till_discrepancy_reviewed.yaml"),
            lambda _: review(),
            TillStateError,
        ),
        ((OPEN,), lambda _: review(), TillStateError),
        ((*ASKED, "tills/a17_till_closed_after_cash.yaml"), refund_approved, NoOpenTillError),
        (
            (*ASKED, "tills/a17_till_closed_after_cash.yaml", "tills/a17_empty_till_opened.yaml"),
            refund_approved,
            NotEnoughCashError,
        ),
        (PAID, complete_by_hand, CompletedByPaymentError),
        ((LODGED,), complete_by_hand, CompletedByPaymentError),
    ],
    ids=[
        "cash-without-a-till",
        "cash-after-the-till-closed",
        "a-second-till-while-one-is-open",
        "an-agent-of-another-house",
        "a-negative-float",
        "a-discrepancy-without-a-reason",
        "a-denomination-tunisia-does-not-issue",
        "a-negative-number-of-pieces",
        "closed-twice",
        "an-agent-closes-anothers-till",
        "reviewed-by-the-one-who-closed-it",
        "a-balanced-till-has-nothing-to-review",
        "reviewed-twice",
        "an-open-till-is-not-reviewed",
        "a-cash-refund-without-the-requesters-till",
        "a-cash-refund-beyond-what-the-till-holds",
        "a-paid-bill-request-completed-by-hand",
        "an-unpaid-bill-request-completed-by-hand",
    ],
)
def test_a_till_step_is_refused(
    staffed: Scenario,
    given: tuple[str, ...],
    action: Callable[[Scenario], Action],
    refusal: type[Exception],
) -> None:
    staffed.given(*given).at("day 2 14:00").when(action(staffed)).then_raises(refusal)


def test_a_deactivated_agent_opens_no_till(staffed: Scenario) -> None:
    staffed.given_command(
        lambda d: d.houses.deactivate_agent(DeactivateAgent("off", "admin:1", "A17", "left"))
    )
    staffed.at("day 2 08:10").when(open_till()).then_raises(AgentDeactivatedError)


def test_a_bill_paid_by_card_completes_its_request_with_the_capture(
    store_settings: Settings,
) -> None:
    """The gateway's capture completes the bill-payment request in the capture's own save."""
    dar, gateway, citizen = payments_ready(store_settings)
    try:
        request = bill_request(dar, citizen)
        started = payment_of(dar, pay_by_card(dar, request, "1234-5", "card"))
        assert dar.store.load(request, CitizenRequest, "request").status is RequestStatus.LODGED
        assert started.session_id is not None
        gateway.inner.pay(started.session_id)
        (authorised,) = gateway.inner.take_deliveries()
        assert deliver(dar, authorised).status_code == 200
        captured = dar.store.load(started.id, Payment, "payment")
        done = dar.store.load(request, CitizenRequest, "request")
        assert (captured.status, done.status) == (PaymentStatus.CAPTURED, RequestStatus.COMPLETED)
        # recorded in one save: the capture's and the completion's events share a command
        (completed,) = [
            e for e in dar.store.events.get(request) if e.__class__.__name__ == "Completed"
        ]
        (capture,) = [
            e for e in dar.store.events.get(started.id) if isinstance(e, Payment.Captured)
        ]
        assert completed.command_id == capture.command_id  # type: ignore[attr-defined]
    finally:
        dar.close()
