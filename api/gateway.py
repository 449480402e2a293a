"""The payment gateway's side of the HTTP API.

`POST /payments/gateway/callback`: the gateway's signed callbacks. The size is checked first (over
4 KiB: 413), then the signature, before anything is parsed. A refused callback (bad signature,
sent more than 300 s ago, unreadable) triggers nothing: no status query, no write. A callback
Dar missed is settled by the settling sweep's status query (`api.sweep`). Refusals are counted for
the whole process, then per order they claim (`api.throttle`): past either budget they are
answered 429 with `Retry-After`, and not logged.

In development, `/simulated-gateway/…` plays the gateway's servers: its hosted payment page, and
its outbox of callbacks, which the development page delivers at once and the tests take to deliver
themselves (twice, late, out of order, or never).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from html import escape

import anyio
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from api.bootstrap import Dar
from api.textpolicy import clean, refusal
from api.throttle import CallbackRefusals, RefusalBudget, overall_refusals
from application.payments.ports import Notification
from domain.shared.errors import DarError, ValidationError
from infrastructure.payments.signing import (
    MAX_CALLBACK_BYTES,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    CallbackRateLimitedError,
    claimed_order,
)
from infrastructure.payments.simulated_gateway import SimulatedGateway

log = logging.getLogger("dar.api")
REFUSED = {
    "BAD_SIGNATURE": 401,
    "STALE_CALLBACK": 401,
    "VALIDATION": 400,
    "NOT_FOUND": 404,
    "RATE_LIMITED": 429,
}


def _answer(error: DarError) -> JSONResponse:
    """A refusal the gateway understands: 4xx are final (429: later), 503: deliver again."""
    headers = {}
    if isinstance(error, CallbackRateLimitedError):
        headers["Retry-After"] = str(error.retry_after)
    return JSONResponse(
        {"code": error.code, "message": error.message},
        REFUSED.get(error.code, 503),
        headers=headers,
    )


def _refuse(refusals: CallbackRefusals | None, body: bytes, error: DarError) -> JSONResponse:
    """Answer a refused callback; past the process's or its order's budget, 429 (no log line)."""
    wait = refusals.spend(claimed_order(body)) if refusals is not None else None
    if wait is not None:
        return _answer(CallbackRateLimitedError(wait))
    log.warning("gateway callback refused: %s", error.code)
    return _answer(error)


def receive_callback(
    dar: Dar,
    body: bytes,
    timestamp: str | None,
    signed: str | None,
    refusals: CallbackRefusals | None = None,
) -> Response:
    """Check, then apply one delivery (blocking: run on a worker thread).

    A delivery that does not verify changes nothing and asks nothing of the gateway.
    """
    try:
        notification = _checked(dar.callbacks.verify(body, timestamp, signed))
    except DarError as error:
        return _refuse(refusals, body, error)
    try:
        position = dar.follow_up.apply_notification(notification)
    except DarError as error:
        return _answer(error)
    return JSONResponse({"applied": True, "position": position})


def _checked(notification: Notification) -> Notification:
    """The callback's texts under the text policy (its order is a UUID already)."""
    refund_id = notification.refund_id
    return replace(
        notification,
        event_id=clean("body.eventId", notification.event_id),
        refund_id=None if refund_id is None else clean("body.refundId", refund_id),
    )


def add_gateway_routes(app: FastAPI, dar: Dar, refusals: RefusalBudget | None = None) -> None:
    """The callback endpoint, with its budgets of refusals: the process's, then per order."""
    budget = CallbackRefusals(overall_refusals(), refusals or RefusalBudget())

    @app.post("/payments/gateway/callback", include_in_schema=False)
    async def callback(request: Request) -> Response:
        body = await request.body()
        if len(body) > MAX_CALLBACK_BYTES:  # refused unread, before the signature
            message = f"a callback is at most {MAX_CALLBACK_BYTES} bytes"
            return JSONResponse({"code": "PAYLOAD_TOO_LARGE", "message": message}, 413)
        timestamp = request.headers.get(TIMESTAMP_HEADER)
        signed = request.headers.get(SIGNATURE_HEADER)
        return await anyio.to_thread.run_sync(
            lambda: receive_callback(dar, body, timestamp, signed, budget)
        )


def add_simulated_gateway(app: FastAPI, dar: Dar, gateway: SimulatedGateway) -> None:
    """Development only: the simulated gateway's hosted page and outbox."""

    @app.get("/simulated-gateway/pay/{session}", include_in_schema=False)
    async def page(session: str) -> Response:
        try:
            session = clean("session", session)
        except ValidationError as error:
            return refusal(error)
        order = gateway.session_order(session)
        if order is None:
            return JSONResponse({"code": "NOT_FOUND", "message": "no such session"}, 404)
        return HTMLResponse(
            f"""<!doctype html><html lang="fr"><head><meta charset="utf-8">
<title>Paiement simulé</title></head><body>
<h1>Paiement simulé — {escape(str(order.amount))} TND</h1>
<form method="post" action="?approve=true"><button>Payer</button></form>
<form method="post" action="?approve=false"><button>Refuser</button></form>
</body></html>"""
        )

    @app.post("/simulated-gateway/pay/{session}", include_in_schema=False)
    async def pay(session: str, approve: bool = True, deliver: bool = True) -> Response:  # noqa: FBT001, FBT002 - query flags
        def run() -> Response:
            try:
                state = gateway.pay(clean("session", session), approve=approve)
            except DarError as error:
                return _answer(error)
            position = _deliver_all(dar, gateway) if deliver else 0
            return JSONResponse({"state": state.value, "position": position})

        return await anyio.to_thread.run_sync(run)

    @app.post("/simulated-gateway/outbox", include_in_schema=False)
    async def outbox() -> Response:
        """The callbacks queued since last asked, each signed now (as the gateway sends it)."""
        now = dar.clock.now()
        taken = gateway.take_deliveries()
        return JSONResponse(
            [{"body": d.body.decode(), "headers": d.signed(gateway.secret, now)} for d in taken]
        )


def _deliver_all(dar: Dar, gateway: SimulatedGateway) -> int:
    """The development gateway delivers its callbacks at once, each once, in order.

    The log position reached, for `atLeastPosition`.
    """
    for _ in range(10):
        taken = gateway.take_deliveries()
        if not taken:
            break
        for delivery in taken:
            headers = delivery.signed(gateway.secret, dar.clock.now())
            receive_callback(
                dar, delivery.body, headers[TIMESTAMP_HEADER], headers[SIGNATURE_HEADER]
            )
    return dar.store.position()
