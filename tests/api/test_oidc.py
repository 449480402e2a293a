"""Production tokens come from an OpenID provider: verified against its JWKS (served here)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from api.auth import Principal, Role, TokenService, UnauthenticatedError
from infrastructure.settings import Settings

ISSUER = "https://id.example.tn/realms/dar"
AUDIENCE = "dar-api"


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


PROVIDER_KEY = new_key()


@pytest.fixture(scope="module")
def jwks_url() -> Iterator[str]:
    public = json.loads(RSAAlgorithm.to_jwk(PROVIDER_KEY.public_key()))
    document = json.dumps({"keys": [{**public, "kid": "k1", "use": "sig", "alg": "RS256"}]})

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = document.encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/jwks.json"
    server.shutdown()


@pytest.fixture
def service(jwks_url: str) -> TokenService:
    settings = Settings(
        database_url="sqlite:///:memory:",
        oidc_issuer=ISSUER,
        oidc_jwks_url=jwks_url,
        oidc_audience=AUDIENCE,
    )
    return TokenService(settings)


def provider_token(key: rsa.RSAPrivateKey = PROVIDER_KEY, **changes: object) -> str:
    now = datetime.now(tz=UTC)
    claims: dict[str, object] = {
        "sub": "agent-17",
        "role": "agent",
        "house": "haidra",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + timedelta(minutes=5),
    }
    claims.update(changes)
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})


def test_a_token_signed_by_the_provider_is_accepted(service: TokenService) -> None:
    assert service.verify(provider_token()) == Principal(
        subject="agent-17", role=Role.AGENT, house="haidra"
    )


@pytest.mark.parametrize(
    "token",
    [
        provider_token(new_key()),
        provider_token(iss="https://elsewhere.example"),
        provider_token(aud="another-api"),
        provider_token(exp=datetime.now(tz=UTC) - timedelta(minutes=1)),
        provider_token(role="superuser"),
    ],
    ids=["other key", "other issuer", "other audience", "expired", "unknown role"],
)
def test_tokens_the_provider_did_not_issue_are_refused(service: TokenService, token: str) -> None:
    with pytest.raises(UnauthenticatedError):
        service.verify(token)


def test_development_tokens_are_refused_once_a_provider_is_configured(
    service: TokenService,
) -> None:
    development = TokenService(Settings(database_url="sqlite:///:memory:"))
    with pytest.raises(UnauthenticatedError):
        service.verify(development.mint("me", Role.ADMIN))


def test_a_deactivated_subject_is_refused_through_the_gate() -> None:
    class Deactivated:
        def refusal(self, principal: Principal) -> str | None:
            gone = principal.subject == "agent-gone"
            return "this account has been deactivated" if gone else None

    settings = Settings(database_url="sqlite:///:memory:")
    tokens = TokenService(settings, gate=Deactivated())
    assert tokens.verify(tokens.mint("agent-here", Role.AGENT)).subject == "agent-here"
    with pytest.raises(UnauthenticatedError, match="deactivated"):
        tokens.verify(tokens.mint("agent-gone", Role.AGENT))
