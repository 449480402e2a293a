"""Requests that anyone can send, built to break a parser, are refused with a code, never a 500.

Integer literals past Python's digit limit in the query text, an `operationName` that is not a
GraphQL name (a lone surrogate could not even be written back in a plain-text answer), `variables`
and `extensions` of the wrong type, and WebSocket frames sent before any credential that are too
deep or too large to read.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from api.auth import Role
from infrastructure.settings import Settings
from tests.support.api import error_codes, token_for

NINES = "9" * 5_000  # past the 4,300 digits Python converts from text
NUMBER_LITERALS = [NINES, "-" + NINES, "1" + "0" * 4_400, "1.5", "1e400", "1e5", "-0.0", "1E-400"]


@pytest.mark.parametrize("number", NUMBER_LITERALS, ids=lambda n: n[:8])
@pytest.mark.parametrize("who", ["anonymous", "admin"])
def test_an_unreadable_number_literal_in_the_query_is_a_bad_query(
    client: TestClient, api_settings: Settings, number: str, who: str
) -> None:
    token = token_for(api_settings, Role.ADMIN) if who == "admin" else None
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    for query in (
        f"{{ partners(first: {number}) {{ code }} }}",
        f'{{ requests(houseId: "h", atLeastPosition: {number}) {{ __typename }} }}',
    ):
        response = client.post("/graphql", json={"query": query}, headers=headers)
        assert response.status_code == 200, response.text
        codes = error_codes(response.json())  # the Position scalar refuses with VALIDATION
        assert codes in (["BAD_QUERY"], ["VALIDATION"]), response.text


BAD_OPERATIONS = {
    "surrogate operationName": b'{"query":"query A {__typename}","operationName":"\\ud800"}',
    "number operationName": b'{"query":"query A {__typename}","operationName":5}',
    "list operationName": b'{"query":"query A {__typename}","operationName":["A"]}',
    "spaced operationName": b'{"query":"query A {__typename}","operationName":"A B"}',
    "accented operationName": b'{"query":"query A {__typename}","operationName":"\\u00c9"}',
    "list variables": b'{"query":"{__typename}","variables":[1]}',
    "text variables": b'{"query":"{__typename}","variables":"\\ud800"}',
    "text extensions": b'{"query":"{__typename}","extensions":"x"}',
    "list extensions": b'{"query":"{__typename}","extensions":[]}',
    "in a batch": b'[{"query":"{__typename}"},{"query":"{__typename}","operationName":"\\udfff"}]',
}


@pytest.mark.parametrize("body", BAD_OPERATIONS.values(), ids=BAD_OPERATIONS.keys())
def test_an_operation_name_variables_or_extensions_of_the_wrong_shape_is_a_400(
    client: TestClient, body: bytes
) -> None:
    response = client.post("/graphql", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert error_codes(response.json()) == ["BAD_REQUEST"]


def test_a_named_operation_and_null_fields_still_answer(client: TestClient) -> None:
    body = (
        b'{"query":"query A_1 {__typename} query B {__typename}","operationName":"A_1",'
        b'"variables":null,"extensions":null}'
    )
    response = client.post("/graphql", content=body, headers={"Content-Type": "application/json"})
    assert (response.status_code, response.json()) == (200, {"data": {"__typename": "Query"}})


INIT = '{"type":"connection_init","payload":{"authorization":'
UNREADABLE_FRAMES = {
    "100,000 brackets": INIT + "[" * 100_000 + "}}",
    "a 5,000-digit integer": INIT + NINES + "}}",
    "nested 40 deep": INIT + "[" * 40 + "]" * 40 + "}}",
    "over the size limit": INIT + '"' + "x" * 70_000 + '"}}',
}


@pytest.mark.parametrize("frame", UNREADABLE_FRAMES.values(), ids=UNREADABLE_FRAMES.keys())
def test_an_unreadable_websocket_frame_before_any_credential_closes_with_4400(
    client: TestClient, frame: str
) -> None:
    with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_text(frame)
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == 4400
