"""What anyone can send without a valid credential is refused with a 4xx and a code, never a 500.

Covers every public endpoint: `/receipts`, the gateway callback, `/graphql` and WebSocket init;
malformed `Authorization` headers, tokens that do not verify, and hostile callback bodies.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import jwt
import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

import api.gateway
from api.auth import Role, TokenService
from api.bootstrap import Dar, bootstrap
from api.throttle import OVERALL_BURST, CallbackRefusals, RefusalBudget
from domain.payments.payment import PaymentStatus
from infrastructure.payments.signing import signed_headers
from infrastructure.payments.simulated_gateway import SimulatedGateway
from infrastructure.settings import Settings
from tests.support.api import error_codes
from tests.support.citizens import register
from tests.support.clock import TestClock
from tests.support.counter import served
from tests.support.payments import PAYMENTS_READY, bill_request, pay_by_card, payment_of
from tests.support.spec import Scenario

CALLBACK = "/payments/gateway/callback"
MALFORMED = [
    "Basic x",
    "Bearer",
    "Bearer ",
    "Token abc",
    "garbage",
    "Bearer a.b.c",
    "Bearer two words",
    "Bearer \u00e9\u00e9",
    "Bearer " + "A" * 4000,
]
INVALID_TOKEN = 'Bearer realm="dar", error="invalid_token"'  # noqa: S105 - a challenge
NESTED = b"[" * 20_000  # 20 kB of nesting: a recursive parser's RecursionError


def invalid_tokens(settings: Settings) -> dict[str, str]:
    """Tokens that do not verify, one per way of being wrong."""
    tokens = TokenService(settings)
    claims = jwt.decode(tokens.mint("x", Role.ADMIN), options={"verify_signature": False})
    secret = settings.token_secret.get_secret_value()
    return {
        "alg=none": jwt.encode(claims, key="", algorithm="none"),
        "wrong key": jwt.encode(claims, "a-guessed-secret-of-decent-length!", algorithm="HS256"),
        "garbage": "not-a-token",
        "absurd exp": jwt.encode({**claims, "exp": 10**18}, secret, algorithm="HS256"),
        "expired": tokens.mint("x", Role.ADMIN, ttl=timedelta(seconds=-10)),
        # validly signed, but naming what the text policy refuses
        "NUL in sub": tokens.mint("admin\x00root", Role.ADMIN),
        "escape in sub": tokens.mint("admin\x1b[2J", Role.ADMIN),
        "surrogate in sub": jwt.encode({**claims, "sub": "a\ud800"}, secret, algorithm="HS256"),
        "NUL in partner": tokens.mint("p", Role.PARTNER, partner="STEG\x00"),
        "control in house": tokens.mint("x", Role.ADMIN, house="haidra\x85"),
    }


def typename(
    client: TestClient, authorization: str | bytes | None
) -> tuple[int, dict[str, str], dict[str, Any]]:
    """Ask `{ __typename }` with this Authorization header (or none)."""
    headers = {"Authorization": authorization} if authorization is not None else {}
    response = client.post("/graphql", json={"query": "{ __typename }"}, headers=headers)
    body: dict[str, Any] = response.json()
    return response.status_code, dict(response.headers), body


# --- /receipts and /graphql ----------------------------------------------------------------------


@pytest.mark.parametrize("header", MALFORMED)
def test_a_malformed_authorization_on_a_receipt_is_refused_with_401(
    client: TestClient, header: str
) -> None:
    response = client.get("/receipts/X", headers={"Authorization": header.encode("latin-1")})
    assert response.status_code == 401
    assert response.json()["code"] == "UNAUTHENTICATED"
    assert response.headers["www-authenticate"] == INVALID_TOKEN


@pytest.mark.parametrize("header", MALFORMED)
def test_a_malformed_authorization_on_graphql_is_refused_even_for_typename(
    client: TestClient, header: str
) -> None:
    status, headers, body = typename(client, header.encode("latin-1"))
    assert status == 401
    assert error_codes(body) == ["UNAUTHENTICATED"]
    assert headers["www-authenticate"] == INVALID_TOKEN


@pytest.mark.parametrize(
    "kind",
    [
        "alg=none",
        "wrong key",
        "garbage",
        "absurd exp",
        "expired",
        "NUL in sub",
        "escape in sub",
        "surrogate in sub",
        "NUL in partner",
        "control in house",
    ],
)
def test_an_invalid_token_is_refused_whatever_is_asked(
    client: TestClient, api_settings: Settings, kind: str
) -> None:
    bearer = f"Bearer {invalid_tokens(api_settings)[kind]}"
    status, headers, body = typename(client, bearer)
    assert status == 401
    assert error_codes(body) == ["UNAUTHENTICATED"]
    assert headers["www-authenticate"] == INVALID_TOKEN
    receipt = client.get("/receipts/X", headers={"Authorization": bearer})
    assert (receipt.status_code, receipt.json()["code"]) == (401, "UNAUTHENTICATED")


def test_a_token_whose_expiry_no_calendar_holds_is_an_invalid_token(api_settings: Settings) -> None:
    from api.auth import UnauthenticatedError  # noqa: PLC0415

    with pytest.raises(UnauthenticatedError, match="expiry is out of range"):
        TokenService(api_settings).verify(invalid_tokens(api_settings)["absurd exp"])


def test_without_any_credential_public_fields_answer_and_the_rest_is_refused(
    client: TestClient,
) -> None:
    status, _, body = typename(client, None)
    assert (status, body) == (200, {"data": {"__typename": "Query"}})
    status, _, body = typename(client, "")
    assert status == 200
    receipt = client.get("/receipts/X")
    assert (receipt.status_code, receipt.json()["code"]) == (401, "UNAUTHENTICATED")
    assert receipt.headers["www-authenticate"] == 'Bearer realm="dar"'


# --- WebSocket init ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "payload",
    [
        *({"authorization": header} for header in MALFORMED),
        {"authorization": ["Bearer x"]},
        {"authorization": 5},
        {"Authorization": "Bearer not-a-token"},
    ],
)
def test_a_websocket_init_with_a_bad_credential_is_refused_with_a_code(
    client: TestClient, payload: dict[str, object]
) -> None:
    with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": payload})
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == 4403


# --- the gateway callback ------------------------------------------------------------------------


@pytest.fixture
def paying(store_settings: Settings) -> Iterator[tuple[TestClient, Dar, SimulatedGateway, UUID]]:
    """The API over a Dar whose simulated gateway holds one card payment, authorised."""
    clock = TestClock()
    dar = bootstrap(store_settings, clock)
    Scenario(dar, clock).given(*PAYMENTS_READY).at("day 2 08:15")
    request = bill_request(dar, register(dar, "01234567", "Amel Ben Salah"))
    started = payment_of(dar, pay_by_card(dar, request, "4001-2333", "card-1"))
    gateway = dar.simulated_gateway
    assert gateway is not None
    assert started.session_id is not None
    gateway.pay(started.session_id)
    with served(store_settings, dar) as http:
        yield http, dar, gateway, started.id


def secret(settings: Settings) -> bytes:
    return settings.gateway_secret.get_secret_value().encode()


def test_a_deeply_nested_callback_body_is_refused_with_a_code_signed_or_not(
    client: TestClient, api_settings: Settings
) -> None:
    dar = client.app.state.dar  # type: ignore[attr-defined]
    bodies = {
        "unsigned": (NESTED * 2, {}),
        "badly signed": (NESTED * 2, {"x-gateway-timestamp": "1", "x-gateway-signature": "a" * 64}),
    }
    for name, (body, headers) in bodies.items():
        response = client.post(CALLBACK, content=body, headers=headers)
        assert response.status_code == 413, name  # 40 kB: over the callback's 4 KiB, unread
        assert response.json()["code"] == "PAYLOAD_TOO_LARGE"
    small = b"[" * 2000  # under the size bound, far over the depth bound
    for headers in ({}, {"x-gateway-timestamp": "1", "x-gateway-signature": "a" * 64}):
        response = client.post(CALLBACK, content=small, headers=headers)
        assert (response.status_code, response.json()["code"]) == (401, "BAD_SIGNATURE")
    signed = client.post(
        CALLBACK,
        content=small,
        headers=signed_headers(secret(api_settings), dar.clock.now(), small),
    )
    assert (signed.status_code, signed.json()["code"]) == (400, "VALIDATION")
    assert "nests at most" in signed.json()["message"]


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"\xff\xfe\x00",
        b"null",
        b"[]",
        b'{"orderId": [1, 2]}',
        b'{"orderId": "not-a-uuid", "eventId": "e", "status": "captured"}',
        b'{"orderId": {"a": {"b": 1}}, "eventId": 5}',
        b'"\\"[[[[[[[[[[\\""',  # brackets inside a string do not nest
        b"{" * 100,
    ],
)
def test_a_signed_callback_of_any_shape_is_a_4xx_with_a_code(
    client: TestClient, api_settings: Settings, body: bytes
) -> None:
    dar = client.app.state.dar  # type: ignore[attr-defined]
    headers = signed_headers(secret(api_settings), dar.clock.now(), body)
    response = client.post(CALLBACK, content=body, headers=headers)
    assert 400 <= response.status_code < 500
    assert response.json()["code"] in {"VALIDATION", "NOT_FOUND"}


def test_a_badly_signed_or_stale_callback_triggers_nothing(
    paying: tuple[TestClient, Dar, SimulatedGateway, UUID], store_settings: Settings
) -> None:
    http, dar, gateway, payment = paying
    [delivery] = gateway.take_deliveries()
    position, queries = dar.store.position(), gateway.status_queries
    forged = http.post(
        CALLBACK,
        content=delivery.body,
        headers={
            "x-gateway-timestamp": str(int(dar.clock.now().timestamp())),
            "x-gateway-signature": "ab" * 32,
        },
    )
    stale = http.post(
        CALLBACK,
        content=delivery.body,
        headers=signed_headers(
            secret(store_settings), dar.clock.now() - timedelta(seconds=301), delivery.body
        ),
    )
    assert (forged.status_code, forged.json()["code"]) == (401, "BAD_SIGNATURE")
    assert (stale.status_code, stale.json()["code"]) == (401, "STALE_CALLBACK")
    assert gateway.status_queries == queries  # no status query was made on their account
    assert dar.store.position() == position
    assert dar.payments.current(payment).status is PaymentStatus.INITIATED


@pytest.fixture
def frozen_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    """The app's refusal budget never refills: what a test counts is refusals, not time."""
    monkeypatch.setattr(api.gateway, "RefusalBudget", lambda: RefusalBudget(clock=lambda: 0.0))


