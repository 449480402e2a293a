"""The API platform end to end: real processes, real HTTP and WebSocket, on both stores."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Subprotocol

from infrastructure.settings import Settings
from tests.support.api import environment, error_codes, graphql, running, serve

PARTNERS = "query($p: Position) { partners(atLeastPosition: $p) { code nameFr nameAr } }"
REGISTER = """
mutation($input: RegisterPartnerInput!) { registerPartner(input: $input) { position replayed } }"""
SUBSCRIBE = """
subscription($p: Position) { partnersChanged(afterPosition: $p) { position partners { code } } }"""
PROTOCOL = Subprotocol("graphql-transport-ws")
NEW_PARTNER = {
    "input": {"commandId": "e2e-1", "code": "ONTT", "nameAr": "الديوان الوطني", "nameFr": "ONTT"}
}


def ws_url(http_url: str) -> str:
    """The GraphQL WebSocket address of a server."""
    return http_url.replace("http://", "ws://") + "/graphql"


def dar_token(settings: Settings, role: str) -> str:
    """A token from the command line, as an operator would mint it."""
    dar = str(Path(sys.executable).with_name("dar"))
    done = subprocess.run(  # noqa: S603 - our own entry point
        [dar, "token", "--role", role, "--subject", "e2e"],
        env=environment(settings),
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


def test_the_run_command_serves_the_nine_partners(store_settings: Settings, tmp_path: Path) -> None:
    with serve(store_settings, tmp_path) as server, server.client() as client:
        body = graphql(client, PARTNERS, {"p": 9}, dar_token(store_settings, "admin"))
    partners = body["data"]["partners"]
    assert len(partners) == 9
    assert {p["code"] for p in partners} >= {"STEG", "SONEDE", "CNAM", "CNSS", "ANETI"}
    assert all(p["nameAr"] and p["nameFr"] for p in partners)


def test_a_mutation_is_read_back_at_its_position(store_settings: Settings, tmp_path: Path) -> None:
    admin = dar_token(store_settings, "admin")
    with serve(store_settings, tmp_path) as server, server.client() as client:
        done = graphql(client, REGISTER, NEW_PARTNER, admin)["data"]["registerPartner"]
        body = graphql(client, PARTNERS, {"p": done["position"]}, admin)
    assert "ONTT" in {p["code"] for p in body["data"]["partners"]}


def test_with_no_projection_running_a_fresh_read_ends_in_stale(
    store_settings: Settings, tmp_path: Path
) -> None:
    settings = store_settings.model_copy(update={"freshness_wait_seconds": 0.5})
    admin = dar_token(settings, "admin")
    with (
        serve(settings, tmp_path, DAR_EMBEDDED_PROJECTIONS="false") as server,
        server.client() as client,
    ):
        done = graphql(client, REGISTER, NEW_PARTNER, admin)["data"]["registerPartner"]
        body = graphql(client, PARTNERS, {"p": done["position"]}, admin)
    assert error_codes(body) == ["STALE"]


def test_a_subscriber_sees_a_registration_projected_by_a_separate_worker(
    store_settings: Settings, tmp_path: Path
) -> None:
    admin = dar_token(store_settings, "admin")
    worker = [str(Path(sys.executable).with_name("dar")), "project"]
    with (
        serve(store_settings, tmp_path, DAR_EMBEDDED_PROJECTIONS="false") as server,
        running(worker, environment(store_settings), tmp_path),
        server.client() as client,
    ):
        start = graphql(client, "{ position }", token=admin)["data"]["position"]
        with connect(ws_url(server.url), subprotocols=[PROTOCOL], open_timeout=10) as ws:
            init = {"type": "connection_init", "payload": {"authorization": f"Bearer {admin}"}}
            ws.send(json.dumps(init))
            assert json.loads(ws.recv(timeout=10))["type"] == "connection_ack"
            payload = {"query": SUBSCRIBE, "variables": {"p": start}}
            ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
            done = graphql(client, REGISTER, NEW_PARTNER, admin)["data"]["registerPartner"]
            change = _next_change(ws, done["position"])
    partners = change["partners"]
    assert isinstance(partners, list)
    assert "ONTT" in {p["code"] for p in partners}


def test_a_subscription_without_a_valid_token_is_refused(
    store_settings: Settings, tmp_path: Path
) -> None:
    with (
        serve(store_settings, tmp_path) as server,
        connect(ws_url(server.url), subprotocols=[PROTOCOL], open_timeout=10) as ws,
    ):
        ws.send(json.dumps({"type": "connection_init", "payload": {"authorization": "Bearer x"}}))
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4403


def _next_change(ws: ClientConnection, at_least: int) -> dict[str, object]:
    for _ in range(20):
        message = json.loads(ws.recv(timeout=15))
        assert message["type"] == "next", message
        change: dict[str, object] = message["payload"]["data"]["partnersChanged"]
        if int(str(change["position"])) >= at_least:
            return change
    raise AssertionError("the subscription never reached the mutation's position")
