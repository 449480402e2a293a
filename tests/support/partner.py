"""The partners' systems, simulated over HTTP: they dedupe by key and can be switched down.

One loopback server plays every partner: `POST /<PARTNER>/deliveries` with the header
`Idempotency-Key`. A partner that is up accepts a new key (its receipt is `<PARTNER>-<n>`) and
answers a key it has seen with the receipt it gave the first time; a partner that is down answers
503 and records nothing. Everything a partner that is up received is kept in order (`received`,
with every resend), and each item it accepted once (`accepted`). `on_accept` lets a test act
after an item is accepted and before the reply leaves (to kill the caller in between).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class SimulatedPartners:
    """What the simulated partners received, and which of them are down."""

    base_url: str = ""
    down: set[str] = field(default_factory=set)
    received: list[tuple[str, str]] = field(default_factory=list)  # (partner, key), resends too
    accepted: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)  # key: receipt
    refused: int = 0  # calls answered 503 while down
    on_accept: Callable[[str, str], None] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def endpoints(self, *partners: str) -> dict[str, str]:
        """Each partner's endpoint on this server."""
        return {code: f"{self.base_url}/{code}" for code in partners}

    def keys_of(self, partner: str) -> list[str]:
        """The keys a partner accepted, in the order it accepted them."""
        return [k for k, (receipt, _) in self.accepted.items() if receipt.startswith(partner)]

    def answer(self, partner: str, key: str, body: dict[str, Any]) -> tuple[int, dict[str, str]]:
        """What the partner answers to one call."""
        with self.lock:
            if partner in self.down:
                self.refused += 1
                return 503, {"error": "down"}
            self.received.append((partner, key))
            known = self.accepted.get(key)
            if known is not None:
                return 200, {"receipt": known[0]}
            receipt = f"{partner}-{len(self.accepted) + 1}"
            self.accepted[key] = (receipt, body)
        if self.on_accept is not None:
            self.on_accept(partner, key)
        return 201, {"receipt": receipt}


def _handler(partners: SimulatedPartners) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            parts = self.path.strip("/").split("/")
            key = self.headers.get("Idempotency-Key", "")
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            if len(parts) != 2 or parts[1] != "deliveries" or not key:
                self._reply(400, {"error": "bad request"})
                return
            status, answer = partners.answer(parts[0], key, body)
            self._reply(status, answer)

        def _reply(self, status: int, answer: dict[str, str]) -> None:
            data = json.dumps(answer).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except OSError:
                pass  # the caller is gone (killed before the reply): the item stays accepted

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's signature
            pass  # quiet

    return Handler


@contextmanager
def simulated_partners() -> Iterator[SimulatedPartners]:
    """The partners' systems on a loopback port, for the duration of the block."""
    partners = SimulatedPartners()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(partners))
    server.daemon_threads = True
    partners.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="simulated-partners", daemon=True)
    thread.start()
    try:
        yield partners
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
