"""Pushes across processes on PostgreSQL: a worker projects, one API process is told by another's.

Two API processes (`dar run`, without embedded projections) and a projection worker (`dar project`)
on one database: a screen subscribed on process A sees the ticket that an agent calls through
process B, and a supervisor subscribed to the counter dashboard on A sees the ticket an agent
issues through B, which only the worker projects (its NOTIFY reaching A's one listener). A's slow
poll is set to an hour, so only the push can bring either.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import httpx
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Subprotocol

from api.auth import Role, TokenService
from infrastructure.settings import Settings
from tests.support import e2e
from tests.support.api import Server, environment, running, serve, token_for
from tests.support.e2e import Client

PROTOCOL = Subprotocol("graphql-transport-ws")
CALLED = """subscription($h: ID!) {
  calledTickets(houseId: $h) { position tickets { label counter calledAt } } }"""
TICKET = "ticket position"
CAUGHT_UP = "query($h: ID!, $p: Position) { queue(houseId: $h, atLeastPosition: $p) { day } }"
DASHBOARD = """subscription($h: ID!) {
  counterDashboard(houseId: $h) { position lines { prefix waiting } today { visits } } }"""
BOARD_CAUGHT_UP = """query($h: ID!, $p: Position) {
  counterDashboard(houseId: $h, atLeastPosition: $p) { position } }"""


@contextmanager
def _subscribed(
    url: str, document: str, house: str, token: str | None = None
) -> Iterator[ClientConnection]:
    """A socket subscribed to `document` for the house (anonymous without a token)."""
    init = {"authorization": f"Bearer {token}"} if token else {}
    with connect(url.replace("http://", "ws://") + "/graphql", subprotocols=[PROTOCOL]) as ws:
        ws.send(json.dumps({"type": "connection_init", "payload": init}))
        assert json.loads(ws.recv(timeout=10))["type"] == "connection_ack"
        payload = {"query": document, "variables": {"h": house}}
        ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        yield ws


def _screen(url: str, house: str) -> AbstractContextManager[ClientConnection]:
    """An anonymous waiting-room screen subscribed to the house's called tickets."""
    return _subscribed(url, CALLED, house)


@contextmanager
def _two_api_processes(settings: Settings, tmp_path: Path) -> Iterator[tuple[Server, httpx.Client]]:
    """A projection worker and two API processes on one database: A, and B's HTTP client.

    A's slow poll waits an hour, so only a push reaches its subscribers.
    """
    worker = [str(Path(sys.executable).with_name("dar")), "project"]
    apart = {"DAR_EMBEDDED_PROJECTIONS": "false"}
    with (
        running(worker, environment(settings), tmp_path),
        serve(settings, tmp_path, DAR_SUBSCRIPTION_POLL_SECONDS="3600", **apart) as a,
        serve(settings, tmp_path, **apart) as b,
        b.client() as http,
    ):
        yield a, http


def _pushed(ws: ClientConnection, field: str) -> dict[str, Any]:
    message = json.loads(ws.recv(timeout=30))  # generous: a wait, not a measure
    assert message["type"] == "next", message
    assert message["payload"].get("data"), message
    pushed: dict[str, Any] = message["payload"]["data"][field]
    return pushed


def _called(ws: ClientConnection) -> dict[str, Any]:
    return _pushed(ws, "calledTickets")


def test_a_screen_on_one_api_process_sees_a_call_made_through_another(
    pg_settings: Settings, tmp_path: Path
) -> None:
    settings = pg_settings.model_copy(update={"freshness_wait_seconds": 30.0})
    admin = token_for(settings, Role.ADMIN)
    a17 = TokenService(settings).mint("A17", Role.AGENT, house="haidra")
    with _two_api_processes(settings, tmp_path) as (a, http):
        c = Client(http)
        house = e2e.setup_haidra(
            c,
            admin,
            lines={"A": ("STEG", ["STEG/BILL_DUPLICATE"])},
            staff={"A17": ["STEG"]},
            grants={},
        )
        c.mutate(
            a17, "openCounter", "OpenCounterInput", "id", commandId="o", houseId=house, number=1
        )
        c.mutate(
            a17, "issueTicket", "IssueTicketInput", TICKET, commandId="i", houseId=house, line="A"
        )
        c.call(a17, CAUGHT_UP, h=house, p=c.last)  # the worker has built the queue read model
        with _screen(a.url, house) as screen:
            before = _called(screen)
            call = {"commandId": "call", "houseId": house, "counter": 1}
            done = c.mutate(a17, "callNextTicket", "CallNextTicketInput", TICKET, **call)
            after = _called(screen)
    assert before["tickets"] == []
    assert [(t["label"], t["counter"]) for t in after["tickets"]] == [(done["ticket"], 1)]
    assert int(after["position"]) >= int(done["position"])


def test_a_subscriber_receives_the_new_dashboard_after_a_mutation_made_through_another_process(
    pg_settings: Settings, tmp_path: Path
) -> None:
    settings = pg_settings.model_copy(update={"freshness_wait_seconds": 30.0})
    admin = token_for(settings, Role.ADMIN)
    tokens = TokenService(settings)
    a17 = tokens.mint("A17", Role.AGENT, house="haidra")
    s01 = tokens.mint("S01", Role.SUPERVISOR, house="haidra")
    with _two_api_processes(settings, tmp_path) as (a, http):
        c = Client(http)
        house = e2e.setup_haidra(
            c,
            admin,
            lines={"A": ("STEG", ["STEG/BILL_DUPLICATE"])},
            staff={"A17": ["STEG"], "S01": []},
            grants={},
        )
        opened = {"commandId": "o", "houseId": house, "number": 1}
        c.mutate(a17, "openCounter", "OpenCounterInput", "id position", **opened)
        c.call(s01, BOARD_CAUGHT_UP, h=house, p=c.last)  # the worker has built the dashboard
        with _subscribed(a.url, DASHBOARD, house, s01) as supervisor:
            before = _pushed(supervisor, "counterDashboard")
            issue = {"commandId": "i", "houseId": house, "line": "A"}
            done = c.mutate(a17, "issueTicket", "IssueTicketInput", TICKET, **issue)
            after = _pushed(supervisor, "counterDashboard")
            while int(after["position"]) < int(done["position"]):  # an earlier change's push
                after = _pushed(supervisor, "counterDashboard")
    assert (before["today"]["visits"], before["lines"]) == (0, [{"prefix": "A", "waiting": 0}])
    assert (after["today"]["visits"], after["lines"]) == (1, [{"prefix": "A", "waiting": 1}])
    assert int(after["position"]) >= int(done["position"])
