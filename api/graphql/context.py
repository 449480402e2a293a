"""The per-request context of every resolver."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import anyio.to_thread
from starlette.requests import HTTPConnection
from strawberry.fastapi import BaseContext
from strawberry.types import Info

from api.auth import ForbiddenError, Principal, Role, TokenService, UnauthenticatedError, bearer
from api.bootstrap import Dar
from api.metrics import Metrics

T = TypeVar("T")


@dataclass
class Context(BaseContext):
    """Dar, the caller (if authenticated) and the request's helpers."""

    dar: Dar
    tokens: TokenService
    metrics: Metrics
    principal: Principal | None = None
    auth_error: UnauthenticatedError | None = None
    connection_params: dict[str, Any] = field(default_factory=dict)

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
        return self.principal

    async def blocking(self, call: Callable[[], T]) -> T:
        """Run a blocking store call on a worker thread, keeping the event loop free."""
        return await anyio.to_thread.run_sync(call)


DarInfo = Info[Context, None]


def context_getter(dar: Dar, tokens: TokenService, metrics: Metrics) -> Callable[..., Any]:
    """The FastAPI dependency building a Context per request (HTTP or WebSocket)."""

    async def get_context(connection: HTTPConnection) -> Context:
        context = Context(dar=dar, tokens=tokens, metrics=metrics)
        try:
            token = bearer(connection.headers.get("authorization"))
            if token is not None:
                context.principal = tokens.verify(token)
        except UnauthenticatedError as error:
            context.auth_error = error
        return context

    return get_context
