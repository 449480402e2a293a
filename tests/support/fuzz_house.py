"""The house the GraphQL fuzzer works on: the demo's Haidra with citizens, requests and payments.

Built once per store through the real HTTP app, so that generated mutations reach the domain rules
(a counter taken, a citizen served, a payment captured and one pending, a refund waiting for its
approval) rather than stopping at "not found".
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi.testclient import TestClient

from api.auth import Role, TokenService
from api.cli import prepare
from api.http import create_app
from infrastructure.settings import Settings
from tests.support.e2e import Client
from tests.support.fuzz import Call, Seed

TICKET = "ticket visitId position"
REQUEST = "id receipt position"


@dataclass
class FuzzHouse:
    """The app, a token per role (None: anonymous), and what the house holds."""

    http: TestClient
    tokens: dict[str, str | None]
    seed: Seed

    def send(self, call: Call) -> httpx.Response:
        """POST the call's body as its role."""
        token = self.tokens[call.role]
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        response: httpx.Response = self.http.post("/graphql", content=call.body, headers=headers)
        return response


def contract_broken(response: httpx.Response) -> str | None:
    """What is wrong with the answer: a 5xx, a body that is not JSON, or an INTERNAL error."""
    if response.status_code >= 500:
        return f"HTTP {response.status_code}"
    try:
        body = json.loads(response.content)
    except ValueError:
        return "the answer is not JSON"
    errors = body.get("errors") or [] if isinstance(body, dict) else []
    codes = [(e.get("extensions") or {}).get("code") for e in errors]
    if "INTERNAL" in codes:
        return "an INTERNAL error"
    if None in codes:
        return "an error without a code"
    return None


def tokens_for(settings: Settings) -> dict[str, str | None]:
    """Tokens of the demo's agent A17 and supervisor S01, an admin and CNAM; anonymous."""
    mint = TokenService(settings).mint
    return {
        "agent": mint("A17", Role.AGENT, house="haidra"),
        "supervisor": mint("S01", Role.SUPERVISOR, house="haidra"),
        "admin": mint("fuzz-admin", Role.ADMIN),
        "partner": mint("cnam-fuzz", Role.PARTNER, partner="CNAM"),
        "anonymous": None,
    }


@contextmanager
def fuzz_house(settings: Settings) -> Iterator[FuzzHouse]:
    """The demo house, seeded further, served in-process until the block ends."""
    prepare(settings, demo=True)
    tokens = tokens_for(settings)
    with TestClient(create_app(settings), raise_server_exceptions=False) as http:
        house = str(http.app.state.dar.houses.house("haidra").id)  # type: ignore[attr-defined]
        yield FuzzHouse(http, tokens, seed_house(Client(http), tokens, house))


def seed_house(c: Client, tokens: dict[str, str | None], house: str) -> Seed:
    """Counter 1 taken by A17, two citizens, requests, payments, a refund to approve, a queue."""
    admin, a17 = str(tokens["admin"]), str(tokens["agent"])
    seed = Seed(ids={"house": [house]}, texts={"ticket": [], "receipt": [], "refund": []})
    seed.ids["spare_agent"] = [
        c.mutate(
            admin,
            "enrollAgent",
            "EnrollAgentInput",
            "id position",
            commandId="fuzz-spare",
            houseId=house,
            employeeNumber="F01",
            displayName="Spare agent",
        )["id"]
    ]
    c.mutate(
        a17, "openCounter", "OpenCounterInput", "id", commandId="fuzz-open", houseId=house, number=1
    )
    till = c.mutate(a17, "openTill", "OpenTillInput", "id", commandId="fuzz-till", float="20.000")
    seed.ids["till"] = [till["id"]]
    seed.ids["citizen"] = [
        c.mutate(
            a17,
            "registerCitizen",
            "RegisterCitizenInput",
            "id position",
            commandId=f"fuzz-citizen-{cin}",
            houseId=house,
            name=name,
            documentKind="CIN",
            documentNumber=cin,
        )["id"]
        for name, cin in (("Hedia Gharbi", "04417263"), ("Mongi Ayari", "09185530"))
    ]
    _serve_first_citizen(c, a17, house, seed)
    for n, line in enumerate(("A", "B", "A")):  # left waiting
        issued = c.mutate(
            a17,
            "issueTicket",
            "IssueTicketInput",
            TICKET,
            commandId=f"fuzz-wait-{n}",
            houseId=house,
            line=line,
        )
        seed.texts["ticket"].append(issued["ticket"])
    _read_back(c, a17, house, seed)
    seed.head = c.last
    return seed


