"""Through the API, an agent's closing names the agent, and the counter service refuses others'."""

from __future__ import annotations

from api.auth import Role, TokenService
from domain.houses.house import house_id
from infrastructure.settings import Settings
from tests.support.api import error_codes, graphql
from tests.support.counter import counter_ready, served

CLOSE = """mutation($h: ID!, $n: Int!, $k: String!) {
  closeCounter(input: {commandId: $k, houseId: $h, number: $n}) { id }
}"""


def test_an_agent_closes_its_own_counter_and_is_refused_anothers(api_settings: Settings) -> None:
    dar, _ = counter_ready(api_settings)  # A17 holds counter 1, A18 counter 2
    a18 = TokenService(api_settings).mint("A18", Role.AGENT, house="haidra")
    haidra = str(house_id("haidra"))
    with served(api_settings, dar) as client:
        other = graphql(client, CLOSE, {"h": haidra, "n": 1, "k": "a18-closes-1"}, a18)
        assert error_codes(other) == ["FORBIDDEN"]
        own = graphql(client, CLOSE, {"h": haidra, "n": 2, "k": "a18-closes-2"}, a18)
        assert error_codes(own) == []
