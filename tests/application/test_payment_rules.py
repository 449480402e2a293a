"""Given-when-then specifications of payments: what each act records, and what it refuses.

On SQLite and PostgreSQL; the fixtures under `tests/fixtures/payments/` are the expected events.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from api.bootstrap import Dar
from application.audit.compliance import ComplianceFromLog
from application.payments.commands import (
    ApproveRefund,
    CancelPayment,
    RecordCashPayment,
    RequestRefund,
)
from application.payments.refund_cover import RefundNotCoveredError
from application.store import Outcome
from domain.delegation.policy import DelegationNotInForceError
from domain.payments.due import AlreadyPaidError
from domain.payments.payment import (
    PaymentStateError,
    RefundExceedsCapturedError,
    SameApproverError,
)
from domain.shared.errors import NotFoundError, ValidationError
from infrastructure.fixtures.model import Ref
from tests.support.clock import TestClock
from tests.support.payments import PAYMENTS_READY
from tests.support.spec import Scenario

Action = Callable[[Dar], Outcome]
LODGED = "payments/steg_bill_lodged.yaml"
PAID = (LODGED, "payments/steg_cash_paid.yaml")
REFUND_ASKED = (*PAID, "payments/steg_refund_requested.yaml")
APPROVED = "payments/steg_refund_paid.yaml"  # refund R1 approved and paid back at day 2 09:05


@pytest.fixture
def ready(dar: Dar, clock: TestClock) -> Scenario:
    return Scenario(dar, clock).given(*PAYMENTS_READY)


def cash(scenario: Scenario, reference: str = "4001-2333", key: str = "cash-1") -> Action:
    def run(d: Dar) -> Outcome:
        return d.payments.record_cash(
            RecordCashPayment(
                command_id=key,
                actor="agent:A17",
                house_code="haidra",
                request_id=scenario.symbols.resolve(Ref("request-1")),
                employee_number="A17",
                bill_reference=reference,
            )
        )

    return run


def refund(scenario: Scenario, millimes: int = 20_000) -> Action:
    def run(d: Dar) -> Outcome:
        return d.payments.request_refund(
            RequestRefund(
                "refund-1",
                "agent:A17",
                "haidra",
                scenario.symbols.resolve(Ref("payment-1")),
                millimes,
                "service fee charged twice",
            )
        )

    return run


def approve(scenario: Scenario, actor: str = "supervisor:S01") -> Action:
    def run(d: Dar) -> Outcome:
        payment = scenario.symbols.resolve(Ref("payment-1"))
        return d.payments.approve_refund(ApproveRefund("approve-1", actor, "haidra", payment, "R1"))

    return run


def cancel(scenario: Scenario) -> Action:
    def run(d: Dar) -> Outcome:
        payment = scenario.symbols.resolve(Ref("payment-1"))
        return d.payments.cancel(CancelPayment("cancel-1", "agent:A17", "haidra", payment, "r"))

    return run


def test_cash_is_taken_with_the_bill_amount_and_the_first_receipt(ready: Scenario) -> None:
    ready.given(LODGED).at("day 2 08:20").when(cash(ready)).then("payments/steg_cash_paid.yaml")


def test_a_refund_is_asked_for(ready: Scenario) -> None:
    ready.given(*PAID).at("day 2 09:00").when(refund(ready)).then(
        "payments/steg_refund_requested.yaml"
    )


def test_a_cash_refund_approved_by_the_supervisor_is_paid_back_at_once(ready: Scenario) -> None:
    ready.given(*REFUND_ASKED).at("day 2 09:05").when(approve(ready)).then(
        "payments/steg_refund_paid.yaml"
    )


@pytest.mark.parametrize(
    ("given", "action", "refusal"),
    [
        (PAID, lambda s: cash(s, key="cash-2"), AlreadyPaidError),
        ((LODGED, "counter/steg_suspended.yaml"), cash, DelegationNotInForceError),
        ((LODGED,), lambda s: cash(s, reference="1230000"), NotFoundError),
        ((LODGED,), lambda s: cash(s, reference="12 34"), ValidationError),
        (PAID, lambda s: refund(s, 174_701), RefundExceedsCapturedError),
        (REFUND_ASKED, lambda s: approve(s, "agent:A17"), SameApproverError),
        (PAID, cancel, PaymentStateError),
    ],
    ids=[
        "the-bill-is-paid-already",
        "under-a-suspended-grant",
        "no-bill-due-under-that-reference",
        "a-malformed-bill-reference",
        "a-refund-beyond-what-was-captured",
        "approved-by-the-one-who-asked",
        "cancel-a-captured-payment",
    ],
)
def test_a_payment_step_is_refused(
    ready: Scenario,
    given: tuple[str, ...],
    action: Callable[[Scenario], Action],
    refusal: type[Exception],
) -> None:
    ready.given(*given).at("day 2 09:10").when(action(ready)).then_raises(refusal)


def test_a_refund_is_approved_once_the_grant_is_reinstated(ready: Scenario) -> None:
    ready.given(*REFUND_ASKED, "payments/steg_reinstated_before_approval.yaml")
    ready.at("day 2 09:05").when(approve(ready)).then(APPROVED)


@pytest.mark.parametrize(
    ("meanwhile", "missing"),
    [
        ("payments/steg_suspended_before_approval.yaml", ["GRANT"]),
        ("payments/steg_revoked_before_approval.yaml", ["GRANT"]),
        ("payments/a17_unaccredited_before_approval.yaml", ["ACCREDITATION"]),
    ],
    ids=["grant-suspended", "grant-revoked", "agent-no-longer-accredited"],
)
def test_a_refund_the_payment_no_longer_covers_is_refused_as_the_audit_lists_it(
    ready: Scenario, meanwhile: str, missing: list[str]
) -> None:
    """Refused by the rule the compliance report replays, which lists the same approval.

    Written around the command (appended as if recorded), the approval is listed with the cover
    the refusal named.
    """
    ready.given(*REFUND_ASKED, meanwhile).at("day 2 09:05").when(approve(ready))
    ready.then_raises(RefundNotCoveredError)
    assert ComplianceFromLog(ready.dar.store).report() == []
    ready.given(APPROVED)  # the approval appended as if recorded: around the rules
    [line] = ComplianceFromLog(ready.dar.store).report()
    assert (line.kind.value, [cover.value for cover in line.missing]) == (
        "REFUND_APPROVED",
        missing,
    )


def test_a_refund_after_the_grant_and_accreditation_expired_names_both(ready: Scenario) -> None:
    ready.given(*REFUND_ASKED).at("day 362 09:00").when(approve(ready))  # 1 January 2027
    refusal = ready.then_raises(RefundNotCoveredError)
    assert str(refusal) == (
        "a refund is approved only while its payment is covered: the payment's grant is not in "
        "force for its service; the agent who took it is not accredited for STEG"
    )
