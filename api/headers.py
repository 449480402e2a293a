"""Security headers on every HTTP answer, as plain ASGI (outermost: refusals get them too).

- `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`, `X-Frame-Options: DENY`
  and `Cache-Control: no-store` everywhere: answers carry personal data and receipts, and no
  page of Dar is meant to be framed, cached or to leak its address to another site;
- `Content-Security-Policy`: API answers (JSON, text) may load nothing at all; the receipts'
  HTML pages may use only their own inline style (by hash), nothing else; the login's refusal
  pages (`/auth/`) nothing at all. The development tools'
  pages (GraphiQL, the simulated gateway) get none: they load scripts and post forms. The house's
  pages (`/pages/…`) may load scripts, styles and data only from Dar and talk only to Dar (its
  GraphQL endpoint over HTTP and WebSocket): no inline script or style, no other origin;
- their assets (`/pages/assets/<version>/…`) keep the cache header they were served with: their
  address changes with their content.
"""

from __future__ import annotations

from api.edge import ASGIApp, Message, Receive, Scope, Send
from api.pages import ASSETS_PREFIX
from api.receipts import STYLE_HASHES

EVERYWHERE = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
)
_LOCKED = b"default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
API_POLICY = _LOCKED
RECEIPT_POLICY = _LOCKED + b"; style-src " + " ".join(STYLE_HASHES).encode()
# 'self' admits WebSockets to the page's own host and port (ws: on http, wss: on https)
PAGES_POLICY = (
    b"default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    b"img-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


def policy(path: str, content_type: bytes) -> bytes | None:
    """The Content-Security-Policy of an answer on `path` of this type (None: development tools)."""
    if not content_type.startswith(b"text/html"):
        return API_POLICY
    if path.startswith("/receipts/"):
        return RECEIPT_POLICY
    if path.startswith("/auth/"):  # the login's refusal pages: text and a link, nothing to load
        return API_POLICY
    if path.startswith("/pages/"):
        return PAGES_POLICY
    return None


class SecurityHeaders:
    """Adds the headers above to every HTTP response, replacing any the app set."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request; stamp its response's start."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope["path"])

        async def stamped(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = _with_headers(path, list(message.get("headers") or []))
            await send(message)

        await self.app(scope, receive, stamped)


def _with_headers(path: str, headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    ours = {name for name, _ in EVERYWHERE} | {b"content-security-policy", b"server"}
    kept = [(name, value) for name, value in headers if name.lower() not in ours]
    content_type = next((v for n, v in headers if n.lower() == b"content-type"), b"")
    csp = policy(path, content_type)
    extra = [(b"content-security-policy", csp)] if csp is not None else []
    everywhere = list(EVERYWHERE)
    cached = next((v for n, v in headers if n.lower() == b"cache-control"), None)
    if path.startswith(ASSETS_PREFIX) and cached is not None:
        everywhere = [(n, cached if n == b"cache-control" else v) for n, v in everywhere]
    return kept + everywhere + extra
