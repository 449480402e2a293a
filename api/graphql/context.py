"""The per-request context of every resolver."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import Any, Literal, TypeVar

import anyio.to_thread
from starlette.requests import HTTPConnection
from strawberry.fastapi import BaseContext
from strawberry.types import Info

from api.auth import Principal, Role, TokenService, UnauthenticatedError, bearer
from api.bootstrap import Dar, ReadModels
from api.graphql.caller import Caller
from api.graphql.freshness import wait_for_position
from api.graphql.house_reads import HouseReads
from api.graphql.loaders import Loaders
from api.graphql.screens import HouseScreens
from api.graphql.watch import Watcher
from api.metrics import Metrics
from domain.shared.errors import ForbiddenError
from projections.dashboard.figures import Dashboard

T = TypeVar("T")
ReadModel = Literal[
    "partners",
    "directory",
    "access_log",
    "queue",
    "requests",
    "payments",
    "dashboard",
    "audit",
    "deliveries",
    "tills",
    "statistics",
    "inclusion_statistics",
    "inclusion",
]


@dataclass(frozen=True)
class Watchers:
    """The process's watchers, one per subscribable read model, and the waiting-room screens."""

    partners: Watcher
    arrivals: Watcher  # files sent to partners: the requests read model's last such position
    queue: Watcher
    dashboard: Watcher  # any house's dashboard changed: each subscriber checks its own house
    screens: HouseScreens
    # each house's dashboard subscribers share its reads: its version, then its dashboard
    dashboard_versions: HouseReads[int] = field(default_factory=HouseReads)
    dashboards: HouseReads[tuple[int, Dashboard]] = field(default_factory=HouseReads)

    @classmethod
    def of(cls, dar: Dar) -> Watchers:
        """Watchers woken by Dar's read-model announcements (each with a slow poll behind)."""
        read, changes = dar.read, dar.read_changes
        poll = dar.settings.subscription_poll_seconds
        return cls(
            partners=Watcher(read.partners.version, poll, key=read.partners_key, changes=changes),
            arrivals=Watcher(
                read.requests.last_arrival, poll, key=read.requests_key, changes=changes
            ),
            queue=Watcher(
                partial(read.db.tracked, read.queue_key), poll, key=read.queue_key, changes=changes
            ),
            dashboard=Watcher(
                read.dashboard.version, poll, key=read.dashboard_key, changes=changes
            ),
            screens=HouseScreens(dar.settings.display_subscribers_per_house),
        )


@dataclass
class Context(BaseContext):
    """Dar, the caller (if authenticated) and the request's helpers."""

    dar: Dar
    tokens: TokenService
    metrics: Metrics
    watchers: Watchers | None = None
    principal: Principal | None = None
    auth_error: UnauthenticatedError | None = None
    connection_params: dict[str, Any] = field(default_factory=dict)
    _caller: Caller | None = field(default=None, init=False, repr=False)

    def caller(self) -> Caller:
        """The authenticated caller, resolved once per request (authenticated on every call)."""
        principal = self.authenticate()
        if self._caller is None or self._caller.principal != principal:
            self._caller = Caller(principal, self.dar, self.blocking)
        return self._caller

    @cached_property
    def loaders(self) -> Loaders:
        """The DataLoaders of the request (or WebSocket connection), made on first use."""
        return Loaders.of(self)

    def require(self, *roles: Role) -> Principal:
        """The caller, if authenticated and of one of `roles`; otherwise a typed refusal."""
        principal = self.authenticate()
        if principal.role not in roles:
            msg = f"role {principal.role.value} may not do this"
            raise ForbiddenError(msg)
        return principal

    def authenticate(self) -> Principal:
        """The caller, or UnauthenticatedError."""
        if self.auth_error is not None:
            raise self.auth_error
        if self.principal is None:
            raise UnauthenticatedError("a bearer token is required")
        if self.connection_params:  # a long-lived WebSocket: its token may have lapsed since
            self.tokens.recheck(self.principal)
        return self.principal

    async def blocking(self, call: Callable[[], T]) -> T:
        """Run a blocking store call on a worker thread, keeping the event loop free."""
        return await anyio.to_thread.run_sync(call)

    async def read(
        self, model: ReadModel, at_least: int | None, call: Callable[[ReadModels], T]
    ) -> T:
        """`call` on the read models, on a worker thread, once `model` has applied `at_least`."""
        read = self.dar.read
        await wait_for_position(self.dar, [getattr(read, f"{model}_key")], at_least)
        return await self.blocking(lambda: call(read))


DarInfo = Info[Context, None]


class CredentialRefusedError(Exception):
    """An HTTP request presented a credential that does not verify: refused whatever it asks.

    RFC 6750 `invalid_token`: answered 401 with `WWW-Authenticate` before any resolver runs
    (see `api.http`). A request without any credential is anonymous, not refused.
    """

    def __init__(self, error: UnauthenticatedError) -> None:
        super().__init__(error.message)
        self.error = error


def context_getter(
    dar: Dar, tokens: TokenService, metrics: Metrics, watchers: Watchers
) -> Callable[..., Any]:
    """The FastAPI dependency building a Context per request (HTTP or WebSocket)."""

    async def get_context(connection: HTTPConnection) -> Context:
        context = Context(dar=dar, tokens=tokens, metrics=metrics, watchers=watchers)
        try:
            token = bearer(connection.headers.get("authorization"))
            if token is not None:  # off the event loop where it may block (see `verified`)
                context.principal = await tokens.verified(token)
        except UnauthenticatedError as error:
            if connection.scope["type"] == "http":
                raise CredentialRefusedError(error) from None
            context.auth_error = error  # WebSocket: `connection_init` authenticates
        return context

    return get_context
