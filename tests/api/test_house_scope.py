"""House staff see and act only in their own house: every staff role of Thala against Haidra.

Haidra has a ticket being served, a lodged and paid request, a refund waiting for approval and a
citizen's mandate. A token of each role that `docs/role-matrix.md` keeps to its own house, issued
for Thala, calls every operation on Haidra or its objects that the matrix allows the role: every
query shows nothing of Haidra (while Haidra's own supervisor sees it), every mutation answers
`NOT_FOUND` as if Haidra did not exist, and nothing is recorded. On both stores.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.auth import Role, TokenService
from api.bootstrap import Dar
from application.houses.commands import EnrollAgent
from application.payments.commands import RequestRefund
from infrastructure.settings import Settings
from tests.support.api import error_codes, graphql
from tests.support.citizens import grant_mandate
from tests.support.counter import lodge, served
from tests.support.payments import pay_by_card, pay_cash, payments_ready
from tests.support.role_matrix import load_role_matrix
from tests.support.spec import Scenario

EXPECTED = load_role_matrix()
PURPOSE = "counter_service"


@dataclass(frozen=True)
class Haidra:
    """What Haidra holds, as the ids and numbers a caller would name."""

    house: UUID
    agent: UUID
    citizen: UUID
    request: UUID
    receipt: str
    payment: UUID
    pending: UUID
    mandate: str
    open_receipt: str  # the SONEDE request's, still open (the STEG bill's, paid, is completed)

    def marks(self) -> list[str]:
        """Strings any of which, in an answer, shows something of Haidra."""
        ids = (self.house, self.agent, self.request, self.payment, self.pending, self.mandate)
        return ["haidra", self.receipt, self.open_receipt, *(str(i) for i in ids)]


def enrol(dar: Dar, number: str, house: str) -> None:
    command = EnrollAgent(f"enrol-{number}", "admin:1", number, house, f"Staff {number}")
    dar.houses.enroll_agent(command)


def haidra_serving(dar: Dar, citizen: UUID) -> Haidra:
    """A17 serves A001: STEG paid in cash (a refund asked), SONEDE by card (pending), a mandate."""
    lodged = lodge(dar, citizen, "STEG", "BILL_PAYMENT", ())
    request = UUID(lodged.values["request_id"])
    payment = UUID(pay_cash(dar, request, "4001-2333", "cash").values["payment_id"])
    dar.payments.request_refund(
        RequestRefund("refund", "agent:A17", "haidra", payment, 1_000, "billed twice")
    )
    sonede = lodge(dar, citizen, "SONEDE", "BILL_PAYMENT", ())
    return Haidra(
        house=dar.houses.house("haidra").id,
        agent=dar.houses.agent("A17").id,
        citizen=citizen,
        request=request,
        receipt=lodged.values["receipt"],
        payment=payment,
        pending=UUID(
            pay_by_card(dar, UUID(sonede.values["request_id"]), "778899", "card").values[
                "payment_id"
            ]
        ),
        mandate=grant_mandate(dar, citizen, "payments", key="mandate"),
        open_receipt=sonede.values["receipt"],
    )


@pytest.fixture
def two_houses(api_settings: Settings) -> Iterator[tuple[TestClient, Dar, Haidra, Settings]]:
    dar, _, citizen = payments_ready(api_settings)
    Scenario(dar, dar.clock).given("delegation/thala_staffed.yaml")  # type: ignore[arg-type]
    haidra = haidra_serving(dar, citizen)
    enrol(dar, "S01", "haidra")
    for role in EXPECTED.own_house_only:
        enrol(dar, thala_staff(role), "thala")
    with served(api_settings, dar) as client:
        yield client, dar, haidra, api_settings


def queries(h: Haidra) -> dict[str, str]:
    at = f'houseId: "{h.house}"'
    return {
        "houses": "{ houses { id code } }",
        "house": f'{{ house(id: "{h.house}") {{ id code }} }}',
        "agents": f"{{ agents({at}) {{ id }} }}",
        "delegations": f"{{ delegations({at}) {{ id houseId }} }}",
        "delegationsExpiring": "{ delegationsExpiring { id houseId } }",
        "mayPerform": (
            f'{{ mayPerform({at}, agentId: "{h.agent}", partnerCode: "STEG", '
            'serviceCode: "BILL_PAYMENT") { allowed grantId agentId } }'
        ),
        "mandates": f'{{ mandates(citizenId: "{h.citizen}", purpose: "{PURPOSE}") {{ id houseId }} }}',
        "queue": f"{{ queue({at}) {{ houseId day tickets {{ visitId }} }} }}",
        "request": f'{{ request(id: "{h.request}") {{ id receipt }} }}',
        "requestByReceipt": f'{{ requestByReceipt(number: "{h.receipt}") {{ id receipt }} }}',
        "requests": f"{{ requests({at}) {{ items {{ id receipt }} }} }}",
        "citizenFiles": (
            f'{{ citizenFiles(citizenId: "{h.citizen}", purpose: "{PURPOSE}") {{ id receipt }} }}'
        ),
        "payments": f'{{ payments(requestId: "{h.request}") {{ id receipt }} }}',
        "collections": f'{{ collections({at}, businessDate: "2026-01-06") {{ houseId net }} }}',
        "pendingPayments": f"{{ pendingPayments({at}) {{ id }} }}",
        "partnerInbox": '{ partnerInbox(partnerCode: "STEG") { id receipt } }',
    }


def mutations(h: Haidra) -> dict[str, str]:
    at, ticket = f'houseId: "{h.house}"', f'houseId: "{h.house}", ticket: "A001"'
    of_request, of_payment = f'requestId: "{h.request}"', f'paymentId: "{h.payment}"'
    docs = {
        "openCounter": f"openCounter(input: {{KEY, {at}, number: 2}}) {{ id }}",
        "closeCounter": f"closeCounter(input: {{KEY, {at}, number: 1}}) {{ id }}",
        "issueTicket": f'issueTicket(input: {{KEY, {at}, line: "A"}}) {{ ticket }}',
        "callNextTicket": f"callNextTicket(input: {{KEY, {at}, counter: 1}}) {{ ticket }}",
        "resumeTicket": f"resumeTicket(input: {{KEY, {ticket}, counter: 1}}) {{ ticket }}",
        "transferTicket": f"transferTicket(input: {{KEY, {ticket}, toCounter: 2}}) {{ ticket }}",
        "recordContact": (
            f"recordContact(input: {{KEY, {ticket}, kind: "
            'INFORMATION, partnerCode: "STEG", topic: "t"}) { position }'
        ),
        "lodgeRequest": (
            f'lodgeRequest(input: {{KEY, {ticket}, citizenId: "{h.citizen}", '
            'partnerCode: "STEG", serviceCode: "BILL_DUPLICATE", documents: []}) { receipt }'
        ),
        "withdrawRequest": f'withdrawRequest(input: {{KEY, {of_request}, reason: "r"}}) {{ id }}',
        "acknowledgeRequest": (
            f'acknowledgeRequest(input: {{KEY, {of_request}, partnerReference: "P"}}) {{ id }}'
        ),
        "returnForCorrection": (
            f'returnForCorrection(input: {{KEY, {of_request}, reason: "r"}}) {{ id }}'
        ),
        "recordPartnerDecision": (
            f"recordPartnerDecision(input: {{KEY, {of_request}, "
            'decision: ACCEPTED, reason: "r"}) { id }'
        ),
        "registerCitizen": (
            f'registerCitizen(input: {{KEY, {at}, name: "N", documentKind: CIN, '
            'documentNumber: "07654321"}) { id }'
        ),
        "grantMandate": (
            f'grantMandate(input: {{KEY, citizenId: "{h.citizen}", {at}, scopes: ["payments"], '
            'duration: ONE_DAY, consentKind: PAPER_FORM, consentReference: "F1"}) { id }'
        ),
        "revokeMandate": (
            f'revokeMandate(input: {{KEY, citizenId: "{h.citizen}", {at}, '
            'scope: "payments"}) { receipt }'
        ),
        "initiatePayment": f"initiatePayment(input: {{KEY, {of_request}, method: CARD}}) {{ id }}",
        "recordCashPayment": f"recordCashPayment(input: {{KEY, {of_request}}}) {{ id }}",
        "cancelPayment": f'cancelPayment(input: {{KEY, {of_payment}, reason: "r"}}) {{ id }}',
        "requestRefund": (
            f'requestRefund(input: {{KEY, {of_payment}, amount: "1.000", reason: "r"}}) '
            "{ refundId }"
        ),
        "approveRefund": f'approveRefund(input: {{KEY, {of_payment}, refundId: "R1"}}) {{ id }}',
        "settlePayment": f"settlePayment(input: {{{of_payment}}}) {{ id }}",
    }
    for name in ("recallTicket", "markNoShow", "parkTicket", "recycleTicket", "endVisit"):
        docs[name] = f"{name}(input: {{KEY, {ticket}}}) {{ ticket }}"
    docs["recordWalkAway"] = (
        f'recordWalkAway(input: {{KEY, houseId: "{h.house}", ticket: "A001"}}) {{ ticket }}'
    )
    for name in ("completeRequest", "forwardRequest", "resubmitRequest"):
        docs[name] = f"{name}(input: {{KEY, {of_request}}}) {{ id }}"
    return {
        name: "mutation { " + doc.replace("KEY", f'commandId: "scope-{name}"') + " }"
        for name, doc in docs.items()
    }


def shown(body: dict[str, Any], haidra: Haidra) -> list[str]:
    """What of Haidra an answer shows."""
    text = json.dumps(body.get("data"))
    return [mark for mark in haidra.marks() if mark in text]


def thala_staff(role: Role) -> str:
    return f"THALA-{role.value.upper()}"


def thala_token(settings: Settings, role: Role) -> str:
    return TokenService(settings).mint(thala_staff(role), role, house="thala")


def test_haidras_own_supervisor_sees_what_the_scope_tests_look_for(
    two_houses: tuple[TestClient, Dar, Haidra, Settings],
) -> None:
    """The control: each query names real objects of Haidra, shown to its own staff."""
    client, _, haidra, settings = two_houses
    token = TokenService(settings).mint("S01", Role.SUPERVISOR, house="haidra")
    for name, document in queries(haidra).items():
        if name in {"partnerInbox", "delegationsExpiring"}:  # nothing forwarded, nor ending soon
            continue
        body = graphql(client, document, token=token)
        assert error_codes(body) == [], (name, body)
        assert shown(body, haidra), f"{name} shows nothing of Haidra to its own supervisor"


@pytest.mark.parametrize("role", sorted(EXPECTED.own_house_only))
def test_staff_of_another_house_see_nothing_of_it(
    two_houses: tuple[TestClient, Dar, Haidra, Settings], role: Role
) -> None:
    client, _, haidra, settings = two_houses
    token = thala_token(settings, role)
    checked = 0
    for name, document in queries(haidra).items():
        if role not in EXPECTED.allowed[name]:
            continue
        body = graphql(client, document, token=token)
        assert set(error_codes(body)) <= {"NOT_FOUND"}, (role.value, name, body)
        assert shown(body, haidra) == [], f"{role.value} of Thala sees Haidra's {name}"
        checked += 1
    assert checked >= 10


@pytest.mark.parametrize("role", sorted(EXPECTED.own_house_only))
def test_staff_of_another_house_cannot_act_in_it(
    two_houses: tuple[TestClient, Dar, Haidra, Settings], role: Role
) -> None:
    client, dar, haidra, settings = two_houses
    token = thala_token(settings, role)
    before = dar.store.position()
    checked = 0
    for name, document in mutations(haidra).items():
        if role not in EXPECTED.allowed[name]:
            continue
        body = graphql(client, document, token=token)
        assert error_codes(body) == ["NOT_FOUND"], (role.value, name, body)
        checked += 1
    assert checked >= 20
    assert dar.store.position() == before, "an act of another house's staff was recorded"
