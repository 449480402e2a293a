"""Agents see each partner's system through GraphQL: reported by the partner or a supervisor.

Haidra works with STEG, SONEDE and CNAM (the payments scenario). SONEDE's staff report its system
unreachable; an agent of Haidra reads `partnerStatus`: SONEDE unreachable since the report, with
the house's SONEDE payment waiting for it, the others reachable. The refusals come back as typed
codes and record nothing. The app runs its projections and the delivery process (the simulated
partners' server, SONEDE down). On both stores.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.auth import Role, TokenService
from domain.houses.house import house_id
from infrastructure.fixtures.loader import fixture_time
from infrastructure.settings import Settings
from tests.support.api import error_codes, graphql, token_for
from tests.support.clock import TestClock
from tests.support.counter import served
from tests.support.deliveries import PARTNERS, http_partners, keyed, partner_day, take_payment
from tests.support.partner import SimulatedPartners, simulated_partners

HAIDRA = str(house_id("haidra"))
REPORT = """
mutation($key: String!, $partner: String!, $status: PartnerReachability!, $note: String) {
  reportPartnerStatus(input: {commandId: $key, partnerCode: $partner, status: $status,
                              note: $note}) { id position replayed }
}"""
STATUS = """
query($house: ID!, $at: Position) {
  partnerStatus(houseId: $house, atLeastPosition: $at) {
    partnerCode status since reportedAt reportedBy note waiting
  }
}"""


@pytest.fixture
def api(store_settings: Settings) -> Iterator[tuple[TestClient, Settings, SimulatedPartners]]:
    """The app over Haidra with a SONEDE payment waiting (SONEDE down) and a STEG one."""
    clock = TestClock()
    with simulated_partners() as partners:
        partners.down.add("SONEDE")
        dar, citizen = partner_day(
            store_settings, clock, http_partners(partners.endpoints(*PARTNERS))
        )
        clock.set(fixture_time("day 2 09:00"))
        take_payment(dar, citizen, "SONEDE", "77-0001")
        take_payment(dar, citizen, "STEG", "4001-0001")
        settings = keyed(store_settings)
        with served(settings, dar) as client:
            yield client, settings, partners


def staff(settings: Settings, employee: str, role: Role) -> str:
    return TokenService(settings).mint(employee, role, house="haidra")


def by_code(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["partnerCode"]: row for row in body["data"]["partnerStatus"]}


def test_an_agent_sees_the_partner_its_partner_reported_unreachable(
    api: tuple[TestClient, Settings, SimulatedPartners],
) -> None:
    client, settings, partners = api
    sonede = token_for(settings, Role.PARTNER, partner="SONEDE")
    note = "maintenance until noon"
    variables = {"key": "down-1", "partner": "SONEDE", "status": "UNREACHABLE", "note": note}
    reported = graphql(client, REPORT, variables, sonede)
    assert "errors" not in reported, reported
    position = reported["data"]["reportPartnerStatus"]["position"]

    agent = staff(settings, "A17", Role.AGENT)
    seen = by_code(graphql(client, STATUS, {"house": HAIDRA, "at": position}, agent))
    assert set(seen) == {"STEG", "SONEDE", "CNAM"}
    down = seen["SONEDE"]
    assert (down["status"], down["note"], down["waiting"]) == ("UNREACHABLE", note, 1)
    assert down["since"] == down["reportedAt"]
    assert down["reportedBy"]
    assert (seen["STEG"]["status"], seen["STEG"]["reportedAt"]) == ("REACHABLE", None)

    again = graphql(client, REPORT, variables, sonede)
    assert again["data"]["reportPartnerStatus"]["replayed"] is True

    # the app delivers as `dar run` does: STEG's payment went, SONEDE's waits
    deadline = time.monotonic() + 30
    while (
        len(partners.keys_of("STEG")) < 1
        or client.get("/readyz").json()["deliveries"]["waiting"] != 1
    ):
        assert time.monotonic() < deadline, partners.accepted
        time.sleep(0.05)
    ready = client.get("/readyz").json()["deliveries"]
    assert (ready["waiting"], ready["unreachable"]) == (1, ["SONEDE"])
    assert partners.keys_of("SONEDE") == []


def test_refused_reports_come_back_typed_and_record_nothing(
    api: tuple[TestClient, Settings, SimulatedPartners],
) -> None:
    client, settings, _ = api
    sonede = token_for(settings, Role.PARTNER, partner="SONEDE")
    supervisor = staff(settings, "A18", Role.SUPERVISOR)
    other = {"key": "k1", "partner": "STEG", "status": "UNREACHABLE"}
    assert error_codes(graphql(client, REPORT, other, sonede)) == ["FORBIDDEN"]
    unknown = {"key": "k2", "partner": "CNSS", "status": "UNREACHABLE"}
    assert error_codes(graphql(client, REPORT, unknown, supervisor)) == ["NOT_FOUND"]
    fine = {"key": "k3", "partner": "STEG", "status": "UNREACHABLE", "note": "n"}
    assert "errors" not in graphql(client, REPORT, fine, supervisor)
    same = {**fine, "key": "k4"}
    assert error_codes(graphql(client, REPORT, same, supervisor)) == ["UNCHANGED"]
    long_note = {**fine, "key": "k5", "note": "x" * 201}
    assert error_codes(graphql(client, REPORT, long_note, supervisor)) == ["VALIDATION"]
    agent = staff(settings, "A17", Role.AGENT)
    seen = by_code(graphql(client, STATUS, {"house": HAIDRA}, agent))
    assert seen["SONEDE"]["status"] == "REACHABLE"
