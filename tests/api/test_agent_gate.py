"""House staff tokens work only while their agent is enrolled, active and of the token's house."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.auth import Role, TokenService
from application.houses.commands import DeactivateAgent
from infrastructure.settings import Settings
from tests.support.api import error_codes, graphql
from tests.support.staff import staff_token


def test_a_deactivated_agents_token_is_refused(client: TestClient, api_settings: Settings) -> None:
    dar = client.app.state.dar  # type: ignore[attr-defined]
    token = staff_token(dar, api_settings, Role.AGENT, employee="A17")
    assert error_codes(graphql(client, "{ position }", token=token)) == []
    dar.houses.deactivate_agent(
        DeactivateAgent(command_id="d", actor="admin:1", employee_number="A17", reason="left")
    )
    assert error_codes(graphql(client, "{ position }", token=token)) == ["UNAUTHENTICATED"]


def test_a_token_for_an_unknown_agent_or_another_house_is_refused(
    client: TestClient, api_settings: Settings
) -> None:
    dar = client.app.state.dar  # type: ignore[attr-defined]
    staff_token(dar, api_settings, Role.AGENT, employee="A17")
    tokens = TokenService(api_settings)
    unknown = tokens.mint("A99", Role.AGENT, house="haidra")
    elsewhere = tokens.mint("A17", Role.AGENT, house="sbeitla")
    for token in (unknown, elsewhere):
        assert error_codes(graphql(client, "{ position }", token=token)) == ["UNAUTHENTICATED"]
