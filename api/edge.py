"""The HTTP edge, as plain ASGI: size and shape of request bodies, metrics, errors as JSON.

- a body over the limit is refused with 413, whether it declares its length or not;
- a GraphQL POST whose JSON is not an object (or a list of objects), or is nested absurdly deep,
  or whose `operationName` is not a GraphQL name (or `variables`, `extensions` not objects),
  is refused with 400 before GraphQL sees it;
- transport refusals that the GraphQL layer answers in plain text become JSON errors with a code;
- an unexpected exception becomes a JSON 500 with a reference, logged once: never a stack trace;
- every request is counted by route, method and status, and timed.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from api.metrics import Metrics

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger("dar.api")
ROUTES = {"/graphql", "/healthz", "/readyz", "/metrics"}
METHODS = {"GET", "POST", "HEAD", "OPTIONS"}
MAX_JSON_DEPTH = 32
_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]*")  # a GraphQL name: ASCII only, so always encodable


class BodyTooLargeError(Exception):
    """The request body went over the limit while being read."""


def error_body(message: str, code: str, **extra: str) -> bytes:
    """A GraphQL-shaped error document."""
    return json.dumps(
        {"errors": [{"message": message, "extensions": {"code": code, **extra}}]}
    ).encode()


def _depth(value: object) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        children = (
            item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        )
        stack.extend((child, level + 1) for child in children)
    return deepest


def bounded_json(data: str | bytes, limit: int) -> object:
    """The JSON value of at most `limit` bytes and `MAX_JSON_DEPTH` levels.

    Anything else — too long, too deep, an integer past Python's digit limit, recursion — is a
    `JSONDecodeError`, the one error a JSON reader's caller expects.
    """
    if len(data) > limit:
        raise json.JSONDecodeError(f"message over {limit} bytes", "", 0)
    try:
        value = json.loads(data)
    except (ValueError, RecursionError) as error:  # JSONDecodeError is a ValueError
        raise json.JSONDecodeError("not valid JSON", "", 0) from error
    if _depth(value) > MAX_JSON_DEPTH:
        raise json.JSONDecodeError(f"nested deeper than {MAX_JSON_DEPTH} levels", "", 0)
    return value


def graphql_body_problem(body: bytes) -> str | None:
    """Why a GraphQL POST body is unacceptable, or None."""
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return "the body is not valid JSON"
    operations = document if isinstance(document, list) else [document]
    if not operations or not all(isinstance(o, dict) for o in operations):
        return "the body must be a JSON object (or a list of them) with a query"
    if _depth(document) > MAX_JSON_DEPTH:
        return f"the body is nested deeper than {MAX_JSON_DEPTH} levels"
    return next(filter(None, map(_operation_problem, operations)), None)


def _operation_problem(operation: dict[str, object]) -> str | None:
    name = operation.get("operationName")
    if name is not None and not (isinstance(name, str) and _NAME.fullmatch(name)):
        return "operationName must be a GraphQL name ([_A-Za-z][_0-9A-Za-z]*) or null"
    for key in ("variables", "extensions"):
        if not isinstance(operation.get(key, {}), dict | None):
            return f"{key} must be a JSON object or null"
    return None


class Edge:
    """Wraps the whole app (see the module's docstring)."""

    def __init__(self, app: ASGIApp, limit: int, metrics: Metrics) -> None:
        self.app = app
        self.limit = limit
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one HTTP request within the edge's rules."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        route = scope["path"] if scope["path"] in ROUTES else "other"
        method = scope["method"] if scope["method"] in METHODS else "OTHER"
        response = _Response(send, as_json=route == "/graphql")
        try:
            await self._serve(scope, receive, response)
        finally:
            self.metrics.requests.labels(route, method, str(response.status)).inc()
            self.metrics.latency.labels(route).observe(time.perf_counter() - started)

    async def _serve(self, scope: Scope, receive: Receive, response: _Response) -> None:
        try:
            body = await self._read(scope, receive)
        except BodyTooLargeError:
            message = f"request body over {self.limit} bytes"
            await response.refuse(413, error_body(message, "PAYLOAD_TOO_LARGE"))
            return
        if scope["path"] == "/graphql" and scope["method"] == "POST" and body:
            problem = graphql_body_problem(body)
            if problem is not None:
                await response.refuse(400, error_body(problem, "BAD_REQUEST"))
                return
        try:
            await self.app(scope, _replay(body), response.send)
        except Exception:
            reference = uuid.uuid4().hex[:12]
            log.exception("unexpected error %s", reference)
            if not response.started:
                message = f"internal error (reference {reference})"
                await response.refuse(500, error_body(message, "INTERNAL", reference=reference))

    async def _read(self, scope: Scope, receive: Receive) -> bytes:
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            raise BodyTooLargeError
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                raise BodyTooLargeError
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


class _Response:
    """Watches what the app sends; turns plain-text GraphQL refusals into JSON errors."""

    def __init__(self, send: Send, *, as_json: bool) -> None:
        self._send = send
        self._as_json = as_json
        self.status = 500
        self.started = False
        self._held: Message | None = None
        self._held_body: list[bytes] = []

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = int(message["status"])
            self.started = True
            headers = dict(message.get("headers") or [])
            plain = headers.get(b"content-type", b"").startswith(b"text/plain")
            if self._as_json and 400 <= self.status < 600 and plain:
                self._held = message
                return
        elif message["type"] == "http.response.body" and self._held is not None:
            self._held_body.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            # the reason may quote the request: undecodable bytes are replaced, and `error_body`
            # escapes everything else (a lone surrogate included) as ASCII
            reason = b"".join(self._held_body).decode(errors="replace")
            code = "BATCH_TOO_LARGE" if "Too many operations" in reason else "BAD_REQUEST"
            self._held = None
            await self._write(self.status, error_body(reason, code))
            return
        await self._send(message)

    async def refuse(self, status: int, body: bytes) -> None:
        self.status = status
        self.started = True
        await self._write(status, body)

    async def _write(self, status: int, body: bytes) -> None:
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
        await self._send({"type": "http.response.start", "status": status, "headers": headers})
        await self._send({"type": "http.response.body", "body": body})
