"""The text policy at Dar's edge, on both stores.

What it refuses records nothing; what it lets through is stored in NFC.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.auth import Role, TokenService
from api.bootstrap import Dar, bootstrap
from domain.houses.house import house_id
from infrastructure.payments.signing import signed_headers
from infrastructure.settings import Settings
from tests.support.api import graphql, token_for
from tests.support.clock import TestClock
from tests.support.counter import counter_ready, served
from tests.support.payments import SECRET, bill_request, pay_by_card, payments_ready

HAIDRA = str(house_id("haidra"))
CONTACT = "mutation($i: RecordContactInput!) { recordContact(input: $i) { position } }"
ENROL = "mutation($i: EnrollAgentInput!) { enrollAgent(input: $i) { id position } }"


@pytest.fixture
def counter(api_settings: Settings) -> Iterator[tuple[TestClient, Dar]]:
    """A17 serves A001 at Haidra's counter 1."""
    dar, _ = counter_ready(api_settings)
    with served(api_settings, dar) as client:
        yield client, dar


def agent(settings: Settings) -> str:
    return TokenService(settings).mint("A17", Role.AGENT, house="haidra")


def contact(topic: str, key: str = "contact-1") -> dict[str, object]:
    return {
        "commandId": key,
        "houseId": HAIDRA,
        "ticket": "A001",
        "kind": "INFORMATION",
        "partnerCode": "CNAM",
        "topic": topic,
    }


def enrolment(number: str, name: str) -> dict[str, object]:
    return {"commandId": f"enrol-{number}", "houseId": HAIDRA, "employeeNumber": number,
            "displayName": name}  # fmt: skip


def inline(operation: str, values: dict[str, object]) -> str:
    """The mutation with its input written in the document (the contact's kind, an enum, bare)."""
    fields = ", ".join(f"{k}: {v if k == 'kind' else json.dumps(v)}" for k, v in values.items())
    return f"mutation {{ {operation}(input: {{{fields}}}) {{ position }} }}"


def refusal(body: dict[str, Any]) -> tuple[str, str]:
    [error] = body["errors"]
    return error["extensions"]["code"], error["extensions"].get("field", "")


@pytest.mark.parametrize("form", ["variables", "inline"])
def test_a_nul_typed_at_the_counter_is_refused_and_nothing_is_recorded(
    counter: tuple[TestClient, Dar], api_settings: Settings, form: str
) -> None:
    client, dar = counter
    position = dar.store.position()
    poisoned = contact("attestation\x00affiliation")
    if form == "variables":
        body = graphql(client, CONTACT, {"i": poisoned}, agent(api_settings))
    else:
        body = graphql(client, inline("recordContact", poisoned), None, agent(api_settings))
    assert refusal(body) == ("VALIDATION", "input.topic")
    assert dar.store.position() == position
    recorded = graphql(
        client, CONTACT, {"i": contact("attestation affiliation")}, agent(api_settings)
    )
    assert "errors" not in recorded, recorded
    assert dar.store.position() > position


@pytest.mark.parametrize("form", ["variables", "inline"])
def test_an_admin_s_nul_in_a_display_name_is_refused_and_nothing_is_recorded(
    counter: tuple[TestClient, Dar], api_settings: Settings, form: str
) -> None:
    client, dar = counter
    admin = token_for(api_settings, Role.ADMIN)
    position = dar.store.position()
    poisoned = enrolment("A40", "Ali\x00Ben")
    if form == "variables":
        body = graphql(client, ENROL, {"i": poisoned}, admin)
    else:
        body = graphql(client, inline("enrollAgent", poisoned), None, admin)
    assert refusal(body) == ("VALIDATION", "input.displayName")
    assert dar.store.position() == position


def test_a_lone_surrogate_sent_as_a_json_escape_is_refused(
    counter: tuple[TestClient, Dar], api_settings: Settings
) -> None:
    client, dar = counter
    position = dar.store.position()
    document = json.dumps({"query": CONTACT, "variables": {"i": contact("x")}})
    raw = document.replace('"topic": "x"', '"topic": "attestation \\ud800"')
    response = client.post(
        "/graphql",
        content=raw.encode(),
        headers={"Authorization": f"Bearer {agent(api_settings)}",
                 "Content-Type": "application/json"},
    )  # fmt: skip
    assert response.status_code == 200, response.text
    assert refusal(response.json()) == ("VALIDATION", "input.topic")
    assert dar.store.position() == position


def test_an_over_long_topic_is_refused_naming_its_field(
    counter: tuple[TestClient, Dar], api_settings: Settings
) -> None:
    client, dar = counter
    position = dar.store.position()
    body = graphql(client, CONTACT, {"i": contact("x" * 201)}, agent(api_settings))
    assert refusal(body) == ("VALIDATION", "input.topic")
    assert dar.store.position() == position


