"""The HTTP app: GraphQL at /graphql, health, readiness and metrics; the composition root's edge."""

from __future__ import annotations

import gc
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import anyio.to_thread
from fastapi import FastAPI, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from strawberry.exceptions import ConnectionRejectionError
from strawberry.fastapi import GraphQLRouter
from strawberry.types.unset import UNSET, UnsetType

from api.auth import TokenService, UnauthenticatedError, bearer
from api.bootstrap import Dar, bootstrap
from api.graphql.context import Context, context_getter
from api.graphql.schema import build_schema
from api.metrics import Metrics
from infrastructure.settings import Environment, Settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class DarGraphQLRouter(GraphQLRouter[Context, None]):
    """GraphQL over HTTP and WebSocket; WebSocket clients authenticate in `connection_init`."""

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """Accept the connection only with a valid bearer token in the init payload."""
        raw = context.connection_params.get("authorization") or context.connection_params.get(
            "Authorization"
        )
        try:
            context.principal = context.tokens.verify(_init_token(raw))
        except UnauthenticatedError as error:
            raise ConnectionRejectionError({"code": error.code, "message": error.message}) from None
        context.auth_error = None
        unset: UnsetType = UNSET
        return unset


def _init_token(raw: object) -> str:
    token = bearer(str(raw)) if raw else None
    if token is None:
        raise UnauthenticatedError("connection_init must carry an authorization token")
    return token


class BodyLimit:
    """Refuses request bodies over the limit with 413, before they reach GraphQL."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, unless its body is over the limit."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await _too_large(send, self.limit)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise _BodyTooLargeError
            return message

        try:
            await self.app(scope, counted, send)
        except _BodyTooLargeError:
            await _too_large(send, self.limit)


class _BodyTooLargeError(Exception):
    pass


async def _too_large(send: Send, limit: int) -> None:
    error = {
        "message": f"request body over {limit} bytes",
        "extensions": {"code": "PAYLOAD_TOO_LARGE"},
    }
    body = json.dumps({"errors": [error]}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def create_app(settings: Settings, dar: Dar | None = None) -> FastAPI:
    """The API for these settings; tests may pass a Dar they built (and close it themselves)."""
    metrics = Metrics()
    tokens = TokenService(settings)
    owned = dar is None
    app_dar = dar or bootstrap(settings, projector=settings.embedded_projections)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if settings.embedded_projections:
            app_dar.projections.start()
        gc.collect()
        gc.freeze()  # the start-up heap is permanent: keep full collections short
        yield
        if owned:
            await anyio.to_thread.run_sync(app_dar.close)
        else:
            app_dar.projections.stop()

    development = settings.environment is Environment.DEVELOPMENT
    app = FastAPI(
        title="Dar",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json" if development else None,
    )
    router = DarGraphQLRouter(
        build_schema(settings),
        context_getter=context_getter(app_dar, tokens, metrics),
        graphql_ide="graphiql" if development else None,
        allow_queries_via_get=False,
    )
    app.include_router(router, prefix="/graphql")
    _operations(app, app_dar, metrics)
    _instrument(app, metrics)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    app.state.dar = app_dar
    app.state.tokens = tokens
    app.state.metrics = metrics
    return app


def _operations(app: FastAPI, dar: Dar, metrics: Metrics) -> None:
    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        try:
            report = await anyio.to_thread.run_sync(lambda: readiness(dar, metrics))
        except Exception as error:  # noqa: BLE001 - any failure to reach the store means not ready
            return JSONResponse({"status": "unavailable", "reason": type(error).__name__}, 503)
        status = 200 if report["status"] == "ready" else 503
        return JSONResponse(report, status)

    @app.get("/metrics", include_in_schema=False)
    async def prometheus() -> Response:
        await anyio.to_thread.run_sync(lambda: readiness(dar, metrics))
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)


def readiness(dar: Dar, metrics: Metrics) -> dict[str, Any]:
    """Store reachable; each projection's lag in positions and seconds."""
    head = dar.store.position()
    lags: dict[str, dict[str, float]] = {}
    for key in dar.read.tracking_keys():
        tracked = dar.read.db.tracked(key)
        seconds = 0.0
        if tracked < head:
            [first] = dar.store.recorder.select_notifications(
                start=tracked, limit=1, inclusive_of_start=False
            )
            event = dar.store.mapper.to_domain_event(first)
            timestamp: datetime = getattr(event, "timestamp", datetime.now(tz=UTC))
            seconds = max(0.0, (datetime.now(tz=UTC) - timestamp).total_seconds())
        lags[key] = {"positions": head - tracked, "seconds": round(seconds, 3)}
        metrics.lag_positions.labels(key).set(head - tracked)
        metrics.lag_seconds.labels(key).set(seconds)
    failed = dar.projections.error
    return {
        "status": "ready" if failed is None else "projection-failed",
        "position": head,
        "projections": lags,
    }


async def _as_json_error(response: Response) -> Response:
    """Transport-level refusals (bad JSON, batches) in the same JSON error shape as the rest."""
    if not response.headers.get("content-type", "").startswith("text/plain"):
        return response
    chunks = [chunk async for chunk in response.body_iterator]  # type: ignore[attr-defined]
    reason = b"".join(c if isinstance(c, bytes) else c.encode() for c in chunks).decode()
    code = "BATCH_TOO_LARGE" if "Too many operations" in reason else "BAD_REQUEST"
    error = {"message": reason, "extensions": {"code": code}}
    return JSONResponse({"errors": [error]}, status_code=response.status_code)


def _instrument(app: FastAPI, metrics: Metrics) -> None:
    @app.middleware("http")
    async def measure(request: Any, call_next: Callable[[Any], Awaitable[Response]]) -> Response:  # noqa: ANN401
        started = time.perf_counter()
        response = await call_next(request)
        if request.url.path == "/graphql" and 400 <= response.status_code < 500:
            response = await _as_json_error(response)
        route = (
            request.url.path
            if request.url.path in {"/graphql", "/healthz", "/readyz", "/metrics"}
            else "other"
        )
        metrics.requests.labels(route, request.method, str(response.status_code)).inc()
        metrics.latency.labels(route).observe(time.perf_counter() - started)
        return response
