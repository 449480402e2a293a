"""The pages' login: OpenID Connect's authorization-code flow with PKCE, and development links.

- `GET /auth/login?next=/pages/…` draws a state, a nonce and a PKCE verifier, keeps them in a
  short-lived cookie (encrypted and signed with a key derived from DAR_TOKEN_SECRET, HttpOnly,
  SameSite=Lax, named after the state so that logins in several tabs do not overwrite each
  other), and sends the browser to the provider's authorization endpoint (from its discovery
  document) with the S256 challenge;
- `GET /auth/callback?code=…&state=…` finds that cookie by the state, exchanges the code and the
  verifier at the token endpoint (Authlib's OAuth 2 client, over httpx), checks the ID token's
  signature, issuer, audience (Dar's client id) and nonce, verifies the access token exactly as
  the API verifies a bearer token (`TokenService`), and sends the browser to
  `next#token=<token>`: the page keeps it (`sessionStorage`) and calls `/graphql` with it.

`next` is a path under `/pages/` of this Dar, nothing else (no open redirect). Every failure
answers a short page with the reason and a 400 (404 where no provider is configured).
In development, `dar token … --open` prints the same kind of link (`page_link`).
"""

from __future__ import annotations

import base64
import hmac
import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from html import escape
from typing import Any, Protocol
from urllib.parse import urlencode, urlsplit

import anyio.to_thread
import httpx
import jwt
from authlib.oauth2 import OAuth2Client, OAuth2Error  # type: ignore[import-untyped]
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.auth import OIDC_ALGORITHMS, TokenService, UnauthenticatedError
from application.store import Clock
from infrastructure.clock import SystemClock
from infrastructure.settings import Settings

LOGIN_SECONDS = 600  # from /auth/login to /auth/callback: a login left longer starts again
CLOCK_SKEW_SECONDS = 60
PROVIDER_TIMEOUT_SECONDS = 10.0
COOKIE_PREFIX = "dar_login_"
# a page of Dar: /pages/ then plain path segments (no dot, no percent, no backslash, no empty
# segment: nothing a browser could normalise to another path or host), then a plain query
_NEXT = re.compile(r"/pages/(?:[A-Za-z0-9_-]+(?:/[A-Za-z0-9_-]+)*/?)?(?:\?[A-Za-z0-9_.~=&%+-]*)?")
_STATE = re.compile(r"[A-Za-z0-9_-]{32,128}")
MAX_NEXT = 512


class LoginRefusedError(Exception):
    """A login that cannot go on: the browser gets the reason and this status."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def page_link(
    base_url: str, page: str, house: str | None, token: str, *, counter: int | None = None
) -> str:
    """The address of one of Dar's pages for the house of id `house`, the token in its fragment.

    The fragment never reaches a server; the page moves it into its session storage.
    """
    query: dict[str, str | int] = {"house": house} if house else {}  # governance: no house
    if counter is not None:
        query["counter"] = counter
    address = f"{base_url.rstrip('/')}/pages/{page}"
    return f"{address}?{urlencode(query)}#token={token}" if query else f"{address}#token={token}"


def local_page(next_page: str | None) -> str:
    """`next_page` when it is a path under /pages/ of this Dar; otherwise LoginRefusedError.

    An absolute address (`https://evil.example/`), a scheme-relative one (`//evil`), a path
    outside the pages (`/graphql`) or one a browser would rewrite (`/pages/../graphql`,
    `/pages/%2e%2e/`, backslashes) is refused.
    """
    if not next_page:
        raise LoginRefusedError("say which page to open after the login: ?next=/pages/…")
    if len(next_page) > MAX_NEXT or not _NEXT.fullmatch(next_page):
        raise LoginRefusedError("after the login Dar opens only its own pages (/pages/…)")
    return next_page


@dataclass(frozen=True)
class PendingLogin:
    """What the callback must find again: the secrets of one login, and where it goes."""

    state: str
    nonce: str
    verifier: str
    next_page: str


class LoginSeal:
    """Encrypts and signs a pending login for its cookie; opens it while it is fresh."""

    def __init__(self, secret: str) -> None:
        key = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"dar pages login cookie"
        ).derive(secret.encode())
        self._fernet = Fernet(base64.urlsafe_b64encode(key))

    def seal(self, pending: PendingLogin, at: datetime) -> str:
        """The cookie's value, stamped with the time it was made."""
        data = json.dumps(asdict(pending)).encode()
        return self._fernet.encrypt_at_time(data, int(at.timestamp())).decode()

    def open(self, sealed: str, now: datetime) -> PendingLogin:
        """The pending login in a cookie sealed less than LOGIN_SECONDS ago, or a refusal."""
        try:
            made = self._fernet.extract_timestamp(sealed.encode())
            age = now.timestamp() - made
            if not -CLOCK_SKEW_SECONDS <= age <= LOGIN_SECONDS:
                raise LoginRefusedError("this login has expired: start it again")
            return PendingLogin(**json.loads(self._fernet.decrypt(sealed.encode())))
        except (InvalidToken, ValueError, TypeError):
            raise LoginRefusedError("this login's cookie is not one Dar made") from None


