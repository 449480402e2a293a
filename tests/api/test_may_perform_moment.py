"""mayPerform's `at`: a moment with its UTC offset, on a day that exists; anything else is VALIDATION.

Found by the schema fuzzer: a date alone or a time without offset reached the policy as a naive
datetime (comparing it with the events' times raised TypeError), and the last moments of year 9999
(or the first of year 1) overflowed on the way to Tunis time — both answered INTERNAL.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.auth import Role
from api.bootstrap import Dar
from api.cli import prepare
from api.http import create_app
from application.errors import StoreBusyError
from infrastructure.settings import Settings
from tests.support.api import graphql, token_for

ASK = """query($h: ID!, $a: ID!, $at: DateTime) { mayPerform(houseId: $h, agentId: $a,
  partnerCode: "STEG", serviceCode: "BILL_PAYMENT", at: $at) { allowed reason } }"""


@pytest.fixture
def demo(api_settings: Settings) -> Iterator[TestClient]:
    prepare(api_settings, demo=True)
    with TestClient(create_app(api_settings)) as client:
        yield client


def ask(client: TestClient, settings: Settings, at: str) -> dict[str, Any]:
    dar: Dar = client.app.state.dar  # type: ignore[attr-defined]
    ids = {"h": str(dar.houses.house("haidra").id), "a": str(dar.houses.agent("A17").id)}
    return graphql(client, ASK, {**ids, "at": at}, token_for(settings, Role.ADMIN))


@pytest.mark.parametrize(
    "at",
    [
        "2026-12-01",
        "2026-12-01T10:00:00",
        "0001-01-01T00:00:00",
        "9999-12-31T23:59:59-05:00",
        "9999-12-31T23:59:59.999999+00:00",
        "0001-01-01T00:00:00+05:00",
    ],
)
def test_a_moment_without_offset_or_out_of_range_is_a_validation_error_on_at(
    demo: TestClient, api_settings: Settings, at: str
) -> None:
    body = ask(demo, api_settings, at)
    [error] = body["errors"]
    assert error["extensions"] == {"code": "VALIDATION", "field": "at"}, body


def test_a_moment_with_its_offset_is_answered(demo: TestClient, api_settings: Settings) -> None:
    body = ask(demo, api_settings, "2030-06-01T09:30:00+01:00")
    assert body == {"data": {"mayPerform": {"allowed": True, "reason": None}}}, body


def test_a_store_too_busy_to_answer_is_store_busy_not_a_refusal(
    demo: TestClient, api_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    dar: Dar = demo.app.state.dar  # type: ignore[attr-defined]

    def busy(**_: object) -> None:
        raise StoreBusyError  # what the store raises when its lock timeout is reached

    monkeypatch.setattr(dar.policy, "may_perform", busy)
    body = ask(demo, api_settings, "2030-06-01T09:30:00+01:00")
    [error] = body["errors"]
    assert error["extensions"] == {"code": "STORE_BUSY", "retryable": True}, body
    assert body["data"] is None


def test_a_policy_refusal_is_an_answer_with_its_reason(
    demo: TestClient, api_settings: Settings
) -> None:
    dar: Dar = demo.app.state.dar  # type: ignore[attr-defined]
    ids = {"h": str(dar.houses.house("haidra").id), "a": str(dar.houses.agent("A17").id)}
    query = ASK.replace("BILL_PAYMENT", "NOT_DELEGATED")
    body = graphql(demo, query, {**ids, "at": None}, token_for(api_settings, Role.ADMIN))
    assert body == {"data": {"mayPerform": {"allowed": False, "reason": "SERVICE_NOT_DELEGATED"}}}
