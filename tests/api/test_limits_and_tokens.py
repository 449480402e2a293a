"""Hostile input: every limit and every bad token is refused with its code, and nothing runs."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import jwt
import pytest
from fastapi.testclient import TestClient

from api.auth import Role, TokenService
from api.http import create_app
from infrastructure.settings import Settings
from tests.support.api import error_codes, in_production, token_for


def register(alias: str, key: str) -> str:
    return (
        f'{alias}: registerPartner(input: {{commandId: "{key}", code: "P{key}", '
        f'nameAr: "شريك", nameFr: "P"}}) {{ position }}'
    )


def post(
    client: TestClient, body: object, token: str | None = None
) -> tuple[int, dict[str, object]]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = client.post("/graphql", json=body, headers=headers)
    assert "Traceback" not in response.text
    return response.status_code, response.json()


def position(client: TestClient, settings: Settings) -> int:
    _, body = post(client, {"query": "{ position }"}, token_for(settings, Role.ADMIN))
    data = body["data"]
    assert isinstance(data, dict)
    return int(data["position"])


def test_too_many_aliases_is_refused_before_any_resolver_runs(
    client: TestClient, api_settings: Settings
) -> None:
    mutations = " ".join(register(f"a{i}", f"K{i}") for i in range(api_settings.max_aliases + 1))
    status, body = post(
        client, {"query": f"mutation {{ {mutations} }}"}, token_for(api_settings, Role.ADMIN)
    )
    assert status == 200
    assert set(error_codes(body)) == {"QUERY_TOO_COMPLEX"}
    assert position(client, api_settings) == 0


def test_too_deep_a_query_is_refused(api_settings: Settings) -> None:
    # Today's schema is shallow (introspection does not count), so the limit is lowered to show it
    shallow = api_settings.model_copy(update={"max_query_depth": 0})
    with TestClient(create_app(shallow)) as client:
        _, body = post(client, {"query": "{ partners { code } }"}, token_for(shallow, Role.ADMIN))
    assert error_codes(body) == ["QUERY_TOO_COMPLEX"]


def test_too_many_tokens_is_refused(client: TestClient, api_settings: Settings) -> None:
    fields = " ".join("code" for _ in range(api_settings.max_tokens))
    _, body = post(
        client, {"query": f"{{ partners {{ {fields} }} }}"}, token_for(api_settings, Role.ADMIN)
    )
    assert error_codes(body) == ["QUERY_TOO_COMPLEX"]


def test_a_batch_over_the_limit_is_refused_and_runs_nothing(
    client: TestClient, api_settings: Settings
) -> None:
    batch = [
        {"query": f"mutation {{ {register('r', f'B{i}')} }}"}
        for i in range(api_settings.max_batch_operations + 1)
    ]
    status, body = post(client, batch, token_for(api_settings, Role.ADMIN))
    assert status == 400
    assert error_codes(body) == ["BATCH_TOO_LARGE"]
    assert position(client, api_settings) == 0


def test_a_small_batch_is_served(client: TestClient, api_settings: Settings) -> None:
    batch = [{"query": "{ position }"}, {"query": "{ partners { code } }"}]
    status, body = post(client, batch, token_for(api_settings, Role.AUDITOR))
    assert status == 200
    assert isinstance(body, list)


def test_an_oversize_body_is_refused_with_413(client: TestClient, api_settings: Settings) -> None:
    padding = "#" * (api_settings.max_body_bytes + 1)
    response = client.post("/graphql", json={"query": f"{{ position }} {padding}"})
    assert response.status_code == 413
    assert error_codes(response.json()) == ["PAYLOAD_TOO_LARGE"]


def test_malformed_json_is_a_typed_refusal(client: TestClient) -> None:
    response = client.post(
        "/graphql", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert error_codes(response.json()) == ["BAD_REQUEST"]


def _forge(token: str, **changes: object) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims.update(changes)
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


def bad_tokens(settings: Settings) -> dict[str, str]:
    good = token_for(settings, Role.AUDITOR)
    claims = jwt.decode(good, options={"verify_signature": False})
    return {
        "expired": TokenService(settings).mint("x", Role.ADMIN, ttl=timedelta(seconds=-10)),
        "tampered": _forge(good, role="admin"),
        "alg=none": jwt.encode({**claims, "role": "admin"}, key="", algorithm="none"),
        "unsigned": good.rsplit(".", 1)[0] + ".",
        "other secret": jwt.encode(
            {**claims, "role": "admin"}, "a-guessed-secret-of-decent-length!", algorithm="HS256"
        ),
        "garbage": "not-a-token",
    }


@pytest.mark.parametrize(
    "kind", ["expired", "tampered", "alg=none", "unsigned", "other secret", "garbage"]
)
def test_bad_tokens_are_refused_and_nothing_runs(
    client: TestClient, api_settings: Settings, kind: str
) -> None:
    token = bad_tokens(api_settings)[kind]
    _, body = post(client, {"query": f"mutation {{ {register('r', 'T1')} }}"}, token)
    assert error_codes(body) == ["UNAUTHENTICATED"]
    assert position(client, api_settings) == 0


def test_a_missing_token_is_unauthenticated(client: TestClient) -> None:
    _, body = post(client, {"query": "{ partners { code } }"})
    assert error_codes(body) == ["UNAUTHENTICATED"]


def test_an_unexpected_error_is_masked_with_a_reference(
    client: TestClient, api_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object, **__: object) -> object:
        raise RuntimeError("secret detail: connection string postgres://x:y@z")

    monkeypatch.setattr(type(client.app.state.dar.read.partners), "list", broken)  # type: ignore[attr-defined]
    _, body = post(
        client, {"query": "{ partners { code } }"}, token_for(api_settings, Role.AUDITOR)
    )
    errors = body["errors"]
    assert isinstance(errors, list)
    [error] = errors
    assert error["extensions"]["code"] == "INTERNAL"
    assert "secret" not in json.dumps(body)
    assert error["extensions"]["reference"] in error["message"]


def test_an_oversize_body_without_a_declared_length_is_refused_with_413(
    client: TestClient, api_settings: Settings
) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(api_settings.max_body_bytes // 1024 + 2):
            yield b" " * 1024

    response = client.post(
        "/graphql", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert error_codes(response.json()) == ["PAYLOAD_TOO_LARGE"]


@pytest.mark.parametrize(
    "body", [b"null", b"3", b'"x"', b"[1, 2]", b'[{"query": "{ position }"}, 5]', b"[]"]
)
def test_a_body_that_is_not_an_operation_is_a_bad_request(client: TestClient, body: bytes) -> None:
    response = client.post("/graphql", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert error_codes(response.json()) == ["BAD_REQUEST"]


def test_absurdly_nested_variables_are_a_bad_request(client: TestClient) -> None:
    nested = "[" * 5000 + "]" * 5000
    body = f'{{"query": "{{ position }}", "variables": {{"x": {nested}}}}}'.encode()
    response = client.post("/graphql", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert error_codes(response.json()) == ["BAD_REQUEST"]


def test_a_subscription_over_http_is_a_bad_request(
    client: TestClient, api_settings: Settings
) -> None:
    query = {"query": "subscription { partnersChanged { position } }"}
    status, body = post(client, query, token_for(api_settings, Role.AUDITOR))
    assert status == 400
    assert error_codes(body) == ["BAD_REQUEST"]


def test_odd_http_methods_do_not_create_metric_series(client: TestClient) -> None:
    for method in ("FOO", "BAR", "BAZ"):
        client.request(method, "/graphql")
    text = client.get("/metrics").text
    assert 'method="FOO"' not in text
    assert 'method="OTHER"' in text


def test_production_refuses_the_development_register_of_purposes(tmp_path: Path) -> None:
    from api.bootstrap import bootstrap  # noqa: PLC0415

    settings = in_production(
        f"sqlite:///{tmp_path / 'dar.sqlite'}", public_url="https://dar.example.tn"
    )
    with pytest.raises(ValueError, match="DAR_PURPOSES_FILE"):
        bootstrap(settings)
