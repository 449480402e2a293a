"""The waiting-room screen: `calledTickets` on an anonymous socket, pushed, bounded per house."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession

from api.auth import Role, TokenService
from api.bootstrap import bootstrap
from api.graphql.schema import build_schema
from domain.houses.house import house_id
from infrastructure.settings import Settings
from tests.support.api import graphql
from tests.support.clock import TestClock
from tests.support.counter import served
from tests.support.spec import Scenario
from tests.support.staff import ensure_house

PROTOCOL = "graphql-transport-ws"
HAIDRA = str(house_id("haidra"))
CALLED = "subscription($h: ID!) { calledTickets(houseId: $h) { houseId tickets { label counter calledAt } } }"
CALL_NEXT = """mutation($i: CallNextTicketInput!) { callNextTicket(input: $i) { ticket } }"""
END_VISIT = """mutation($i: EndVisitInput!) { endVisit(input: $i) { ticket } }"""
ISSUE = """mutation($i: IssueTicketInput!) { issueTicket(input: $i) { ticket } }"""


@pytest.fixture
def haidra(store_settings: Settings) -> Iterator[tuple[TestClient, Settings]]:
    """Haidra open on day 2 at 08:05, A001 waiting for counter 1 (A17), and Thala registered."""
    settings = store_settings.model_copy(update={"freshness_wait_seconds": 2.0})
    clock = TestClock()
    dar = bootstrap(settings, clock)
    Scenario(dar, clock).given(
        "delegation/haidra_staffed.yaml", "counter/haidra_open.yaml", "counter/a001_issued.yaml"
    ).at("day 2 08:05")
    ensure_house(dar, "thala")
    with served(settings, dar) as client:
        yield client, settings


def anonymous(ws: WebSocketTestSession) -> None:
    """Open the socket without a token: `connection_init` with an empty payload."""
    ws.send_json({"type": "connection_init", "payload": {}})
    assert ws.receive_json()["type"] == "connection_ack"


def subscribe(ws: WebSocketTestSession, op: str, house: str) -> None:
    payload = {"query": CALLED, "variables": {"h": house}}
    ws.send_json({"id": op, "type": "subscribe", "payload": payload})


def received(ws: WebSocketTestSession, op: str) -> dict[str, Any]:
    """The next message for operation `op` (others' are skipped)."""
    while True:
        message: dict[str, Any] = ws.receive_json()
        if message.get("id") == op:
            return message


def codes(message: dict[str, Any]) -> list[str]:
    """The error codes of a `next` or `error` message."""
    errors = message["payload"]["errors"] if message["type"] == "next" else message["payload"]
    return [e["extensions"]["code"] for e in errors]


def test_an_anonymous_screen_gets_the_list_then_each_call(
    haidra: tuple[TestClient, Settings],
) -> None:
    client, settings = haidra
    a17 = TokenService(settings).mint("A17", Role.AGENT, house="haidra")

    def act(document: str, key: str, **values: object) -> None:
        body = graphql(
            client, document, {"i": {"commandId": key, "houseId": HAIDRA, **values}}, a17
        )
        assert "errors" not in body, body

    with client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws:
        anonymous(ws)
        subscribe(ws, "1", HAIDRA)
        first = received(ws, "1")["payload"]["data"]["calledTickets"]
        act(CALL_NEXT, "call-1", counter=1)
        pushed = received(ws, "1")["payload"]["data"]["calledTickets"]
        # the queue changes twice, the called tickets do not: no list is pushed for either
        act(END_VISIT, "end-1", ticket="A001")
        act(ISSUE, "issue-2", line="A")
        act(CALL_NEXT, "call-2", counter=1)
        then = received(ws, "1")["payload"]["data"]["calledTickets"]
    assert first == {"houseId": HAIDRA, "tickets": []}
    assert [(t["label"], t["counter"]) for t in pushed["tickets"]] == [("A001", 1)]
    assert pushed["tickets"][0]["calledAt"].startswith("2026-01-06T")
    assert [(t["label"], t["counter"]) for t in then["tickets"]] == [("A002", 1), ("A001", 1)]


def test_a_called_ticket_shows_its_label_counter_and_time_only(store_settings: Settings) -> None:
    schema = build_schema(store_settings)._schema
    ticket = schema.get_type("CalledTicket")
    assert ticket is not None
    assert set(ticket.fields) == {"label", "counter", "calledAt"}  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "document",
    [
        "{ partners { code } }",
        f'{{ queue(houseId: "{HAIDRA}") {{ day }} }}',
        (
            'mutation { registerPartner(input: {commandId: "x", code: "ANON", nameAr: "ش", '
            'nameFr: "Anon"}) { position } }'
        ),
        "subscription { partnersChanged { position } }",
    ],
)
def test_an_anonymous_socket_runs_nothing_but_the_public_operations(
    haidra: tuple[TestClient, Settings], document: str
) -> None:
    client, _ = haidra
    with client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws:
        anonymous(ws)
        ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": document}})
        answer = received(ws, "1")
    assert codes(answer) == ["UNAUTHENTICATED"]


def test_the_ninth_screen_of_a_house_is_refused_and_another_house_still_accepts(
    haidra: tuple[TestClient, Settings],
) -> None:
    client, settings = haidra
    limit = settings.display_subscribers_per_house
    with client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws:
        anonymous(ws)
        for n in range(1, limit + 1):
            subscribe(ws, str(n), HAIDRA)
            assert received(ws, str(n))["type"] == "next"
        subscribe(ws, "over", HAIDRA)
        refused = received(ws, "over")
        subscribe(ws, "thala", str(house_id("thala")))
        elsewhere = received(ws, "thala")
        ws.send_json({"id": "1", "type": "complete"})  # one screen leaves: its place is free
        subscribe(ws, "again", HAIDRA)
        again = received(ws, "again")
    assert codes(refused) == ["TOO_MANY_SUBSCRIBERS"]
    assert elsewhere["payload"]["data"]["calledTickets"]["tickets"] == []
    assert again["payload"]["data"]["calledTickets"]["houseId"] == HAIDRA


def test_a_screen_of_a_house_that_does_not_exist_is_told_so(
    haidra: tuple[TestClient, Settings],
) -> None:
    client, _ = haidra
    with client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws:
        anonymous(ws)
        subscribe(ws, "1", str(house_id("nowhere")))
        assert codes(received(ws, "1")) == ["NOT_FOUND"]


def test_an_init_whose_token_does_not_verify_is_still_refused(
    haidra: tuple[TestClient, Settings],
) -> None:
    client, _ = haidra
    with client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"authorization": "Bearer nope"}})
        message = ws.receive()
    assert message["type"] == "websocket.close"
    assert message["code"] == 4403
