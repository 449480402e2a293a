"""The HTTP app: GraphQL at /graphql, health, readiness and metrics; the composition root's edge."""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import FastAPI, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from strawberry.exceptions import ConnectionRejectionError
from strawberry.fastapi import GraphQLRouter
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.types import ConnectionInitMessage
from strawberry.types.unset import UNSET, UnsetType

from api.auth import TokenService, UnauthenticatedError, bearer
from api.bootstrap import Dar, bootstrap
from api.busy import BusyAwareTransportWSHandler, answer_store_busy
from api.credentials import refuse_invalid_credentials
from api.delivery import start_delivering
from api.edge import Edge, bounded_json
from api.gates import AgentGate
from api.gateway import add_gateway_routes, add_simulated_gateway
from api.graphql.context import Context, Watchers, context_getter
from api.graphql.schema import build_schema
from api.headers import SecurityHeaders
from api.login import add_login
from api.metrics import Metrics
from api.pages import add_pages
from api.projection_status import projection_report
from api.receipts import add_receipts
from api.statistics_download import add_statistics_download
from api.sweep import start_sweeping
from infrastructure.settings import Environment, Settings

LAG_REFRESH_SECONDS = 1.0
log = logging.getLogger("dar.api")


class DarTransportWSHandler(BusyAwareTransportWSHandler[Context, None]):
    """graphql-transport-ws where a `connection_init` without any payload is refused (4403)."""

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        """No payload at all: refused; a payload, with or without a token: see `on_ws_connect`."""
        if "payload" not in message:
            if self.connection_init_timeout_task:
                self.connection_init_timeout_task.cancel()
            await self.websocket.close(code=4403, reason="Forbidden")
            return
        await super().handle_connection_init(message)


class DarGraphQLRouter(GraphQLRouter[Context, None]):
    """GraphQL over HTTP and WebSocket; WebSocket clients authenticate in `connection_init`.

    The init's payload decides what the socket may run:
    - `{"authorization": "Bearer <token>"}`: what the token's role may (rechecked on every
      operation, so a token that lapses stops working on an open socket);
    - a payload without `authorization` (`{}`): an anonymous socket that may run only the public
      operations (`calledTickets`, for the waiting-room screen); any other answers UNAUTHENTICATED;
    - an `authorization` that does not verify, or no payload at all: the socket is closed (4403).
    """

    max_message_bytes = 64 * 1024  # set from the settings' body limit by `create_app`
    graphql_transport_ws_handler_class = DarTransportWSHandler

    def decode_json(self, data: str | bytes) -> object:
        """JSON bounded in size and depth: a WebSocket frame that is not is closed with 4400.

        Frames arrive before any credential; strawberry reads them through this method and
        expects only `JSONDecodeError`, which `bounded_json` raises for any unreadable frame.
        """
        return bounded_json(data, self.max_message_bytes)

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """Accept a valid bearer token, or no token at all (anonymous: public operations only)."""
        params = context.connection_params or {}
        context.connection_params = {"transport": "websocket", **params}
        unset: UnsetType = UNSET
        if "authorization" not in params and "Authorization" not in params:
            context.principal, context.auth_error = None, None  # `authenticate` refuses the rest
            return unset
        raw = params.get("authorization") or params.get("Authorization")
        try:
            token = _init_token(raw)
            context.principal = await anyio.to_thread.run_sync(context.tokens.verify, token)
        except UnauthenticatedError as error:
            raise ConnectionRejectionError({"code": error.code, "message": error.message}) from None
        context.auth_error = None
        return unset


def _init_token(raw: object) -> str:
    token = bearer(str(raw)) if raw else None
    if token is None:
        raise UnauthenticatedError("connection_init must carry an authorization token")
    return token


def _documents(app: FastAPI, dar: Dar, tokens: TokenService) -> None:
    """The documents downloaded with a token: receipts and refund documents, statistics."""
    add_receipts(app, dar, tokens)
    add_statistics_download(app, dar, tokens)  # the governance page's export buttons


def create_app(settings: Settings, dar: Dar | None = None) -> FastAPI:
    """The API for these settings; tests may pass a Dar they built (and close it themselves)."""
    metrics = Metrics()
    owned = dar is None
    app_dar = dar or bootstrap(settings, projector=settings.embedded_projections)
    watchers = Watchers.of(app_dar)
    tokens = TokenService(settings, gate=AgentGate(app_dar))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if settings.embedded_projections:
            app_dar.projections.start()
        # the sweep runs once per deployment: where the projections run
        halt = start_sweeping(app_dar, settings) if settings.embedded_projections else None
        deliver = start_delivering(app_dar, settings) if settings.embedded_projections else None
        listener = app_dar.listener()  # PostgreSQL: one LISTEN for the process's subscriptions
        if listener is not None:
            listener.start()
        gc.collect()
        gc.freeze()  # the start-up heap is permanent: keep full collections short
        try:
            yield
        finally:
            if listener is not None:
                listener.stop()
            if halt is not None:
                await anyio.to_thread.run_sync(halt)  # a round in progress ends first
            if deliver is not None:
                await anyio.to_thread.run_sync(deliver)
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
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        max_subscriptions_per_connection=10,
        context_getter=context_getter(app_dar, tokens, metrics, watchers),
        graphql_ide="graphiql" if development else None,
        allow_queries_via_get=False,
    )
    router.max_message_bytes = settings.max_body_bytes
    app.include_router(router, prefix="/graphql")
    _operations(app, app_dar, metrics)
    _documents(app, app_dar, tokens)
    add_login(app, settings, tokens)  # the pages' login: /auth/login, /auth/callback
    add_gateway_routes(app, app_dar)
    add_pages(app)
    if development and app_dar.simulated_gateway is not None:
        add_simulated_gateway(app, app_dar, app_dar.simulated_gateway)
    app.add_middleware(Edge, limit=settings.max_body_bytes, metrics=metrics)
    app.add_middleware(SecurityHeaders)  # outermost: the edge's refusals get the headers too
    refuse_invalid_credentials(app)
    answer_store_busy(app)  # a staff token checked against a locked log: 503, retryable
    app.state.dar = app_dar
    app.state.tokens = tokens
    app.state.metrics = metrics
    app.state.watchers = watchers
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
        # degraded (a projection stopped at an event) stays 200: every replica shares the read
        # database, so a 503 would take all of them out of service for one read model
        return JSONResponse(report, 200)

    last_lag = [0.0]

    @app.get("/metrics", include_in_schema=False)
    async def prometheus() -> Response:
        if time.monotonic() - last_lag[0] >= LAG_REFRESH_SECONDS:  # scrapes stay cheap
            last_lag[0] = time.monotonic()
            try:
                await anyio.to_thread.run_sync(lambda: readiness(dar, metrics))
            except Exception:  # the counters and the last gauges still serve
                log.warning("metrics: the read models' state could not be read", exc_info=True)
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)


def readiness(dar: Dar, metrics: Metrics) -> dict[str, Any]:
    """Store reachable; each projection's lag, and those stopped at an event (`degraded`)."""
    report = projection_report(dar)
    failed = {f["projection"]: f["position"] for f in report["failures"]}
    for key, lag in report["projections"].items():
        metrics.lag_positions.labels(key).set(lag["positions"])
        metrics.lag_seconds.labels(key).set(lag["seconds"])
        metrics.projection_failed.labels(key).set(1 if key in failed else 0)
        metrics.projection_failed_position.labels(key).set(failed.get(key, 0))
    return report
