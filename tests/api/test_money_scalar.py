"""The Money scalar reads decimal strings only: numbers, exponents, NaN and negatives are refused."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.auth import Role
from infrastructure.settings import Settings
from tests.support.api import error_codes, graphql, token_for

NOBODY = "00000000-0000-0000-0000-000000000001"
ASK = """query($a: Money) { mayPerform(houseId: "%s", agentId: "%s", partnerCode: "STEG",
  serviceCode: "BILL_PAYMENT", amount: $a) { allowed } }""" % (NOBODY, NOBODY)  # noqa: UP031


@pytest.mark.parametrize(
    "amount", [12.5, 12, "1e3", "NaN", "-1.000", "1.2345", "12,5", "", True, [1], {"v": 1}]
)
def test_a_malformed_amount_is_a_validation_error(
    client: TestClient, api_settings: Settings, amount: object
) -> None:
    body = graphql(client, ASK, {"a": amount}, token_for(api_settings, Role.ADMIN))
    assert error_codes(body) == ["VALIDATION"], body


@pytest.mark.parametrize("literal", ["12.5", "12", '"1e3"'])
def test_a_malformed_literal_is_refused_too(
    client: TestClient, api_settings: Settings, literal: str
) -> None:
    query = f"""{{ mayPerform(houseId: "{NOBODY}", agentId: "{NOBODY}", partnerCode: "STEG",
      serviceCode: "BILL_PAYMENT", amount: {literal}) {{ allowed }} }}"""
    body = graphql(client, query, {}, token_for(api_settings, Role.ADMIN))
    assert error_codes(body) == ["VALIDATION"], body


def test_a_decimal_string_reaches_the_resolver(client: TestClient, api_settings: Settings) -> None:
    body = graphql(client, ASK, {"a": "12.345"}, token_for(api_settings, Role.ADMIN))
    assert error_codes(body) == ["NOT_FOUND"], body  # the amount parsed; the house is unknown