@pytest.mark.usefixtures("frozen_budget")  # set up before `paying` builds the app
def test_refused_callbacks_are_rate_limited_per_order_and_a_valid_one_still_applies(
    paying: tuple[TestClient, Dar, SimulatedGateway, UUID],
    store_settings: Settings,
) -> None:
    http, dar, gateway, payment = paying
    [delivery] = gateway.take_deliveries()
    forged = {"x-gateway-timestamp": "1700000000", "x-gateway-signature": "ab" * 32}
    answers = [http.post(CALLBACK, content=delivery.body, headers=forged) for _ in range(11)]
    assert [a.status_code for a in answers] == [401] * 10 + [429]
    assert answers[-1].json()["code"] == "RATE_LIMITED"
    assert answers[-1].headers["retry-after"] == "6"
    other = json.dumps({"orderId": str(uuid4()), "eventId": "e", "status": "captured"})
    assert http.post(CALLBACK, content=other, headers=forged).status_code == 401
    valid = signed_headers(secret(store_settings), dar.clock.now(), delivery.body)
    applied = http.post(CALLBACK, content=delivery.body, headers=valid)
    assert applied.status_code == 200, applied.text
    assert dar.payments.current(payment).status is PaymentStatus.CAPTURED


@pytest.fixture
def frozen_overall_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    """The process's refusal budget never refills either."""
    frozen = RefusalBudget(burst=OVERALL_BURST, max_keys=1, clock=lambda: 0.0)
    monkeypatch.setattr(api.gateway, "overall_refusals", lambda: frozen)


