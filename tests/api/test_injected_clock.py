"""The queries that depend on "today" read Dar's injected clock, as the commands do."""

from __future__ import annotations

from datetime import timedelta

from api.auth import Role, TokenService
from infrastructure.settings import Settings
from tests.support.api import graphql
from tests.support.clock import TestClock
from tests.support.counter import counter_ready, lodge, served


def test_the_queue_and_a_requests_age_follow_the_injected_clock(api_settings: Settings) -> None:
    dar, citizen = counter_ready(api_settings)  # a test clock on 6 January 2026
    receipt = lodge(dar, citizen, "CNAM", "REIMBURSEMENT_FILE", ("Bulletin de soins", "Ordonnance"))
    clock = dar.clock
    assert isinstance(clock, TestClock)
    token = TokenService(api_settings).mint("A17", Role.AGENT, house="haidra")
    with served(api_settings, dar) as client:
        house = graphql(client, "{ houses { id } }", token=token)["data"]["houses"][0]["id"]
        queue = graphql(
            client, "query($h: ID!) { queue(houseId: $h) { day } }", {"h": house}, token
        )
        assert queue["data"]["queue"]["day"] == "2026-01-06"
        clock.advance(timedelta(days=3))
        query = "query($r: String!) { requestByReceipt(number: $r) { ageDays } }"
        aged = graphql(client, query, {"r": receipt.values["receipt"]}, token)
        assert aged["data"]["requestByReceipt"]["ageDays"] == 3
