"""Production reveals nothing it need not, mints no tokens, and starts only with strong secrets."""

from __future__ import annotations

import base64
import json
import secrets
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi.testclient import TestClient
from pydantic import SecretStr
from typer.testing import CliRunner

import api.cli
from api.auth import Role, TokenService
from api.bootstrap import bootstrap
from api.http import create_app
from infrastructure.reference import check_production_purposes, reference_purposes
from infrastructure.settings import Environment, Settings, secret_weakness
from tests.support.api import free_port, in_production

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_REGISTER = ROOT / "docs" / "purposes.example.yaml"
SHIPPED_REGISTER = ROOT / "infrastructure" / "reference" / "purposes.yaml"

# Each of graphql-core's suggestion situations, with a near miss of a real name.
NEAR_MISSES = {
    "unknown argument": {"query": "{ partners(firs: 1) { code } }"},
    "type in a fragment": {"query": "{ partners { ...f } } fragment f on Partne { code }"},
    "type in an inline fragment": {"query": "{ partners { ... on Partne { code } } }"},
    "variable type": {"query": "query($f: In) { partners(first: $f) { code } }"},
    "input field": {
        "query": 'mutation { issueTicket(input: {commandId: "c", houseId: "h", lien: "A"}) '
        "{ ticket } }"
    },
    "input field in variables": {
        "query": "mutation($i: IssueTicketInput!) { issueTicket(input: $i) { ticket } }",
        "variables": {"i": {"commandId": "c", "houseId": "h", "line": "A", "priorty": "x"}},
    },
    "field": {"query": "{ partners { cod } }"},
}


def declared_register(folder: Path) -> Path:
    """The example register with its placeholders replaced, as a deployment fills it in."""
    path = folder / "purposes.yaml"
    example = EXAMPLE_REGISTER.read_text(encoding="utf-8")
    path.write_text(example.replace("EXAMPLE-INPDP-", "INPDP-TEST-"), encoding="utf-8")
    return path


def production(settings: Settings, folder: Path) -> Settings:
    """These store settings in production, with strong secrets and a declared register."""
    return Settings(
        **{
            **settings.model_dump(exclude_none=True),
            "environment": Environment.PRODUCTION,
            "token_secret": SecretStr(secrets.token_urlsafe(32)),
            "master_key": SecretStr(secrets.token_urlsafe(32)),
            "gateway_secret": SecretStr(secrets.token_urlsafe(32)),
            "purposes_file": declared_register(folder),
            "public_url": "https://dar.example.tn",
        }
    )


@pytest.fixture
def production_settings(store_settings: Settings, tmp_path: Path) -> Settings:
    return production(store_settings, tmp_path)


@pytest.fixture
def production_client(production_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(production_settings)) as client:
        yield client


def near_miss_answers(client: TestClient, token: str) -> dict[str, dict[str, Any]]:
    headers = {"Authorization": f"Bearer {token}"}
    return {
        situation: client.post("/graphql", json=body, headers=headers).json()
        for situation, body in NEAR_MISSES.items()
    }


def test_development_suggests_names_in_every_situation(
    client: TestClient, api_settings: Settings
) -> None:
    # the near misses do provoke suggestions: production's silence below is not an accident
    for situation, answer in near_miss_answers(client, _admin(api_settings)).items():
        if situation != "field":  # field suggestions are off everywhere
            assert "Did you mean" in json.dumps(answer), situation


def test_production_suggests_no_name_in_any_situation(
    production_client: TestClient, production_settings: Settings
) -> None:
    answers = near_miss_answers(production_client, _admin(production_settings))
    for situation, answer in answers.items():
        text = json.dumps(answer)
        assert answer["errors"], situation
        assert "Did you mean" not in text, (situation, text)
    unknown = answers["unknown argument"]["errors"][0]
    assert unknown["message"] == "Unknown argument 'firs' on field 'Query.partners'."
    assert unknown["extensions"]["code"] == "BAD_QUERY"


def _admin(settings: Settings) -> str:
    return TokenService(settings).mint("ops", Role.ADMIN)


def test_production_answers_carry_the_security_headers_and_an_absolute_public_url(
    production_client: TestClient, production_settings: Settings
) -> None:
    answer = production_client.post("/graphql", json={"query": "{ __typename }"})
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert production_settings.public_base_url == "https://dar.example.tn"