class _ClientAuth(Protocol):
    """Authlib's client authentication: adds the client's credentials to a request."""

    def prepare(
        self, method: str, uri: str, headers: dict[str, str], body: str
    ) -> tuple[str, dict[str, str], str]:
        """The request's address, headers and body with the credentials."""
        ...


class _Session:
    """What Authlib's generic client posts through: httpx, with the client's authentication.

    (`client_secret_basic` with a secret, the client id in the body for a public client.)
    """

    def __init__(self, http: httpx.Client) -> None:
        self._http = http

    def post(
        self, url: str, *, data: dict[str, str], headers: Mapping[str, str], auth: _ClientAuth
    ) -> httpx.Response:
        """POST the form `data` to `url`, authenticated by `auth` (Authlib's ClientAuth)."""
        url, prepared, body = auth.prepare("POST", url, dict(headers), urlencode(data))
        return self._http.post(url, content=body, headers=prepared)


class Login:
    """The flow against the OpenID provider the API trusts (DAR_OIDC_*)."""

    def __init__(
        self,
        settings: Settings,
        tokens: TokenService,
        clock: Clock | None = None,
    ) -> None:
        self._settings = settings
        self._tokens = tokens
        self._clock = clock or SystemClock()
        self.seal = LoginSeal(settings.token_secret.get_secret_value())
        self._provider: dict[str, Any] | None = None
        jwks = settings.oidc_jwks_url
        self._jwks = jwt.PyJWKClient(jwks) if jwks else None

    @property
    def configured(self) -> bool:
        """A client id and a provider are set."""
        return bool(self._settings.oidc_client_id and self._settings.oidc_issuer)

    def now(self) -> datetime:
        """The clock's time (a login's age is measured with it)."""
        return self._clock.now()

    def _client(self, session: _Session | None = None) -> OAuth2Client:
        secret = self._settings.oidc_client_secret
        return OAuth2Client(
            session,
            client_id=self._settings.oidc_client_id,
            client_secret=secret.get_secret_value() if secret else None,
            scope="openid",
            redirect_uri=self._settings.oidc_callback_url,
            code_challenge_method="S256",
        )

    async def provider(self) -> dict[str, Any]:
        """The provider's discovery document (fetched once per process), checked for its issuer."""
        if self._provider is None:
            self._provider = await anyio.to_thread.run_sync(self._discover)
        return self._provider

    def _discover(self) -> dict[str, Any]:
        issuer = str(self._settings.oidc_issuer)
        url = f"{issuer.rstrip('/')}/.well-known/openid-configuration"
        try:
            with httpx.Client(timeout=PROVIDER_TIMEOUT_SECONDS) as http:
                answer = http.get(url)
                answer.raise_for_status()
                document = answer.json()
        except (httpx.HTTPError, ValueError):
            raise LoginRefusedError("the identity provider cannot be reached: try again") from None
        endpoints = ("authorization_endpoint", "token_endpoint")
        valid = isinstance(document, dict) and all(
            isinstance(document.get(name), str) for name in endpoints
        )
        if not valid or document.get("issuer") != issuer:
            raise LoginRefusedError("the identity provider's discovery document does not match")
        found: dict[str, Any] = document
        return found

    async def begin(self, next_param: str | None) -> tuple[str, PendingLogin]:
        """A new login towards `next_param`, if it is one of Dar's pages and a provider is set."""
        next_page = local_page(next_param)
        if not self.configured:
            raise LoginRefusedError(
                "no identity provider is configured here (DAR_OIDC_CLIENT_ID); "
                "in development, open the link printed by `dar token … --open`",
                status=404,
            )
        return await self.start(next_page)

    def pending(self, state: str, sealed: str | None) -> PendingLogin:
        """The login the provider returns to: the cookie named after its state, fresh and whole."""
        if sealed is None:
            raise LoginRefusedError(
                "this login is unknown to this browser (wrong state, or already finished): "
                "start it again"
            )
        pending = self.seal.open(sealed, self.now())
        if not hmac.compare_digest(pending.state, state):
            raise LoginRefusedError("this login's state does not match: start it again")
        local_page(pending.next_page)
        return pending

    async def callback(self, pending: PendingLogin, params: Mapping[str, str]) -> str:
        """The token for the page, from the provider's answer to this login."""
        if "error" in params:
            reason = _plain(params.get("error_description") or params["error"])
            raise LoginRefusedError(f"the identity provider refused the login: {reason}")
        code = params.get("code")
        if not code:
            raise LoginRefusedError("the identity provider returned no code")
        return await self.finish(pending, code)

    async def start(self, next_page: str) -> tuple[str, PendingLogin]:
        """The provider's authorization address for a new login, and what the callback needs."""
        provider = await self.provider()
        pending = PendingLogin(
            state=secrets.token_urlsafe(32),
            nonce=secrets.token_urlsafe(32),
            verifier=secrets.token_urlsafe(64),  # 86 characters: RFC 7636 asks 43 to 128
            next_page=next_page,
        )
        url, _ = self._client().create_authorization_url(
            provider["authorization_endpoint"],
            state=pending.state,
            nonce=pending.nonce,
            code_verifier=pending.verifier,
        )
        return str(url), pending

    async def finish(self, pending: PendingLogin, code: str) -> str:
        """The token the API accepts, from the code of this login; or LoginRefusedError."""
        provider = await self.provider()
        endpoint = str(provider["token_endpoint"])
        answer = await anyio.to_thread.run_sync(self._exchange, endpoint, code, pending.verifier)
        await self._check_id_token(answer.get("id_token"), pending.nonce)
        return await self._accepted(answer.get("access_token"), answer.get("id_token"))

    def _exchange(self, endpoint: str, code: str, verifier: str) -> dict[str, Any]:
        """The token endpoint's answer to the code and the PKCE verifier (RFC 7636)."""
        try:
            with httpx.Client(timeout=PROVIDER_TIMEOUT_SECONDS) as http:
                answer = self._client(_Session(http)).fetch_token(
                    endpoint, grant_type="authorization_code", code=code, code_verifier=verifier
                )
        except OAuth2Error as error:
            reason = _plain(f"{error.error}: {error.description}" if error.description else "")
            raise LoginRefusedError(
                f"the identity provider refused the code ({reason or error.error})"
            ) from None
        except (httpx.HTTPError, ValueError):
            raise LoginRefusedError("the exchange with the identity provider failed") from None
        return dict(answer)

    async def _check_id_token(self, id_token: object, nonce: str) -> None:
        """The ID token is the provider's, for Dar's client, and of this login (its nonce)."""
        if not isinstance(id_token, str) or self._jwks is None:
            raise LoginRefusedError("the identity provider returned no ID token")
        jwks = self._jwks
        try:
            key = await anyio.to_thread.run_sync(jwks.get_signing_key_from_jwt, id_token)
            claims = jwt.decode(
                id_token,
                key,
                algorithms=OIDC_ALGORITHMS,
                audience=self._settings.oidc_client_id,
                issuer=self._settings.oidc_issuer,
                options={"require": ["exp", "iat", "sub", "iss", "aud", "nonce"]},
            )
        except (jwt.PyJWTError, ValueError, TypeError) as error:
            raise LoginRefusedError(
                f"the ID token does not verify ({_plain(str(error))})"
            ) from None
        if not hmac.compare_digest(str(claims["nonce"]), nonce):
            raise LoginRefusedError("the ID token is not of this login (nonce)")

    async def _accepted(self, access_token: object, id_token: object) -> str:
        """The first of the access token and the ID token that the API accepts as a bearer."""
        refusal = "the identity provider returned no access token"
        for candidate in (access_token, id_token):
            if not isinstance(candidate, str):
                continue
            try:
                await self._tokens.verified(candidate)
            except UnauthenticatedError as error:
                refusal = refusal if candidate is id_token else error.message
                continue
            return candidate
        raise LoginRefusedError(f"Dar does not accept the provider's token: {refusal}")


