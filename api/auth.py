"""Who is calling: signed bearer tokens (Dar's own in development, an OpenID provider's later)."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

import anyio.to_thread
import jwt

from api.textpolicy import clean
from application.store import Clock
from domain.shared.errors import DarError, ValidationError
from infrastructure.clock import SystemClock
from infrastructure.settings import Settings

ALGORITHM = "HS256"
OIDC_ALGORITHMS = ["RS256", "ES256"]


class Role(StrEnum):
    """What a caller may do; each operation documents the roles it admits."""

    AGENT = "agent"
    SUPERVISOR = "supervisor"
    AUDITOR = "auditor"
    GOVERNANCE = "governance"
    ADMIN = "admin"
    PARTNER = "partner"
    VOLUNTEER = "volunteer"


# House staff: they see and act only in their own house.
STAFF = frozenset({Role.AGENT, Role.SUPERVISOR})


class UnauthenticatedError(DarError):
    """No valid token: missing, malformed, expired, wrongly signed or of a deactivated subject."""

    code = "UNAUTHENTICATED"


@dataclass(frozen=True)
class Principal:
    """An authenticated caller."""

    subject: str
    role: Role
    house: str | None = None
    partner: str | None = None
    expires_at: datetime | None = field(default=None, compare=False)

    @property
    def actor(self) -> str:
        """How events name this caller."""
        return f"{self.role.value}:{self.subject}"


class SubjectGate(Protocol):
    """Refuses tokens of subjects never enrolled, or deactivated since the token was issued."""

    def refusal(self, principal: Principal) -> str | None:
        """Why the subject may not act (what is true of it), or None when it may."""
        ...


class EveryoneActive:
    """The gate without a directory (tests, tools): every named subject is active."""

    def refusal(self, principal: Principal) -> str | None:
        """Only a token without a subject is refused."""
        return None if principal.subject else "the token names no subject"


VERIFIED_TOKENS = 1024  # tokens whose signature is remembered as verified, per process


class TokenService:
    """Mints development tokens and verifies bearer tokens.

    Token times are wall-clock times (the JWT library checks `exp` against the system's own
    clock), so the clock is the system's unless a tool injects another.
    """

    def __init__(
        self, settings: Settings, gate: SubjectGate | None = None, clock: Clock | None = None
    ) -> None:
        self._settings = settings
        self._gate = gate or EveryoneActive()
        self._clock = clock or SystemClock()
        self._jwks = jwt.PyJWKClient(settings.oidc_jwks_url) if settings.oidc_jwks_url else None
        # a locally signed token verified once stays verified: its expiry and the gate are still
        # checked on every use (`recheck`); only the signature and the claims' parsing are saved
        self._signed_locally = functools.lru_cache(maxsize=VERIFIED_TOKENS)(self._signed)

    def mint(
        self,
        subject: str,
        role: Role,
        *,
        house: str | None = None,
        partner: str | None = None,
        ttl: timedelta | None = None,
    ) -> str:
        """A token signed with the token secret (development and tests)."""
        now = self._clock.now()
        claims: dict[str, Any] = {
            "sub": subject,
            "role": role.value,
            "iss": self._settings.token_issuer,
            "aud": self._settings.token_audience,
            "iat": now,
            "exp": now + (ttl or timedelta(minutes=self._settings.token_ttl_minutes)),
        }
        if house:
            claims["house"] = house
        if partner:
            claims["partner"] = partner
        secret = self._settings.token_secret.get_secret_value()
        return jwt.encode(claims, secret, algorithm=ALGORITHM)

    def verify(self, token: str) -> Principal:
        """The principal of a valid token, or UnauthenticatedError."""
        principal = self._signed(token) if self._jwks is not None else self._signed_locally(token)
        self.recheck(principal)
        return principal

    async def verified(self, token: str) -> Principal:
        """`verify`, on a worker thread only where it may wait.

        A key set fetched from the OpenID provider may block, and the gate reads the store for
        house staff (`api.gates`); a locally signed token of another role is checked by CPU
        alone, on the event loop: a thread hand-off would cost more than the check.
        """
        if self._jwks is not None:
            return await anyio.to_thread.run_sync(self.verify, token)
        principal = self._signed_locally(token)
        if principal.role in STAFF or principal.role is Role.VOLUNTEER:
            await anyio.to_thread.run_sync(self.recheck, principal)
        else:
            self.recheck(principal)
        return principal

    def _signed(self, token: str) -> Principal:
        try:
            claims = self._decode(token)
        except jwt.PyJWTError as error:
            raise UnauthenticatedError(f"invalid token: {error}") from error
        except (ValueError, TypeError, OverflowError) as error:  # malformed beyond what PyJWT types
            raise UnauthenticatedError("invalid token: malformed") from error
        return _principal(claims)

    def recheck(self, principal: Principal) -> None:
        """Refuse a principal whose token has expired or whose subject was deactivated since.

        A WebSocket outlives its token: every operation on it is checked again.
        """
        if principal.expires_at is not None and self._clock.now() >= principal.expires_at:
            raise UnauthenticatedError("the token has expired")
        refusal = self._gate.refusal(principal)
        if refusal is not None:
            raise UnauthenticatedError(refusal)

    def _decode(self, token: str) -> dict[str, Any]:
        required: jwt.types.Options = {"require": ["exp", "iat", "sub", "role", "iss", "aud"]}
        settings = self._settings
        key: jwt.PyJWK | str
        if self._jwks is not None:
            key, algorithms = self._jwks.get_signing_key_from_jwt(token), OIDC_ALGORITHMS
            audience, issuer = settings.oidc_audience, settings.oidc_issuer
        else:
            key, algorithms = settings.token_secret.get_secret_value(), [ALGORITHM]
            audience, issuer = settings.token_audience, settings.token_issuer
        return jwt.decode(
            token, key, algorithms=algorithms, audience=audience, issuer=issuer, options=required
        )


def _principal(claims: dict[str, Any]) -> Principal:
    try:
        role = Role(str(claims["role"]))
    except ValueError:
        raise UnauthenticatedError(f"unknown role {claims['role']!r}") from None
    house = claims.get("house")
    partner = claims.get("partner")
    if role is Role.PARTNER and not partner:
        raise UnauthenticatedError("a partner token must name its partner")
    return Principal(
        subject=_claimed("sub", claims["sub"]),
        role=role,
        house=_claimed("house", house) if house else None,
        partner=_claimed("partner", partner) if partner else None,
        expires_at=_expiry(claims["exp"]),
    )


def _claimed(claim: str, value: object) -> str:
    """A text claim under the text policy (no NUL, no control character, in NFC), or refused.

    The subject names an agent and lands in every event's `actor` and in the logs: a token
    carrying what the API refuses as text is an invalid token, not a caller.
    """
    try:
        return clean(claim, str(value))
    except ValidationError as error:
        raise UnauthenticatedError(f"invalid token: claim {error.message}") from None


def _expiry(exp: object) -> datetime:
    """When the token expires; an `exp` no calendar can hold (10^18) is an invalid token."""
    if isinstance(exp, int | float):
        try:
            return datetime.fromtimestamp(exp, tz=UTC)
        except (OverflowError, OSError, ValueError):
            pass
    raise UnauthenticatedError("invalid token: the expiry is out of range")


def bearer(header: str | None) -> str | None:
    """The token in an `Authorization: Bearer …` header; any other form is refused.

    No header is no credential (None); `Basic …`, `Token …`, a bare `Bearer` or a token with
    spaces in it are credentials that do not verify (UnauthenticatedError).
    """
    if header is None or not header.strip():
        return None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        raise UnauthenticatedError("use an 'Authorization: Bearer <token>' header")
    return token