# --- secrets and settings ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("secret", "why"),
    [
        ("x" * 64, "distinct"),
        ("p" * 64, "distinct"),
        ("q7w3e9r1t5" * 5, "repeated"),
        ("0123456789" + "0" * 54, "entropy"),
        ("9f3kQ2-but-random", "bytes"),
        ("development-token-secret-change-me", "development default"),
        ("abcdefghijklmnopqrstuvwxyz012345", "24 bytes, under 32"),
        ("change-me-change-me-change-me-2024!", "hex or base64"),
        ("password1234567890password1234567890!", "hex or base64"),
        ("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH", "consecutive"),
        ("change-me-change-me-change-me-change-me-change-me-2024", "three times"),
        ("compose-test-token-secret-0123456789abcdef", "31 bytes"),
    ],
)
def test_production_refuses_a_weak_secret_at_start(tmp_path: Path, secret: str, why: str) -> None:
    settings = in_production(
        f"sqlite:///{tmp_path / 'dar.sqlite'}",
        token_secret=secret,
        public_url="https://dar.example.tn",
    )
    with pytest.raises(ValueError, match=f"DAR_TOKEN_SECRET.*{why}"):
        bootstrap(settings)
    assert not (tmp_path / "dar.sqlite").exists()  # refused before the store is opened


def test_random_secrets_of_every_usual_form_pass_the_rule() -> None:
    for _ in range(200):
        raw = secrets.token_bytes(32)
        for secret in (
            secrets.token_hex(32),
            secrets.token_urlsafe(32),
            secrets.token_urlsafe(48),
            base64.b64encode(raw).decode(),
            base64.b64encode(raw).decode().rstrip("="),
            base64.urlsafe_b64encode(raw).decode(),
        ):
            assert secret_weakness(secret) is None, secret


def test_random_bytes_under_32_are_refused_whatever_their_encoding() -> None:
    for size in (16, 31):
        for secret in (secrets.token_hex(size), secrets.token_urlsafe(size)):
            assert secret_weakness(secret) == f"{size} bytes, under 32 random bytes", secret


def test_development_keeps_its_default_secrets() -> None:
    Settings(database_url="sqlite:///:memory:").check_production_secrets()


def test_production_needs_its_public_url(tmp_path: Path) -> None:
    settings = in_production(f"sqlite:///{tmp_path / 'dar.sqlite'}")
    with pytest.raises(ValueError, match="DAR_PUBLIC_URL"):
        settings.check_production_secrets()
    with pytest.raises(ValueError, match="public_url"):
        Settings(public_url="dar.example.tn")  # not an address
    assert Settings().public_base_url == "http://127.0.0.1:8000"


# --- the example register ------------------------------------------------------------------------


def test_the_example_register_lists_the_shipped_purposes_and_is_refused_until_filled_in(
    tmp_path: Path,
) -> None:
    example = reference_purposes(EXAMPLE_REGISTER)
    shipped = reference_purposes(SHIPPED_REGISTER)
    assert [(p.code, p.categories) for p in example] == [(p.code, p.categories) for p in shipped]
    with pytest.raises(ValueError, match="placeholder declaration EXAMPLE-"):
        check_production_purposes(example)
    check_production_purposes(reference_purposes(declared_register(tmp_path)))


# --- the command line ----------------------------------------------------------------------------


def test_dar_token_refuses_to_run_in_production() -> None:
    runner = CliRunner()
    env = {"DAR_ENVIRONMENT": "production"}
    refused = runner.invoke(api.cli.app, ["token", "--role", "admin"], env=env)
    assert refused.exit_code == 2
    assert "development tokens only" in refused.output
    minted = runner.invoke(api.cli.app, ["token", "--role", "admin"], env={})
    assert minted.exit_code == 0
    assert minted.output.count(".") == 2  # a JWT


def test_dar_run_records_no_demo_when_its_port_is_taken(tmp_path: Path) -> None:
    database = tmp_path / "dar.sqlite"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {"DAR_DATABASE_URL": f"sqlite:///{database}", "DAR_PORT": str(port)}
        result = CliRunner().invoke(api.cli.app, ["run", "--demo"], env=env)
    assert result.exit_code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.output
    assert "Nothing was recorded" in result.output
    assert not database.exists()  # the store was not even opened


def test_dar_run_serves_without_announcing_the_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda _app, **options: started.update(options))
    env = {"DAR_DATABASE_URL": f"sqlite:///{tmp_path / 'dar.sqlite'}", "DAR_PORT": str(free_port())}
    result = CliRunner().invoke(api.cli.app, ["run"], env=env)
    assert result.exit_code == 0, result.output
    assert started["server_header"] is False
    assert started["ws_max_size"] == 64 * 1024  # a WebSocket frame is bounded like a body
