"""The partners slice through GraphQL, on both stores."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.auth import Role
from infrastructure.settings import Settings
from tests.support.api import error_codes, graphql, token_for

REGISTER = """
mutation($input: RegisterPartnerInput!) {
  registerPartner(input: $input) { partnerId position replayed }
}"""
PARTNERS = "query($p: Position) { partners(atLeastPosition: $p) { code nameAr nameFr } }"


def steg(command_id: str = "c-1", code: str = "STEG") -> dict[str, object]:
    return {
        "input": {
            "commandId": command_id,
            "code": code,
            "nameAr": "الشركة التونسية للكهرباء والغاز",
            "nameFr": "STEG",
        }
    }


def test_a_registered_partner_is_read_back_at_its_position(
    client: TestClient, api_settings: Settings
) -> None:
    admin = token_for(api_settings, Role.ADMIN)
    done = graphql(client, REGISTER, steg(), admin)["data"]["registerPartner"]
    agent = token_for(api_settings, Role.AUDITOR)
    body = graphql(client, PARTNERS, {"p": done["position"]}, agent)
    assert body["data"]["partners"] == [
        {"code": "STEG", "nameAr": "الشركة التونسية للكهرباء والغاز", "nameFr": "STEG"}
    ]


def test_a_retried_mutation_returns_its_first_outcome(
    client: TestClient, api_settings: Settings
) -> None:
    admin = token_for(api_settings, Role.ADMIN)
    first = graphql(client, REGISTER, steg(), admin)["data"]["registerPartner"]
    again = graphql(client, REGISTER, steg(), admin)["data"]["registerPartner"]
    assert again == {**first, "replayed": True}


def test_domain_refusals_carry_their_codes(client: TestClient, api_settings: Settings) -> None:
    admin = token_for(api_settings, Role.ADMIN)
    graphql(client, REGISTER, steg(), admin)
    assert error_codes(graphql(client, REGISTER, steg("c-2"), admin)) == ["ALREADY_EXISTS"]
    reused = steg("c-1", code="SONEDE")
    assert error_codes(graphql(client, REGISTER, reused, admin)) == ["IDEMPOTENCY_KEY_REUSED"]
    bad = graphql(client, REGISTER, steg("c-3", code="steg"), admin)
    assert error_codes(bad) == ["VALIDATION"]
    assert bad["errors"][0]["extensions"]["field"] == "code"


def test_bad_input_changes_nothing(client: TestClient, api_settings: Settings) -> None:
    admin = token_for(api_settings, Role.ADMIN)
    not_arabic = steg("c-9")
    not_arabic["input"]["nameAr"] = "STEG"  # type: ignore[index]
    assert error_codes(graphql(client, REGISTER, not_arabic, admin)) == ["VALIDATION"]
    assert graphql(client, "{ position }", token=admin)["data"]["position"] == 0


def test_a_page_size_over_the_cap_is_refused(client: TestClient, api_settings: Settings) -> None:
    agent = token_for(api_settings, Role.AUDITOR)
    body = graphql(client, "{ partners(first: 101) { code } }", token=agent)
    assert error_codes(body) == ["VALIDATION"]


def test_a_retried_rename_says_it_was_replayed(client: TestClient, api_settings: Settings) -> None:
    admin = token_for(api_settings, Role.ADMIN)
    graphql(client, REGISTER, steg(), admin)
    rename = """
    mutation($input: RenamePartnerInput!) { renamePartner(input: $input) { position replayed } }"""
    names = steg("rename-1")
    names["input"]["nameFr"] = "STEG (nouveau)"  # type: ignore[index]
    first = graphql(client, rename, names, admin)["data"]["renamePartner"]
    again = graphql(client, rename, names, admin)["data"]["renamePartner"]
    assert (first["replayed"], again["replayed"]) == (False, True)
    assert first["position"] == again["position"] == 2


def test_a_position_beyond_the_log_is_refused_at_once(
    client: TestClient, api_settings: Settings
) -> None:
    agent = token_for(api_settings, Role.AUDITOR)
    body = graphql(client, PARTNERS, {"p": 10**12}, agent)
    assert error_codes(body) == ["VALIDATION"]
    assert body["errors"][0]["extensions"]["field"] == "atLeastPosition"
