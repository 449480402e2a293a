"""House staff tokens work only while their agent is enrolled, active and of the token's house."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.auth import Role, TokenService
from application.houses.commands import DeactivateAgent
from infrastructure.settings import Settings
from tests.support.api import error_codes, graphql
from tests.support.staff import staff_token


def refusal(client: TestClient, token: str) -> str:
    """The message of the 401 a refused token gets on `{ position }`."""
    response = client.post(
        "/graphql", json={"query": "{ position }"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 401
    assert error_codes(response.json()) == ["UNAUTHENTICATED"]
    message: str = response.json()["errors"][0]["message"]
    return message


def test_a_deactivated_agents_token_is_refused(client: TestClient, api_settings: Settings) -> None:
    dar = client.app.state.dar  # type: ignore[attr-defined]
    token = staff_token(dar, api_settings, Role.AGENT, employee="A17")
    assert error_codes(graphql(client, "{ position }", token=token)) == []
    dar.houses.deactivate_agent(
        DeactivateAgent(command_id="d", actor="admin:1", employee_number="A17", reason="left")
    )
    assert refusal(client, token) == "this account has been deactivated"


def test_a_token_for_an_unknown_agent_or_another_house_is_refused_saying_which(
    client: TestClient, api_settings: Settings
) -> None:
    dar = client.app.state.dar  # type: ignore[attr-defined]
    staff_token(dar, api_settings, Role.AGENT, employee="A17")
    tokens = TokenService(api_settings)
    unknown = tokens.mint("A99", Role.AGENT, house="haidra")
    elsewhere = tokens.mint("A17", Role.AGENT, house="sbeitla")
    assert refusal(client, unknown) == "no agent 'A99' has been enrolled"
    assert refusal(client, elsewhere) == "agent 'A17' is not enrolled at house 'sbeitla'"
