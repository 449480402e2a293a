"""A staff token is checked against the event store; a locked log there is STORE_BUSY, not a 500.

PostgreSQL, with another session holding the events table in ACCESS EXCLUSIVE mode (as a migration
would): the agent's token cannot be checked in time, so GraphQL answers 503 with `STORE_BUSY`,
`retryable: true` and `Retry-After`, so does a receipt, and a WebSocket's `connection_init` is
closed with 4503 `STORE_BUSY`. Once the lock is released, the same requests succeed.
"""

from __future__ import annotations

from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from api.auth import Role
from api.bootstrap import Dar
from api.http import create_app
from infrastructure.settings import Settings
from tests.infrastructure.test_bounded_waits import (  # the bounded settings and the lock
    bounded,  # noqa: F401 - a fixture
    dar,  # noqa: F401 - a fixture
    locked_log,
)
from tests.support.staff import staff_token

TYPENAME = {"query": "{ __typename }"}


def connection_init(client: TestClient, token: str) -> tuple[int, str]:
    """Open a WebSocket and authenticate it: the close code and reason, or (0, "ack")."""
    with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
        try:
            answer = ws.receive_json()
        except WebSocketDisconnect as closed:
            return closed.code, closed.reason
    return 0, answer["type"]


def test_a_staff_token_checked_against_a_locked_log_is_store_busy_on_every_entrance(
    bounded: Settings,  # noqa: F811 - the imported fixture
    dar: Dar,  # noqa: F811 - the imported fixture
) -> None:
    token = staff_token(dar, bounded, Role.AGENT)
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(bounded, dar)) as client:
        with locked_log(bounded):
            answer = client.post("/graphql", json=TYPENAME, headers=headers)
            receipt = client.get("/receipts/X-1", headers=headers)
            closed = connection_init(client, token)
        assert answer.status_code == 503, answer.text
        assert answer.headers["retry-after"] == "1"
        [error] = answer.json()["errors"]
        assert error["extensions"] == {"code": "STORE_BUSY", "retryable": True}
        assert (receipt.status_code, receipt.headers["retry-after"]) == (503, "1")
        assert (receipt.json()["code"], receipt.json()["retryable"]) == ("STORE_BUSY", True)
        assert closed == (4503, "STORE_BUSY")

        after = client.post("/graphql", json=TYPENAME, headers=headers)
        assert (after.status_code, after.json()) == (200, {"data": {"__typename": "Query"}})
        assert client.get("/receipts/X-1", headers=headers).status_code == 404
        assert connection_init(client, token) == (0, "connection_ack")
