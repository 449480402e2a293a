"""Issue 15's counter dashboard through HTTP and the WebSocket alone, on both stores.

Agents at Haidra issue, call and end tickets and take a cash payment; the supervisor's
`counterDashboard` shows the figures at the mutations' position; an agent sees only its own row;
an agent of Thala finds no such house; a subscriber receives the new dashboard after a mutation.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from websockets.sync.client import ClientConnection, connect
from websockets.typing import Subprotocol

from api.auth import Role, TokenService
from infrastructure.settings import Settings
from tests.support import e2e
from tests.support.api import error_codes, graphql, serve, token_for
from tests.support.e2e import Client, Grant

PROTOCOL = Subprotocol("graphql-transport-ws")
BOARD = """
  houseId businessDate asOf position
  lines { prefix name waiting longestWaitSeconds openCounters averageHandlingSeconds
          estimatedWaitSeconds }
  counters { number agentId agentName currentTicket calledAt }
  today { visits contacts requestsOnTheSpot requestsForwarded requestsRefused noShows }
  collected { partnerCode method amount payments }
  refundsAwaitingApproval { paymentId }
  overdueAtPartners { requestId }
  expiring { kind partnerCode validUntil daysLeft }
  agents { agentId agentName visitsServed averageHandlingSeconds contacts requests }
