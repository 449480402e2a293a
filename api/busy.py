"""A store too busy to answer in time, wherever it shows before GraphQL does: a retryable refusal.

Staff tokens are checked against the event store (is the agent enrolled and active?), and that
read can meet a lock held elsewhere before any resolver runs: while the context of a GraphQL
request is built, on a receipt, in a WebSocket's `connection_init`. Like a command, the request
is then refused as `STORE_BUSY` with `retryable: true` — over HTTP with 503 and `Retry-After`,
on a WebSocket by closing with 4503 and the code as the reason (graphql-ws clients reconnect on
a close code they do not know as fatal). Nothing was done; the same request may succeed later.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from strawberry.http.typevars import Context, RootValue
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import ConnectionInitMessage

from application.errors import StoreBusyError

RETRY_AFTER_SECONDS = 1
WEBSOCKET_CLOSE_BUSY = 4503


def busy(error: StoreBusyError, *, graphql: bool) -> JSONResponse:
    """The 503 answer: GraphQL-shaped for /graphql, `{code, message, retryable}` elsewhere."""
    refusal: dict[str, object] = {"code": error.code, "retryable": True}
    body: dict[str, object] = {"message": error.message, **refusal}
    if graphql:
        body = {"errors": [{"message": error.message, "extensions": refusal}]}
    return JSONResponse(body, 503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


async def _answer_busy(request: Request, error: Exception) -> Response:
    assert isinstance(error, StoreBusyError)  # noqa: S101 - registered for this class only
    return busy(error, graphql=request.url.path.startswith("/graphql"))


def answer_store_busy(app: FastAPI) -> None:
    """HTTP: a store too busy before any resolver runs is a 503 with a retryable code."""
    app.add_exception_handler(StoreBusyError, _answer_busy)


class BusyAwareTransportWSHandler(BaseGraphQLTransportWSHandler[Context, RootValue]):
    """graphql-transport-ws whose `connection_init` closes with STORE_BUSY when the store is."""

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        """Authenticate the connection; a busy store closes it with 4503 `STORE_BUSY`."""
        try:
            await super().handle_connection_init(message)
        except StoreBusyError as error:
            await self.websocket.close(code=WEBSOCKET_CLOSE_BUSY, reason=error.code)
