"""The gateway's HTTP side: the callback endpoint's refusals, and the development gateway's page."""

from __future__ import annotations

import json
from collections.abc import Iterator
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient

from api.auth import Role, TokenService
from api.bootstrap import bootstrap
from domain.payments.payment import PaymentStatus
from infrastructure.payments.signing import signed_headers
from infrastructure.settings import Settings
from tests.support.api import graphql
from tests.support.citizens import register
from tests.support.clock import TestClock
from tests.support.counter import served
from tests.support.payments import PAYMENTS_READY, bill_request
from tests.support.spec import Scenario


@pytest.fixture
def client(store_settings: Settings) -> Iterator[tuple[TestClient, UUID, str]]:
    clock = TestClock()
    dar = bootstrap(store_settings, clock)  # development: the simulated gateway
    Scenario(dar, clock).given(*PAYMENTS_READY).at("day 2 08:15")
    request = bill_request(dar, register(dar, "01234567", "Amel Ben Salah"))
    token = TokenService(store_settings).mint("A17", Role.AGENT, house="haidra")
    with served(store_settings, dar) as http:
        yield http, request, token


def secret(settings: Settings) -> bytes:
    return settings.gateway_secret.get_secret_value().encode()


def test_paying_on_the_development_gateways_page_captures_the_payment(
    client: tuple[TestClient, UUID, str],
) -> None:
    http, request, token = client
    body = graphql(
        http,
        "mutation($i: InitiatePaymentInput!) { initiatePayment(input: $i) { id sessionUrl } }",
        {
            "i": {
                "commandId": "p1",
                "requestId": str(request),
                "method": "CARD",
                "billReference": "4001-2333",
            }
        },
        token,
    )
    started = body["data"]["initiatePayment"]
    # absolute, under DAR_PUBLIC_URL (its development default): a client can open it as it is
    assert started["sessionUrl"].startswith("http://127.0.0.1:8000/simulated-gateway/pay/")
    page = http.get(started["sessionUrl"])
    assert page.status_code == 200
    assert "TND" in page.text
    paid = http.post(started["sessionUrl"]).json()
    assert paid["state"] == "authorised"
    dar = http.app.state.dar  # type: ignore[attr-defined]
    payment = dar.payments.current(UUID(started["id"]))
    assert payment.status is PaymentStatus.CAPTURED
    assert payment.receipt is not None
    assert paid["position"] == dar.store.position()
    assert http.get("/simulated-gateway/pay/nope").status_code == 404


def test_the_callback_endpoint_refuses_before_reading(
    client: tuple[TestClient, UUID, str], store_settings: Settings
) -> None:
    http, _, _ = client
    dar = http.app.state.dar  # type: ignore[attr-defined]
    position = dar.store.position()
    unsigned = http.post("/payments/gateway/callback", content=b"{}")
    assert (unsigned.status_code, unsigned.json()["code"]) == (401, "BAD_SIGNATURE")
    garbage = b"not json"
    signed = http.post(
        "/payments/gateway/callback",
        content=garbage,
        headers=signed_headers(secret(store_settings), dar.clock.now(), garbage),
    )
    assert (signed.status_code, signed.json()["code"]) == (400, "VALIDATION")
    unknown = json.dumps(
        {"orderId": str(uuid4()), "eventId": "e1", "status": "authorised"}
    ).encode()
    answered = http.post(
        "/payments/gateway/callback",
        content=unknown,
        headers=signed_headers(secret(store_settings), dar.clock.now(), unknown),
    )
    assert (answered.status_code, answered.json()["code"]) == (404, "NOT_FOUND")
    assert dar.store.position() == position


@pytest.mark.parametrize(
    ("timestamp", "signature"),
    [
        ("\u00b2", "ab" * 32),  # a Latin-1 "digit" that is no number
        ("1700000000", "\u00e9" * 64),  # a non-ASCII signature
        ("1" * 13, "ab" * 32),
        ("1700000000", "AB" * 31),
    ],
)
def test_malformed_signature_headers_are_refused_not_crashed_on(
    client: tuple[TestClient, UUID, str], timestamp: str, signature: str
) -> None:
    http, _, _ = client
    response = http.post(
        "/payments/gateway/callback",
        content=b"{}",
        headers={
            "x-gateway-timestamp": timestamp.encode("latin-1"),
            "x-gateway-signature": signature.encode("latin-1"),
        },
    )
    assert (response.status_code, response.json()["code"]) == (401, "BAD_SIGNATURE")