"""
QUERY = f"query($h: ID!, $p: Position) {{ counterDashboard(houseId: $h, atLeastPosition: $p) {{ {BOARD} }} }}"
SUBSCRIBE = f"subscription($h: ID!) {{ counterDashboard(houseId: $h) {{ {BOARD} }} }}"


def setup(c: Client, admin: str) -> str:
    """Haidra: a bills line, agents A17 and A18, supervisor S01; Thala with its agent T01."""
    house = e2e.setup_haidra(
        c,
        admin,
        lines={"A": ("Factures", ["STEG/BILL_PAYMENT"])},
        staff={"A17": ["STEG"], "A18": ["STEG"], "S01": []},
        grants={"STEG": Grant(["BILL_PAYMENT"], 500_000)},
    )
    thala = c.mutate(
        admin,
        "registerHouse",
        "RegisterHouseInput",
        "id",
        commandId="thala",
        code="thala",
        nameAr="دار الخدمات بتالة",
        nameFr="Maison de services de Thala",
        municipality="Thala",
        governorate="Kasserine",
    )["id"]
    c.mutate(
        admin,
        "enrollAgent",
        "EnrollAgentInput",
        "id",
        commandId="enrol-T01",
        houseId=thala,
        employeeNumber="T01",
        displayName="Agent T01",
    )
    return house


def test_the_counter_dashboard_through_graphql(  # noqa: PLR0915 - the whole morning, in order
    store_settings: Settings, tmp_path: Path
) -> None:
    admin = token_for(store_settings, Role.ADMIN)
    tokens = TokenService(store_settings)
    a17 = tokens.mint("A17", Role.AGENT, house="haidra")
    a18 = tokens.mint("A18", Role.AGENT, house="haidra")
    s01 = tokens.mint("S01", Role.SUPERVISOR, house="haidra")
    t01 = tokens.mint("T01", Role.AGENT, house="thala")
    with serve(store_settings, tmp_path) as server, server.client() as http:
        c = Client(http)
        house = setup(c, admin)
        for token, n in ((a17, 1), (a18, 2)):
            c.mutate(token, "openCounter", "OpenCounterInput", "id", commandId=f"open-{n}",
                     houseId=house, number=n)  # fmt: skip
        c.mutate(a17, "openTill", "OpenTillInput", "id", commandId="till", float="20.000")
        citizen = c.mutate(a17, "registerCitizen", "RegisterCitizenInput", "id",
                           commandId="citizen", houseId=house, name="Hedia Gharbi",
                           documentKind="CIN", documentNumber="04417263")["id"]  # fmt: skip
        for n in range(3):
            c.mutate(a17, "issueTicket", "IssueTicketInput", "ticket position",
                     commandId=f"issue-{n}", houseId=house, line="A")  # fmt: skip

        def call_next(token: str, counter: int) -> str:
            ticket: str = c.mutate(token, "callNextTicket", "CallNextTicketInput",
                                   "ticket position", commandId=f"call-{counter}",
                                   houseId=house, counter=counter)["ticket"]  # fmt: skip
            return ticket

        first = call_next(a17, 1)
        bill = c.call(
            a17,
            'query { billInquiry(partnerCode: "STEG", reference: "20261101") { amount } }',
        )["billInquiry"]
        request = c.mutate(a17, "lodgeRequest", "LodgeRequestInput", "id position",
                           commandId="lodge", houseId=house, ticket=first, citizenId=citizen,
                           partnerCode="STEG", serviceCode="BILL_PAYMENT",
                           documents=[])["id"]  # fmt: skip
        c.mutate(a17, "recordCashPayment", "RecordCashPaymentInput", "id position",
                 commandId="cash", requestId=request, billReference="20261101")  # fmt: skip
        c.mutate(a17, "endVisit", "EndVisitInput", "ticket position", commandId="end-1",
                 houseId=house, ticket=first)  # fmt: skip
        second = call_next(a18, 2)
        asked = c.last
        board = c.call(s01, QUERY, h=house, p=asked)["counterDashboard"]
        own = c.call(a17, QUERY, h=house, p=c.last)["counterDashboard"]["agents"]
        stranger = graphql(http, QUERY, {"h": house, "p": None}, t01)

        with connect(
            server.url.replace("http://", "ws://") + "/graphql",
            subprotocols=[PROTOCOL],
            open_timeout=10,
        ) as ws:
            init = {"type": "connection_init", "payload": {"authorization": f"Bearer {s01}"}}
            ws.send(json.dumps(init))
            assert json.loads(ws.recv(timeout=10))["type"] == "connection_ack"
            payload = {"query": SUBSCRIBE, "variables": {"h": house}}
            ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
            at_once = _next(ws)
            issued = c.mutate(a17, "issueTicket", "IssueTicketInput", "ticket position",
                              commandId="issue-late", houseId=house, line="A")  # fmt: skip
            pushed = _until(ws, int(issued["position"]))

    assert (first, second) == ("A001", "A002")
    assert board["position"] >= asked
    [line] = board["lines"]
    assert (line["prefix"], line["waiting"], line["openCounters"]) == ("A", 1, 2)
    assert line["averageHandlingSeconds"] is not None
    assert line["longestWaitSeconds"] >= 0
    assert [(k["number"], k["agentName"], k["currentTicket"]) for k in board["counters"]] == [
        (1, "Agent A17", None),
        (2, "Agent A18", "A002"),
    ]
    assert board["today"]["visits"] == 3
    [collected] = board["collected"]
    assert (collected["partnerCode"], collected["method"], collected["payments"]) == (
        "STEG",
        "CASH",
        1,
    )
    assert collected["amount"] == bill["amount"]
    agents = {a["agentName"]: a for a in board["agents"]}
    assert set(agents) == {"Agent A17", "Agent A18", "Agent S01"}
    assert (agents["Agent A17"]["visitsServed"], agents["Agent A17"]["requests"]) == (1, 1)
    assert agents["Agent A18"]["visitsServed"] == 0
    assert [a["agentName"] for a in own] == ["Agent A17"]
    assert error_codes(stranger) == ["NOT_FOUND"]
    assert at_once["lines"][0]["waiting"] == 1
    assert pushed["lines"][0]["waiting"] == 2
    assert pushed["today"]["visits"] == 4


def _next(ws: ClientConnection) -> dict[str, Any]:
    message = json.loads(ws.recv(timeout=15))
    assert message["type"] == "next", message
    board: dict[str, Any] = message["payload"]["data"]["counterDashboard"]
    return board


def _until(ws: ClientConnection, position: int) -> dict[str, Any]:
    """The first dashboard pushed at or after the position (earlier ones may come first)."""
    for _ in range(20):
        board = _next(ws)
        if int(board["position"]) >= position:
            return board
    raise AssertionError("the subscription never reached the mutation's position")
