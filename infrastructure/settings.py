"""Dar's settings, read from `DAR_`-prefixed environment variables."""

from __future__ import annotations

import base64
import itertools
import math
import re
from collections import Counter
from enum import StrEnum
from pathlib import Path

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Environment(StrEnum):
    """Development relaxes nothing about data; it only enables developer tools."""

    DEVELOPMENT = "development"
    PRODUCTION = "production"


DEFAULT_VAR = Path("var")
MIN_SECRET_BYTES = 32
MIN_SECRET_BITS = 80
MIN_SECRET_DISTINCT = 10
MAX_SECRET_RUN = 8  # random hex has such a run about once in 2.5 million secrets
_HEX = re.compile(r"(?:[0-9a-fA-F]{2})+")
_BASE64 = re.compile(r"[A-Za-z0-9+/]+={0,2}|[A-Za-z0-9_-]+={0,2}")


def estimated_bits(secret: str) -> float:
    """A cautious estimate of a secret's entropy in bits.

    Its length times the Shannon entropy per character of its own character frequencies
    (`"x"*40` has none; 32 random hex digits about 115).
    """
    counts = Counter(secret).values()
    per_char = -sum(n / len(secret) * math.log2(n / len(secret)) for n in counts)
    return len(secret) * per_char


def secret_bytes(secret: str) -> bytes | None:
    """The bytes a secret encodes as hex or base64 (standard or URL-safe, padded or not)."""
    if _HEX.fullmatch(secret):
        return bytes.fromhex(secret)
    if not _BASE64.fullmatch(secret):
        return None
    text = secret.rstrip("=").replace("+", "-").replace("/", "_")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except ValueError:  # binascii.Error: a length no encoding gives
        return None


def longest_run(secret: str) -> int:
    """The longest stretch of characters each one code point above (or below) the one before."""
    steps = [ord(after) - ord(before) for before, after in itertools.pairwise(secret)]
    longest = run = min(len(secret), 1)
    for previous, step in zip((0, *steps), steps, strict=False):
        run = 1 if step not in {1, -1} else run + 1 if step == previous else 2
        longest = max(longest, run)
    return longest


def thrice_repeated_piece(secret: str, size: int = 5) -> str | None:
    """A piece of `size` characters the secret holds three times or more (`change-me-` 3 times)."""
    pieces = Counter(secret[i : i + size] for i in range(len(secret) - size + 1))
    return next((piece for piece, n in pieces.items() if n >= 3), None)


def secret_weakness(secret: str) -> str | None:
    """Why a production secret is too weak, or None.

    Dar's secrets are machine keys (the tokens' HMAC key, the master key, the gateway's shared
    key), never typed by a person: the rule asks for what a generator gives. At least 32 random
    bytes (256 bits, the HS256 key size RFC 7518 requires), written as hex or base64 — what
    `python -c "import secrets; print(secrets.token_urlsafe(32))"` prints — and, as written: 10
    distinct characters, not one shorter piece repeated (`"abcdefghij"*4`), an estimated 80 bits
    (see `estimated_bits`), no run of 8 consecutive characters (`abcdefgh`, `98765432`), no piece
    of 5 characters three times (`password`). No local check can prove a secret random; these
    refuse the phrases and patterns people choose.
    """
    decoded = secret_bytes(secret)
    if decoded is None:
        return "not random bytes written as hex or base64"
    if len(decoded) < MIN_SECRET_BYTES:
        return f"{len(decoded)} bytes, under {MIN_SECRET_BYTES} random bytes"
    checks = (
        (
            len(set(secret)) < MIN_SECRET_DISTINCT,
            f"fewer than {MIN_SECRET_DISTINCT} distinct characters",
        ),
        (secret in (secret + secret)[1:-1], "a shorter piece repeated"),
        (
            estimated_bits(secret) < MIN_SECRET_BITS,
            f"under an estimated {MIN_SECRET_BITS} bits of entropy",
        ),
        (
            longest_run(secret) >= MAX_SECRET_RUN,
            f"a run of {MAX_SECRET_RUN} or more consecutive characters",
        ),
        (thrice_repeated_piece(secret) is not None, "a piece repeated three times"),
    )
    return next((why for weak, why in checks if weak), None)