def _plain(text: str, limit: int = 200) -> str:
    """Text from the provider fit for a short page: printable, bounded."""
    return "".join(c for c in text if c.isprintable())[:limit]


def refusal_page(error: LoginRefusedError, next_page: str | None = None) -> HTMLResponse:
    """The short page of a login that cannot go on: why, and a link to start again."""
    again = ""
    if next_page is not None:
        href = escape("/auth/login?" + urlencode({"next": next_page}))
        again = f'<p><a href="{href}">Recommencer — إعادة المحاولة</a></p>'
    body = f"""<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Dar — connexion</title></head>
<body>
<h1>Connexion impossible — <span lang="ar" dir="rtl">تعذّر الدخول</span></h1>
<p>{escape(error.message)}</p>
{again}
</body></html>
"""
    return HTMLResponse(body, status_code=error.status)


def add_login(app: FastAPI, settings: Settings, tokens: TokenService) -> Login:
    """The routes /auth/login and /auth/callback on the app."""
    login = Login(settings, tokens)
    callback = urlsplit(settings.oidc_callback_url)
    prefix = urlsplit(settings.public_base_url).path.rstrip("/")
    secure = callback.scheme == "https"

    @app.get("/auth/login", include_in_schema=False)
    async def start_login(request: Request) -> Response:
        try:
            url, pending = await login.begin(request.query_params.get("next"))
        except LoginRefusedError as error:
            return refusal_page(error)
        answer = RedirectResponse(url, status_code=303)
        answer.set_cookie(
            COOKIE_PREFIX + pending.state,
            login.seal.seal(pending, login.now()),
            max_age=LOGIN_SECONDS,
            path=callback.path,
            secure=secure,
            httponly=True,
            samesite="lax",
        )
        return answer

    @app.get("/auth/callback", include_in_schema=False)
    async def finish_login(request: Request) -> Response:
        state = request.query_params.get("state") or ""
        named = _STATE.fullmatch(state) is not None
        sealed = request.cookies.get(COOKIE_PREFIX + state) if named else None
        next_page: str | None = None
        try:
            pending = login.pending(state, sealed)
            next_page = pending.next_page
            token = await login.callback(pending, request.query_params)
        except LoginRefusedError as error:
            answer: Response = refusal_page(error, next_page)
        else:
            answer = RedirectResponse(f"{prefix}{next_page}#token={token}", status_code=303)
        if named:  # a login is finished once, well or not
            answer.delete_cookie(
                COOKIE_PREFIX + state, path=callback.path, secure=secure, httponly=True
            )
        return answer

    return login
