"""Tills through GraphQL, and a cash refund's printable document, on both stores.

A17's till is open (tests/fixtures/tills/a17_till_open.yaml, 50 TND float) when a STEG bill is
paid in cash; it is counted short and closed with a reason, reviewed by the supervisor; a second
shift is opened; the supervisor's own close of it cannot be reviewed by the supervisor.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.auth import Role, TokenService
from api.bootstrap import Dar
from application.houses.commands import EnrollAgent
from application.payments.commands import ApproveRefund, RequestRefund
from domain.houses.house import house_id
from domain.shared.money import Money
from infrastructure.settings import Settings
from tests.support.api import error_codes, graphql
from tests.support.counter import served
from tests.support.payments import bill_request, pay_cash, payments_ready
from tests.support.tills import counted

TILLS = (
    "query($h: ID!, $d: Date!, $p: Position) { tills(houseId: $h, businessDate: $d,"
    " atLeastPosition: $p) { id employeeNumber shift status float cashIn cashOut expected"
    " payments refunds counted discrepancy count reason closedBy reviewedBy reviewNote } }"
)
CLOSE = "mutation($i: CloseTillInput!) { closeTill(input: $i) { id position replayed } }"
REVIEW = (
    "mutation($i: ReviewTillDiscrepancyInput!) { reviewTillDiscrepancy(input: $i) { id position } }"
)
OPEN = "mutation($i: OpenTillInput!) { openTill(input: $i) { id position } }"
CASH = "mutation($i: RecordCashPaymentInput!) { recordCashPayment(input: $i) { id } }"
HOUSE = str(house_id("haidra"))
DAY = "2026-01-06"


@dataclass(frozen=True)
class Paid:
    """The API over a Dar where a STEG bill was paid in cash into A17's till."""

    client: TestClient
    dar: Dar
    citizen: UUID
    payment: UUID
    amount: int  # millimes


@pytest.fixture
def paid(api_settings: Settings) -> Iterator[Paid]:
    dar, _, citizen = payments_ready(api_settings)
    dar.houses.enroll_agent(EnrollAgent("enrol-S01", "admin:1", "S01", "haidra", "Supervisor"))
    outcome = pay_cash(dar, bill_request(dar, citizen), "4001-2333", "cash")
    payment = UUID(outcome.values["payment_id"])
    amount = dar.payments.current(payment).captured.millimes
    with served(api_settings, dar) as client:
        yield Paid(client, dar, citizen, payment, amount)


def _tokens(settings: Settings) -> tuple[str, str, str]:
    tokens = TokenService(settings)
    return (
        tokens.mint("A17", Role.AGENT, house="haidra"),
        tokens.mint("S01", Role.SUPERVISOR, house="haidra"),
        tokens.mint("audit", Role.AUDITOR),
    )


