"""The pages' login: the OpenID Connect code flow with PKCE against a provider served here.

The provider is a small FastAPI app on a real local port (uvicorn in a thread): discovery, JWKS,
an authorization endpoint that consents at once, and a token endpoint that checks the PKCE
verifier against the S256 challenge, refuses a code used twice and signs what the API trusts.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import jwt
import pytest
import uvicorn
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.testclient import TestClient
from jwt.algorithms import RSAAlgorithm
from pydantic import SecretStr
from typer.testing import CliRunner

from api.auth import Role
from api.cli import app as cli
from api.http import create_app
from api.login import COOKIE_PREFIX, LOGIN_SECONDS, LoginSeal, PendingLogin
from domain.houses.house import house_id
from infrastructure.settings import Settings
from tests.support.api import free_port, graphql
from tests.support.staff import HOUSE, staff_token

HOUSE_ID = str(house_id(HOUSE))

CLIENT_ID = "dar-pages"
CLIENT_SECRET = "provider-issued-client-secret"  # noqa: S105 - the test provider's
AUDIENCE = "dar-api"
CALLBACK = "http://testserver/auth/callback"
SIGNING_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
QUEUE = "query($h: ID!) { queue(houseId: $h) { houseId } }"


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@dataclass
class Provider:
    """A minimal OpenID provider: who logs in, and what it remembers of each code."""

    issuer: str
    user: dict[str, str] = field(default_factory=lambda: {"sub": "ops", "role": "admin"})
    nonce: str | None = None  # set: the ID token carries this nonce instead of the login's
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)

    def signed(self, **claims: object) -> str:
        now = datetime.now(tz=UTC)
        body = {"iss": self.issuer, "iat": now, "exp": now + timedelta(minutes=5), **claims}
        return jwt.encode(body, SIGNING_KEY, algorithm="RS256", headers={"kid": "k1"})

    def exchange(self, form: dict[str, str], authorization: str) -> JSONResponse:
        """The token endpoint: a code once, for the verifier of its challenge (S256)."""
        client_id = form.get("client_id")
        if authorization.startswith("Basic "):  # a confidential client: its id and secret
            client_id, _, secret = base64.b64decode(authorization[6:]).decode().partition(":")
            if secret != CLIENT_SECRET:
                return JSONResponse({"error": "invalid_client"}, 401)
        code = form.get("code", "")
        grant = self.codes.get(code)
        if grant is None or code in self.used:
            return refuse("the code is unknown or was used already")
        self.used.add(code)
        if form.get("grant_type") != "authorization_code" or client_id != CLIENT_ID:
            return refuse("wrong grant or client")
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return refuse("the redirect_uri differs from the authorization request's")
        if s256(form.get("code_verifier", "")) != grant["code_challenge"]:
            return refuse("the PKCE verifier does not match the challenge")
        nonce = self.nonce or grant["nonce"]
        return JSONResponse(
            {
                "token_type": "Bearer",
                "expires_in": 300,
                "access_token": self.signed(aud=AUDIENCE, **self.user),
                "id_token": self.signed(aud=CLIENT_ID, sub=self.user["sub"], nonce=nonce),
            }
        )

    def app(self) -> FastAPI:
        app = FastAPI()
        public = json.loads(RSAAlgorithm.to_jwk(SIGNING_KEY.public_key()))

        @app.get("/.well-known/openid-configuration")
        async def discovery() -> dict[str, object]:
            return {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks.json",
                "response_types_supported": ["code"],
                "code_challenge_methods_supported": ["S256"],
            }

        @app.get("/jwks.json")
        async def jwks() -> dict[str, object]:
            return {"keys": [{**public, "kid": "k1", "use": "sig", "alg": "RS256"}]}

        @app.get("/authorize")
        async def authorize(request: Request) -> Response:
            asked = request.query_params
            expected = {"response_type": "code", "client_id": CLIENT_ID}
            expected |= {"redirect_uri": CALLBACK, "code_challenge_method": "S256"}
            if any(asked.get(k) != v for k, v in expected.items()) or "openid" not in asked.get(
                "scope", ""
            ):
                return JSONResponse({"error": "invalid_request"}, 400)
            code = secrets.token_urlsafe(16)
            self.codes[code] = {k: asked[k] for k in ("code_challenge", "nonce", "redirect_uri")}
            back = urlencode({"code": code, "state": asked["state"]})
            return RedirectResponse(f"{CALLBACK}?{back}", status_code=302)

        @app.post("/token")
        async def token(request: Request) -> Response:
            form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
            return self.exchange(form, request.headers.get("authorization", ""))

        return app


def refuse(description: str) -> JSONResponse:
    return JSONResponse({"error": "invalid_grant", "error_description": description}, 400)


@pytest.fixture(scope="module")
def served() -> Iterator[Provider]:
    port = free_port()
    provider = Provider(issuer=f"http://127.0.0.1:{port}")
    config = uvicorn.Config(provider.app(), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "the test provider did not start"
    yield provider
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def provider(served: Provider) -> Iterator[Provider]:
    yield served
    served.user = {"sub": "ops", "role": "admin"}
    served.nonce = None


def login_settings(settings: Settings, provider: Provider) -> Settings:
    return settings.model_copy(
        update={
            "oidc_issuer": provider.issuer,
            "oidc_jwks_url": f"{provider.issuer}/jwks.json",
            "oidc_audience": AUDIENCE,
            "oidc_client_id": CLIENT_ID,
            "public_url": "http://testserver",
        }
    )


@pytest.fixture
def dar_settings(sqlite_settings: Settings, provider: Provider) -> Settings:
    return login_settings(sqlite_settings, provider)


@pytest.fixture
def client(dar_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(dar_settings)) as test_client:
        yield test_client


@dataclass
class Authorized:
    """The provider sent the browser back: the callback's address and the login's cookie."""

    callback: str
    state: str
    cookie: str

    def sent(
        self, client: TestClient, *, state: str | None = None, cookie: str | None = None
    ) -> httpx.Response:
        """The browser following the provider's redirect (with this login's cookie)."""
        client.cookies.clear()
        query = parse_qs(urlsplit(self.callback).query)
        query["state"] = [state or self.state]
        header = f"{COOKIE_PREFIX}{self.state}={cookie or self.cookie}"
        answer: httpx.Response = client.get(
            f"/auth/callback?{urlencode(query, doseq=True)}",
            headers={"Cookie": header},
            follow_redirects=False,
        )
        return answer


def authorized(
    client: TestClient, next_page: str = f"/pages/counter?house={HOUSE_ID}"
) -> Authorized:
    """Open /auth/login, then let the provider consent: where it sends the browser back."""
    start = client.get("/auth/login", params={"next": next_page}, follow_redirects=False)
    assert start.status_code == 303, start.text
    to_provider = start.headers["location"]
    state = parse_qs(urlsplit(to_provider).query)["state"][0]
    cookie = start.cookies[COOKIE_PREFIX + state]
    back = httpx.get(to_provider, follow_redirects=False)
    assert back.status_code == 302, back.text
    assert back.headers["location"].startswith(CALLBACK)
    return Authorized(back.headers["location"], state, cookie)


def landed_token(answer: httpx.Response, page: str) -> str:
    """The token in the fragment of the page the callback sends the browser to."""
    assert answer.status_code == 303, answer.text
    location = answer.headers["location"]
    assert location.startswith(f"{page}#token="), location
    return location.split("#token=", 1)[1]


def assert_refused(answer: httpx.Response, reason: str) -> None:
    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    assert reason in html.unescape(answer.text), answer.text
    assert "Traceback" not in answer.text
    assert "location" not in answer.headers


def test_a_login_lands_on_the_page_with_a_token_the_api_accepts(
    store_settings: Settings, provider: Provider
) -> None:
    settings = login_settings(store_settings, provider)
    app = create_app(settings)
    with TestClient(app) as client:
        staff_token(app.state.dar, settings, Role.SUPERVISOR)  # enrols T-SUPERVISOR
        provider.user = {"sub": "T-SUPERVISOR", "role": "supervisor", "house": HOUSE}
        page = f"/pages/supervisor?house={HOUSE_ID}"
        token = landed_token(authorized(client, page).sent(client), page)
        body = graphql(client, QUEUE, {"h": HOUSE_ID}, token=token)
        assert body.get("errors") is None, body
        assert body["data"]["queue"]["houseId"] == HOUSE_ID
        other = graphql(client, QUEUE, {"h": str(house_id("kasserine"))}, token=token)
        assert other["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def confidential(settings: Settings, secret: str) -> TestClient:
    return TestClient(
        create_app(settings.model_copy(update={"oidc_client_secret": SecretStr(secret)}))
    )


def test_a_confidential_client_exchanges_the_code_with_its_secret(dar_settings: Settings) -> None:
    with confidential(dar_settings, CLIENT_SECRET) as client:
        token = landed_token(authorized(client, "/pages/display").sent(client), "/pages/display")
        assert graphql(client, "{ houses { code } }", token=token).get("errors") is None


def test_a_confidential_client_with_the_wrong_secret_is_refused(dar_settings: Settings) -> None:
    with confidential(dar_settings, "not-the-secret") as client:
        answer = authorized(client, "/pages/display").sent(client)
    assert_refused(answer, "the identity provider refused the code (invalid_client)")


def test_the_login_cookie_is_http_only_same_site_lax_and_short_lived(client: TestClient) -> None:
    start = client.get("/auth/login", params={"next": "/pages/display"}, follow_redirects=False)
    cookie = start.headers["set-cookie"].lower()
    assert cookie.startswith(COOKIE_PREFIX)
    for attribute in (
        "httponly",
        "samesite=lax",
        f"max-age={LOGIN_SECONDS}",
        "path=/auth/callback",
    ):
        assert attribute in cookie, cookie
    to_provider = parse_qs(urlsplit(start.headers["location"]).query)
    assert to_provider["code_challenge_method"] == ["S256"]
    assert len(to_provider["code_challenge"][0]) == 43  # base64url of a SHA-256, no padding
    assert to_provider["nonce"][0]


def test_a_code_comes_back_with_a_state_this_browser_did_not_start(client: TestClient) -> None:
    back = authorized(client)
    assert_refused(back.sent(client, state=secrets.token_urlsafe(32)), "unknown to this browser")


def test_a_replayed_code_is_refused_by_the_provider_and_dar_says_so(client: TestClient) -> None:
    back = authorized(client)
    landed_token(back.sent(client), f"/pages/counter?house={HOUSE_ID}")
    assert_refused(back.sent(client), "the identity provider refused the code")


def test_a_tampered_verifier_does_not_exchange_the_code(
    client: TestClient, dar_settings: Settings
) -> None:
    back = authorized(client)
    seal = LoginSeal(dar_settings.token_secret.get_secret_value())
    pending = seal.open(back.cookie, datetime.now(tz=UTC))
    forged = PendingLogin(
        pending.state, pending.nonce, secrets.token_urlsafe(64), pending.next_page
    )
    answer = back.sent(client, cookie=seal.seal(forged, datetime.now(tz=UTC)))
    assert_refused(answer, "the PKCE verifier does not match the challenge")


def test_a_login_cookie_dar_did_not_seal_is_refused(client: TestClient) -> None:
    back = authorized(client)
    tampered = back.cookie[:-6] + ("AAAAAA" if not back.cookie.endswith("AAAAAA") else "BBBBBB")
    assert_refused(back.sent(client, cookie=tampered), "not one Dar made")
    other_key = LoginSeal(secrets.token_urlsafe(32))
    forged = other_key.seal(
        PendingLogin(back.state, "n", "v" * 43, "/pages/display"), datetime.now(tz=UTC)
    )
    assert_refused(back.sent(client, cookie=forged), "not one Dar made")


def test_a_login_left_longer_than_its_time_has_expired(
    client: TestClient, dar_settings: Settings
) -> None:
    back = authorized(client)
    seal = LoginSeal(dar_settings.token_secret.get_secret_value())
    pending = seal.open(back.cookie, datetime.now(tz=UTC))
    long_ago = datetime.now(tz=UTC) - timedelta(seconds=LOGIN_SECONDS + 60)
    assert_refused(back.sent(client, cookie=seal.seal(pending, long_ago)), "expired")


def test_an_id_token_of_another_login_is_refused(client: TestClient, provider: Provider) -> None:
    provider.nonce = "another-login"
    assert_refused(authorized(client).sent(client), "not of this login")


def test_a_provider_token_the_api_would_refuse_opens_no_page(
    client: TestClient, provider: Provider
) -> None:
    provider.user = {"sub": "A99", "role": "agent", "house": HOUSE}  # never enrolled
    assert_refused(authorized(client).sent(client), "Dar does not accept the provider's token")


def test_the_provider_refusing_the_login_is_said_plainly(client: TestClient) -> None:
    back = authorized(client)
    query = {"error": "access_denied", "error_description": "the user said no", "state": back.state}
    client.cookies.clear()
    answer = client.get(
        f"/auth/callback?{urlencode(query)}",
        headers={"Cookie": f"{COOKIE_PREFIX}{back.state}={back.cookie}"},
        follow_redirects=False,
    )
    assert_refused(answer, "the identity provider refused the login: the user said no")


@pytest.mark.parametrize(
    "next_page",
    [
        "https://evil.example/",
        "//evil",
        "/graphql",
        "/pages/../graphql",
        "/pages/%2e%2e/graphql",
        "/pages/\\evil",
        "/pages//evil",
        "/pagesx",
        "",
    ],
)
def test_a_next_page_outside_the_pages_is_refused(client: TestClient, next_page: str) -> None:
    answer = client.get("/auth/login", params={"next": next_page}, follow_redirects=False)
    assert answer.status_code == 400, answer.text
    assert "location" not in answer.headers
    assert "set-cookie" not in answer.headers


@pytest.mark.parametrize(
    "query",
    [
        "",
        "code=x",
        "state=x&code=y",
        f"state={'a' * 43}&code=y",
        "state=%00%0d%0a&code=y",
        "error=access_denied",
    ],
)
def test_a_callback_without_its_login_is_a_400_never_a_500(client: TestClient, query: str) -> None:
    assert_refused(client.get(f"/auth/callback?{query}", follow_redirects=False), "start it again")


def test_without_a_client_id_the_login_points_to_development_links(
    sqlite_settings: Settings,
) -> None:
    with TestClient(create_app(sqlite_settings)) as client:
        answer = client.get("/auth/login", params={"next": "/pages/counter"})
    assert answer.status_code == 404
    assert "dar token" in answer.text


def test_dar_token_open_prints_a_link_to_the_page_with_a_working_token(
    sqlite_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    monkeypatch.setattr("webbrowser.open", opened.append)
    environment = {
        "DAR_DATABASE_URL": sqlite_settings.database_url,
        "DAR_TOKEN_SECRET": sqlite_settings.token_secret.get_secret_value(),
        "DAR_PUBLIC_URL": None,
        "DAR_ENVIRONMENT": "development",
        "DISPLAY": ":0",
    }
    arguments = ["token", "--role", "supervisor", "--house", HOUSE, "--subject", "T-SUPERVISOR"]
    arguments += ["--open", "--page", "supervisor"]
    result = CliRunner().invoke(cli, arguments, env=environment)
    assert result.exit_code == 0, result.output
    link = result.output.strip()
    match = re.fullmatch(
        rf"http://127\.0\.0\.1:8000/pages/supervisor\?house={HOUSE_ID}#token=(\S+)", link
    )
    assert match, link
    assert opened == [link]
    app = create_app(sqlite_settings)
    with TestClient(app) as client:
        staff_token(app.state.dar, sqlite_settings, Role.SUPERVISOR)
        body = graphql(client, QUEUE, {"h": HOUSE_ID}, token=match[1])
    assert body.get("errors") is None, body


def test_dar_token_open_takes_the_counter_and_another_base_url() -> None:
    arguments = ["token", "--role", "agent", "--house", HOUSE, "--subject", "A17", "--open"]
    arguments += ["--counter", "3", "--base-url", "https://dar.example.tn/"]
    result = CliRunner().invoke(cli, arguments, env={"DISPLAY": None, "WAYLAND_DISPLAY": None})
    assert result.exit_code == 0, result.output
    assert result.output.startswith(
        f"https://dar.example.tn/pages/counter?house={HOUSE_ID}&counter=3#token="
    ), result.output


def test_dar_token_open_needs_a_house() -> None:
    result = CliRunner().invoke(cli, ["token", "--role", "admin", "--open"])
    assert result.exit_code != 0
    assert "--house" in result.output


def test_dar_token_open_links_the_governance_page_without_a_house() -> None:
    arguments = ["token", "--role", "governance", "--open", "--page", "governance"]
    arguments += ["--base-url", "https://dar.example.tn"]
    result = CliRunner().invoke(cli, arguments, env={"DISPLAY": None, "WAYLAND_DISPLAY": None})
    assert result.exit_code == 0, result.output
    assert re.fullmatch(
        r"https://dar\.example\.tn/pages/governance#token=\S+", result.output.strip()
    )


def test_an_unreachable_provider_is_said_plainly(sqlite_settings: Settings) -> None:
    nowhere = Provider(issuer=f"http://127.0.0.1:{free_port()}")
    with TestClient(create_app(login_settings(sqlite_settings, nowhere))) as client:
        answer = client.get(
            "/auth/login", params={"next": "/pages/display"}, follow_redirects=False
        )
    assert_refused(answer, "the identity provider cannot be reached")


def test_a_client_id_without_the_provider_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="DAR_OIDC_CLIENT_ID needs the provider"):
        Settings(database_url="sqlite:///:memory:", oidc_client_id=CLIENT_ID)