class Settings(BaseSettings):
    """Configuration of one Dar process.

    The default runs on an embedded SQLite file under `./var/`. In production set
    `DAR_DATABASE_URL=postgresql://dar_app:…@host/dar` and the secrets.
    """

    model_config = SettingsConfigDict(env_prefix="DAR_", extra="forbid", frozen=True)

    environment: Environment = Environment.DEVELOPMENT
    database_url: str = Field(
        default=f"sqlite:///{DEFAULT_VAR}/dar.sqlite",
        description="sqlite:///path or postgresql://user:password@host:port/database",
    )
    owner_database_url: str | None = Field(
        default=None, description="PostgreSQL: the owner role (`dar db setup`, `dar vault vacuum`)"
    )
    projector_database_url: str | None = Field(
        default=None, description="PostgreSQL: the projector role that owns the read models"
    )
    token_secret: SecretStr = SecretStr("development-token-secret-change-me")
    master_key: SecretStr = SecretStr("development-master-key-change-me")
    retired_master_keys: SecretStr = Field(
        default=SecretStr(""),
        description="during a rotation: the old master keys, comma-separated",
    )
    settle_every_seconds: float = Field(
        default=60, ge=0, description="how often pending gateway payments are swept (0: never)"
    )
    settle_after_seconds: float = Field(
        default=300, ge=0, description="how long a gateway payment waits before a status query"
    )
    abandon_after_seconds: float = Field(
        default=1800, ge=60, description="a card payment never paid is cancelled after this long"
    )
    gateway_secret: SecretStr = Field(
        default=SecretStr("development-gateway-secret-change-me"),
        description="the key the payment gateway signs its callbacks with",
    )
    partner_endpoints: dict[str, str] = Field(
        default_factory=dict,
        description='partners\' systems, as JSON: {"STEG": "https://…"}; payments and files '
        "are delivered there (a partner without one: its items wait)",
    )
    partner_timeout_seconds: float = Field(
        default=10, gt=0, le=120, description="longest wait for a partner's system to answer"
    )
    partner_delivery_poll_seconds: float = Field(
        default=5, gt=0, le=3600, description="how often waiting deliveries are tried again"
    )
    token_issuer: str = "dar"  # noqa: S105 - a name, not a secret
    token_audience: str = "dar-api"  # noqa: S105 - a name, not a secret
    token_ttl_minutes: int = Field(default=12 * 60, ge=1, le=7 * 24 * 60)
    oidc_issuer: str | None = Field(default=None, description="production: the OpenID provider")
    oidc_jwks_url: str | None = Field(default=None, description="its JWKS document")
    oidc_audience: str | None = None
    oidc_client_id: str | None = Field(
        default=None, description="the pages' login: Dar's client id at the OpenID provider"
    )
    oidc_client_secret: SecretStr | None = Field(
        default=None, description="its secret; unset for a public client (PKCE alone)"
    )
    oidc_redirect_url: str | None = Field(
        default=None,
        pattern=r"^https?://[^/\s?#]+/[^\s?#]*$",
        description="where the provider sends the browser back (registered with it); "
        "default <DAR_PUBLIC_URL>/auth/callback",
    )
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    max_query_depth: int = Field(default=10, ge=1)
    max_aliases: int = Field(default=15, ge=1)
    max_tokens: int = Field(default=2000, ge=100)
    max_batch_operations: int = Field(default=5, ge=1)
    max_page_size: int = Field(default=100, ge=1)
    freshness_wait_seconds: float = Field(default=5.0, ge=0, le=60)
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    access_log: bool = Field(
        default=False,
        description="log a line per HTTP request (the metrics count every request by route and "
        "status already; the line is written on the event loop)",
    )
    display_subscribers_per_house: int = Field(
        default=8,
        ge=1,
        le=1000,
        description="most concurrent calledTickets subscriptions per house, per API process",
    )
    subscription_poll_seconds: float = Field(
        default=1.0,
        gt=0,
        le=3600,
        description="subscriptions are pushed; this slow poll behind them catches a lost "
        "notification, or a projection worker in another process on SQLite",
    )
    statistics_wait_target_minutes: int = Field(
        default=25,
        ge=1,
        le=600,
        description="governance statistics: the share of waits under this target (whole minutes)",
    )
    statistics_small_count: int = Field(
        default=5,
        ge=1,
        le=1000,
        description="published statistics exports blank counts under this and the figures "
        "resting on fewer samples (1: nothing blanked)",
    )
    embedded_projections: bool = Field(
        default=True, description="project in the API process (single-process mode)"
    )
    postgres_lock_timeout_seconds: int = Field(
        default=5, ge=1, le=60, description="application role: longest wait for a lock"
    )
    postgres_statement_timeout_seconds: int = Field(
        default=10, ge=1, le=600, description="application role: longest statement"
    )
    postgres_idle_in_transaction_timeout_seconds: int = Field(
        default=30, ge=1, le=3600, description="application role: longest idle open transaction"
    )
    postgres_projector_lock_timeout_seconds: int = Field(default=10, ge=1, le=600)
    postgres_projector_statement_timeout_seconds: int = Field(default=300, ge=1, le=86400)
    postgres_projector_idle_in_transaction_timeout_seconds: int = Field(default=60, ge=1, le=3600)
    postgres_owner_lock_timeout_seconds: int = Field(default=10, ge=1, le=600)
    postgres_owner_statement_timeout_seconds: int = Field(default=1800, ge=1, le=86400)
    postgres_owner_idle_in_transaction_timeout_seconds: int = Field(default=60, ge=1, le=3600)
    postgres_pool_size: int = Field(default=5, ge=1, le=100)
    postgres_group_commit: bool = Field(
        default=True,
        description="concurrent commands' appends share one transaction and disk sync "
        "(false: one transaction per append)",
    )
    postgres_schema: str = Field(default="dar", pattern=r"^[a-z_][a-z0-9_]{0,40}$")
    purposes_file: Path | None = Field(
        default=None,
        description="the declared purposes of personal-data reads (default: the shipped list)",
    )
    public_url: str | None = Field(
        default=None,
        pattern=r"^https?://[^/\s?#]+(/[^\s?#]*)?$",
        description="where clients reach Dar (absolute links, e.g. a payment page); "
        "required in production; in development http://<DAR_HOST>:<DAR_PORT>",
    )

    @field_validator("oidc_issuer", "oidc_jwks_url", "oidc_audience", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @model_validator(mode="after")
    def _oidc_all_or_nothing(self) -> Settings:
        oidc = (self.oidc_issuer, self.oidc_jwks_url, self.oidc_audience)
        if any(oidc) and not all(oidc):
            msg = "set DAR_OIDC_ISSUER, DAR_OIDC_JWKS_URL and DAR_OIDC_AUDIENCE together"
            raise ValueError(msg)
        return self

    @field_validator("oidc_client_id", "oidc_client_secret", "oidc_redirect_url", mode="before")
    @classmethod
    def _empty_login_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @model_validator(mode="after")
    def _login_needs_the_provider(self) -> Settings:
        if self.oidc_client_id and not self.oidc_issuer:
            msg = "DAR_OIDC_CLIENT_ID needs the provider: set DAR_OIDC_ISSUER, _JWKS_URL, _AUDIENCE"
            raise ValueError(msg)
        return self

    @property
    def oidc_callback_url(self) -> str:
        """Where the OpenID provider returns the browser after a login (the pages' login)."""
        return self.oidc_redirect_url or f"{self.public_base_url}/auth/callback"

    @property
    def public_base_url(self) -> str:
        """Dar's public address without a trailing slash (development: where `dar run` serves)."""
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    def check_production_secrets(self) -> None:
        """Refuse to run in production with default or weak secrets, or no public address.

        Weak: see `secret_weakness`.
        """
        if self.environment is not Environment.PRODUCTION:
            return
        defaults = Settings.model_fields
        for name in ("token_secret", "master_key", "gateway_secret"):
            value: SecretStr = getattr(self, name)
            default = value == defaults[name].default
            weakness = "the development default" if default else None
            weakness = weakness or secret_weakness(value.get_secret_value())
            if weakness is not None:
                msg = (
                    f"DAR_{name.upper()} must be set in production to a random secret "
                    f'({weakness}): python -c "import secrets; print(secrets.token_urlsafe(32))"'
                )
                raise ValueError(msg)
        if self.public_url is None:
            msg = "DAR_PUBLIC_URL must be set in production (e.g. https://dar.example.tn)"
            raise ValueError(msg)