@pytest.mark.usefixtures("frozen_budget", "frozen_overall_budget")
def test_refused_callbacks_claiming_ever_new_orders_reach_the_process_budget_and_stop_logging(
    paying: tuple[TestClient, Dar, SimulatedGateway, UUID],
    store_settings: Settings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    http, dar, gateway, payment = paying
    [delivery] = gateway.take_deliveries()
    forged = {"x-gateway-timestamp": "1700000000", "x-gateway-signature": "ab" * 32}

    def claiming_a_new_order() -> int:
        body = json.dumps({"orderId": str(uuid4()), "eventId": "e", "status": "captured"})
        status: int = http.post(CALLBACK, content=body, headers=forged).status_code
        return status

    with caplog.at_level(logging.WARNING, logger="dar.api"):
        answers = [claiming_a_new_order() for _ in range(OVERALL_BURST + 20)]
    assert answers == [401] * OVERALL_BURST + [429] * 20
    logged = [r for r in caplog.records if "gateway callback refused" in r.getMessage()]
    assert len(logged) == OVERALL_BURST  # the 429s are not logged
    valid = signed_headers(secret(store_settings), dar.clock.now(), delivery.body)
    applied = http.post(CALLBACK, content=delivery.body, headers=valid)
    assert applied.status_code == 200, applied.text
    assert dar.payments.current(payment).status is PaymentStatus.CAPTURED


def test_orders_rotated_past_the_process_budget_do_not_push_a_refused_order_out() -> None:
    frozen = lambda: 0.0  # noqa: E731 - no refill: the test counts refusals
    per_order = RefusalBudget(burst=2, max_keys=3, clock=frozen)
    refusals = CallbackRefusals(RefusalBudget(burst=4, max_keys=1, clock=frozen), per_order)
    assert [refusals.spend("genuine"), refusals.spend("genuine")] == [None, None]
    rotated = [refusals.spend(f"forged-{n}") for n in range(50)]
    assert rotated[:2] == [None, None]
    assert all(wait is not None for wait in rotated[2:])
    assert per_order.spend("genuine") is not None, "the genuine order's spent budget is kept"


def test_a_refusal_budget_refills_over_time_and_forgets_the_oldest_orders() -> None:
    now = [0.0]
    budget = RefusalBudget(burst=2, refill_seconds=10, max_keys=2, clock=lambda: now[0])
    assert [budget.spend("a"), budget.spend("a"), budget.spend("a")] == [None, None, 10]
    now[0] = 5.0
    assert budget.spend("a") == 5  # half a token earned: five more seconds for the next
    now[0] = 15.0
    assert budget.spend("a") is None
    budget.spend("b")
    budget.spend("c")  # three orders over a memory of two: "a" is forgotten, its budget full
    assert [budget.spend("a"), budget.spend("a")] == [None, None]


# --- security headers ----------------------------------------------------------------------------


SECURITY = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cache-control": "no-store",
}


def test_every_answer_carries_the_security_headers(client: TestClient) -> None:
    answers = {
        "graphql": client.post("/graphql", json={"query": "{ __typename }"}),
        "graphql refused": client.post(
            "/graphql", json={"query": "{ __typename }"}, headers={"Authorization": "Basic x"}
        ),
        "receipts": client.get("/receipts/X"),
        "statistics export": client.get("/statistics/export"),
        "healthz": client.get("/healthz"),
        "too large": client.post("/graphql", content=b" " * (70 * 1024)),
        "callback": client.post(CALLBACK, content=b"{}"),
    }
    for name, answer in answers.items():
        for header, value in SECURITY.items():
            assert answer.headers.get(header) == value, (name, header)
        assert "default-src 'none'" in answer.headers["content-security-policy"], name
        assert "server" not in answer.headers, name
