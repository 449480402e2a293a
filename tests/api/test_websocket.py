"""WebSocket: authentication in connection_init, rechecked on every operation; one protocol."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from api.auth import Role, TokenService
from infrastructure.settings import Settings

PROTOCOL = "graphql-transport-ws"
MUTATION = (
    'mutation { registerPartner(input: {commandId: "ws-1", code: "STEG", '
    'nameAr: "الستاغ", nameFr: "STEG"}) { position } }'
)


def test_an_expired_token_cannot_act_on_a_socket_opened_before(
    client: TestClient, api_settings: Settings
) -> None:
    token = TokenService(api_settings).mint("short", Role.ADMIN, ttl=timedelta(seconds=2))
    with client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
        assert ws.receive_json()["type"] == "connection_ack"
        time.sleep(2.2)
        ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": MUTATION}})
        answer = ws.receive_json()
    codes = (
        [e["extensions"]["code"] for e in answer["payload"]["errors"]]
        if answer["type"] == "next"
        else [e["extensions"]["code"] for e in answer["payload"]]
    )
    assert codes == ["UNAUTHENTICATED"]
    assert client.get("/readyz").json()["position"] == 0


def test_a_valid_token_can_act_over_the_socket(client: TestClient, api_settings: Settings) -> None:
    token = TokenService(api_settings).mint("admin", Role.ADMIN)
    with client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
        assert ws.receive_json()["type"] == "connection_ack"
        ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": MUTATION}})
        answer = ws.receive_json()
    assert answer["type"] == "next"
    assert answer["payload"]["data"]["registerPartner"]["position"] == 1


def test_an_init_without_payload_is_refused(client: TestClient) -> None:
    with client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws:
        ws.send_json({"type": "connection_init"})
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == 4403


def test_the_legacy_protocol_is_not_offered(client: TestClient) -> None:
    def legacy_session() -> None:
        with client.websocket_connect("/graphql", subprotocols=["graphql-ws"]) as ws:
            ws.send_json({"type": "connection_init", "payload": {}})
            ws.receive_json()

    with pytest.raises(WebSocketDisconnect):
        legacy_session()