def _data(body: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in body, body
    found: dict[str, Any] = body["data"]
    return found


def _count(millimes: int) -> list[dict[str, object]]:
    """The notes and coins worth the amount, as the input lists them."""
    return [{"value": str(Money(v)), "pieces": n} for v, n in counted(millimes)]


def test_a_till_is_closed_short_with_a_reason_and_reviewed_by_the_supervisor(
    paid: Paid, api_settings: Settings
) -> None:
    client = paid.client
    a17, s01, auditor = _tokens(api_settings)
    (till,) = _data(graphql(client, TILLS, {"h": HOUSE, "d": DAY}, a17))["tills"]
    assert (till["employeeNumber"], till["shift"], till["status"]) == ("A17", 1, "OPEN")
    expected = 50_000 + paid.amount
    assert (till["cashIn"], till["expected"]) == (str(Money(paid.amount)), str(Money(expected)))
    unexplained = {"commandId": "close-1", "tillId": till["id"], "count": _count(expected - 1000)}
    refused = graphql(client, CLOSE, {"i": unexplained}, a17)
    assert error_codes(refused) == ["DISCREPANCY_UNEXPLAINED"]
    explained = {**unexplained, "commandId": "close-2", "reason": "un billet de 1 TND manque"}
    closed = _data(graphql(client, CLOSE, {"i": explained}, a17))["closeTill"]
    review = {"commandId": "review", "tillId": till["id"], "note": "vu avec l'agent"}
    assert error_codes(graphql(client, REVIEW, {"i": review}, a17)) == ["FORBIDDEN"]
    reviewed = _data(graphql(client, REVIEW, {"i": review}, s01))["reviewTillDiscrepancy"]
    assert reviewed["position"] > closed["position"]
    variables = {"h": HOUSE, "d": DAY, "p": reviewed["position"]}
    (seen,) = _data(graphql(client, TILLS, variables, auditor))["tills"]
    assert (seen["status"], seen["discrepancy"], seen["reason"]) == (
        "REVIEWED",
        "-1.000",
        "un billet de 1 TND manque",
    )
    assert (seen["closedBy"], seen["reviewedBy"]) == ("agent:A17", "supervisor:S01")
    assert seen["counted"] == str(Money(expected - 1000))


def test_no_cash_without_an_open_till_and_one_open_till_at_a_time(
    paid: Paid, api_settings: Settings
) -> None:
    client, dar = paid.client, paid.dar
    a17, s01, _ = _tokens(api_settings)
    (till,) = _data(graphql(client, TILLS, {"h": HOUSE, "d": DAY}, a17))["tills"]
    again = graphql(client, OPEN, {"i": {"commandId": "o1", "float": "10.000"}}, a17)
    assert error_codes(again) == ["TILL_ALREADY_OPEN"]
    balanced = {"commandId": "close", "tillId": till["id"], "count": _count(50_000 + paid.amount)}
    _data(graphql(client, CLOSE, {"i": balanced}, a17))
    review = {"commandId": "review", "tillId": till["id"], "note": "rien"}
    assert error_codes(graphql(client, REVIEW, {"i": review}, s01)) == ["INVALID_TRANSITION"]
    # the till closed, cash is refused and nothing is recorded
    request = bill_request(dar, paid.citizen)
    before = dar.store.position()
    paying = {"commandId": "cash-2", "requestId": str(request), "billReference": "5555-1"}
    assert error_codes(graphql(client, CASH, {"i": paying}, a17)) == ["NO_OPEN_TILL"]
    assert dar.store.position() == before
    # a second shift: a new till; the supervisor closes it short, and may not review itself
    second = _data(graphql(client, OPEN, {"i": {"commandId": "o2", "float": "5.000"}}, a17))
    other = second["openTill"]["id"]
    assert other != till["id"]
    short = {"commandId": "s-close", "tillId": other, "count": [], "reason": "tiroir vide"}
    _data(graphql(client, CLOSE, {"i": short}, s01))
    own = {"commandId": "s-review", "tillId": other, "note": "moi"}
    assert error_codes(graphql(client, REVIEW, {"i": own}, s01)) == ["SAME_REVIEWER"]


def test_a_cash_refund_gets_its_document_printed_in_arabic_and_french(
    paid: Paid, api_settings: Settings
) -> None:
    client, dar = paid.client, paid.dar
    a17, s01, auditor = _tokens(api_settings)
    asked = dar.payments.request_refund(
        RequestRefund("ask", "agent:A17", "haidra", paid.payment, 2_500, "frais facturés deux fois")
    )
    waiting = _data(
        graphql(
            client,
            "query($h: ID!, $p: Position) { refundsAwaitingApproval(houseId: $h,"
            " atLeastPosition: $p) { paymentId refundId amount requestedBy method } }",
            {"h": HOUSE, "p": asked.position},
            auditor,
        )
    )["refundsAwaitingApproval"]
    assert waiting == [
        {
            "paymentId": str(paid.payment),
            "refundId": "R1",
            "amount": "2.500",
            "requestedBy": "agent:A17",
            "method": "CASH",
        }
    ]
    approve = ApproveRefund("approve", "supervisor:S01", "haidra", paid.payment, "R1")
    position = dar.payments.approve_refund(approve).position
    (till,) = _data(graphql(client, TILLS, {"h": HOUSE, "d": DAY, "p": position}, s01))["tills"]
    assert (till["cashOut"], till["refunds"]) == ("2.500", 1)
    assert till["expected"] == str(Money(50_000 + paid.amount - 2_500))
    number = "HAIDRA-2026-R000001"
    page = client.get(f"/receipts/{number}", headers={"Authorization": f"Bearer {a17}"})
    assert page.status_code == 200, page.text
    receipt = dar.payments.current(paid.payment).receipt or ""
    for expected in (number, "2.500 TND", receipt, "4001-2333", "إرجاع", "remboursement", "STEG"):
        assert expected in page.text, expected
    assert "Amel" not in page.text
    elsewhere = TokenService(api_settings).mint("T01", Role.AGENT, house="thala")
    other = client.get(f"/receipts/{number}", headers={"Authorization": f"Bearer {elsewhere}"})
    assert other.status_code in {401, 404}  # another house's staff never see it