def _serve_first_citizen(c: Client, a17: str, house: str, seed: Seed) -> None:
    """The first citizen at counter 1: four requests (one forwarded to CNAM), paid cash and by card.

    A refund of the cash payment waits for its approval.
    """
    issued = c.mutate(
        a17, "issueTicket", "IssueTicketInput", TICKET, commandId="fuzz-t1", houseId=house, line="A"
    )
    c.mutate(
        a17,
        "callNextTicket",
        "CallNextTicketInput",
        TICKET,
        commandId="fuzz-call",
        houseId=house,
        counter=1,
    )
    seed.texts["ticket"].append(issued["ticket"])
    requests: list[dict[str, Any]] = [
        c.mutate(
            a17,
            "lodgeRequest",
            "LodgeRequestInput",
            REQUEST,
            commandId=f"fuzz-lodge-{n}",
            houseId=house,
            ticket=issued["ticket"],
            citizenId=seed.ids["citizen"][0],
            partnerCode=partner,
            serviceCode=service,
            documents=documents,
        )
        for n, (partner, service, documents) in enumerate(
            (
                ("STEG", "BILL_PAYMENT", []),
                ("SONEDE", "BILL_PAYMENT", []),
                ("STEG", "BILL_DUPLICATE", []),
                ("CNAM", "REIMBURSEMENT_FILE", ["Bulletin de soins", "Ordonnance", "Factures"]),
            )
        )
    ]
    c.mutate(
        a17,
        "forwardRequest",
        "ForwardRequestInput",
        REQUEST,
        commandId="fuzz-forward",
        requestId=requests[3]["id"],
    )
    seed.ids["request"] = [r["id"] for r in requests]
    seed.texts["receipt"] = [r["receipt"] for r in requests]
    cash = c.mutate(
        a17,
        "recordCashPayment",
        "RecordCashPaymentInput",
        "id position",
        commandId="fuzz-cash",
        requestId=requests[0]["id"],
        billReference="20261101",
    )
    card = c.mutate(
        a17,
        "initiatePayment",
        "InitiatePaymentInput",
        "id position",
        commandId="fuzz-card",
        requestId=requests[1]["id"],
        method="CARD",
        billReference="30261101",
    )
    seed.ids["payment"] = [cash["id"], card["id"]]
    refund = c.mutate(
        a17,
        "requestRefund",
        "RequestRefundInput",
        "refundId position",
        commandId="fuzz-refund",
        paymentId=cash["id"],
        amount="1.000",
        reason="frais facturés deux fois",
    )
    seed.texts["refund"] = [refund["refundId"]]


def _read_back(c: Client, a17: str, house: str, seed: Seed) -> None:
    """Agents, grants and a page cursor, as the read models give them."""
    query = (
        "query($h: ID!, $p: Position!) { agents(houseId: $h, atLeastPosition: $p) { id }"
        " delegations(houseId: $h) { id } requests(houseId: $h, first: 1) { endCursor } }"
    )
    data = c.call(a17, query, h=house, p=c.last)
    seed.ids["agent"] = [a["id"] for a in data["agents"]]
    seed.ids["grant"] = [g["id"] for g in data["delegations"]]
    seed.texts["cursor"] = [data["requests"]["endCursor"]]