@pytest.mark.parametrize("form", ["variables", "inline"])
def test_names_are_stored_in_nfc_and_arabic_passes_as_typed(
    counter: tuple[TestClient, Dar], api_settings: Settings, form: str
) -> None:
    client, _ = counter
    admin = token_for(api_settings, Role.ADMIN)
    typed = {
        "A41": "Ame\u0301lie Co\u0302te\u0301",  # decomposed, as some keyboards send it
        "A42": "\u0639\u064e\u0644\u0650\u064a\u0651 \u200fبن صالح\u200e (Ali)",  # harakat, RLM, LRM
    }
    last = 0
    for number, name in typed.items():
        values = enrolment(number, name)
        if form == "variables":
            body = graphql(client, ENROL, {"i": values}, admin)
        else:
            body = graphql(client, inline("enrollAgent", values), None, admin)
        assert "errors" not in body, body
        last = int(body["data"]["enrollAgent"]["position"])
    query = "query($h: ID!, $p: Position) { agents(houseId: $h, atLeastPosition: $p) { employeeNumber displayName } }"
    agents = graphql(client, query, {"h": HAIDRA, "p": last}, admin)["data"]["agents"]
    stored = {a["employeeNumber"]: a["displayName"] for a in agents}
    assert stored["A41"] == "Amélie Côté"
    assert stored["A42"] == typed["A42"]  # already in NFC: unchanged, marks and all
    assert unicodedata.is_normalized("NFC", typed["A42"])


QUERIES = [
    ("partner", '{ partner(code: "\\u0000") { code } }', "code", Role.AGENT),
    ("catalogue", '{ catalogue(partnerCode: "CNAM\\u0000") { code } }', "partnerCode", Role.AGENT),
    ("requestByReceipt", '{ requestByReceipt(number: "HAIDRA\\u0000") { id } }', "number", Role.AGENT),
    ("requests", f'{{ requests(houseId: "{HAIDRA}", partnerCode: "\\u0000") {{ hasNextPage }} }}', "partnerCode", Role.AGENT),
    ("partnerInbox", '{ partnerInbox(partnerCode: "CNAM\\u0000") { id } }', "partnerCode", Role.PARTNER),
    ("requestByReceipt", '{ requestByReceipt(number: "%s") { id } }' % ("H" * 201), "number", Role.AGENT),
]  # fmt: skip


@pytest.mark.parametrize(("name", "query", "field", "role"), QUERIES)
def test_query_arguments_with_control_characters_answer_validation_not_internal(
    counter: tuple[TestClient, Dar],
    api_settings: Settings,
    name: str,
    query: str,
    field: str,
    role: Role,
) -> None:
    client, _ = counter
    if role is Role.PARTNER:
        token = TokenService(api_settings).mint("cnam", role, partner="CNAM")
    else:
        token = agent(api_settings)
    body = graphql(client, query, None, token)
    assert refusal(body) == ("VALIDATION", field), (name, body)


def test_a_receipt_number_the_policy_refuses_is_a_4xx_with_a_code(
    counter: tuple[TestClient, Dar], api_settings: Settings
) -> None:
    client, _ = counter
    headers = {"Authorization": f"Bearer {agent(api_settings)}"}
    for number in ("%00", "A%0D%0AB", "%C2%85", "H" * 201):
        response = client.get(f"/receipts/{number}", headers=headers)
        assert response.status_code == 400, (number, response.text)
        assert (response.json()["code"], response.json()["field"]) == ("VALIDATION", "number")


@pytest.fixture
def card_payment(api_settings: Settings) -> Iterator[tuple[TestClient, Dar, str]]:
    """A card payment of a STEG bill, its session open at the simulated gateway."""
    dar, _, citizen = payments_ready(api_settings)
    outcome = pay_by_card(dar, bill_request(dar, citizen), "4001-2333", "card-1")
    with served(api_settings, dar) as client:
        yield client, dar, outcome.values["payment_id"]


def _callback(client: TestClient, dar: Dar, body: dict[str, str]) -> Any:
    content = json.dumps(body).encode()
    headers = signed_headers(SECRET, dar.clock.now(), content)
    return client.post("/payments/gateway/callback", content=content, headers=headers)


def test_a_signed_callback_whose_event_id_holds_a_nul_records_nothing(
    card_payment: tuple[TestClient, Dar, str],
) -> None:
    client, dar, payment = card_payment
    position = dar.store.position()
    refused = _callback(
        client, dar, {"orderId": payment, "eventId": "e\x001", "status": "authorised"}
    )
    assert (refused.status_code, refused.json()["code"]) == (400, "VALIDATION")
    assert dar.store.position() == position
    applied = _callback(client, dar, {"orderId": payment, "eventId": "e1", "status": "authorised"})
    assert applied.status_code == 200, applied.text
    assert dar.store.position() > position


def test_the_simulated_gateway_refuses_a_session_the_policy_refuses(
    api_settings: Settings,
) -> None:
    dar = bootstrap(api_settings, TestClock())  # development: the simulated gateway's routes
    with served(api_settings, dar) as client:
        assert client.get("/simulated-gateway/pay/nope").status_code == 404
        for response in (
            client.get("/simulated-gateway/pay/%00"),
            client.post("/simulated-gateway/pay/%1B"),
        ):
            assert (response.status_code, response.json()["code"]) == (400, "VALIDATION")
