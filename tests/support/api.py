"""Calling Dar's GraphQL API in tests: in-process through ASGI, or a real server over HTTP."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

from api.auth import Role, TokenService
from infrastructure.settings import Environment, Settings

ROOT = Path(__file__).resolve().parents[2]


def graphql(
    client: httpx.Client,
    query: str,
    variables: Mapping[str, object] | None = None,
    token: str | None = None,
) -> dict[str, Any]:
    """POST one operation; the JSON answer."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = client.post(
        "/graphql", json={"query": query, "variables": dict(variables or {})}, headers=headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def error_codes(body: Mapping[str, Any]) -> list[str]:
    """The codes of a response's errors."""
    return [e["extensions"]["code"] for e in body.get("errors") or []]


def token_for(
    settings: Settings, role: Role, house: str | None = None, partner: str | None = None
) -> str:
    """A token of `role` signed for these settings."""
    return TokenService(settings).mint(f"test-{role.value}", role, house=house, partner=partner)


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def environment(settings: Settings, **extra: str) -> dict[str, str]:
    """Environment variables that give a child process these settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DAR_")}
    env.update(
        {
            "DAR_DATABASE_URL": settings.database_url,
            "DAR_TOKEN_SECRET": settings.token_secret.get_secret_value(),
            "DAR_FRESHNESS_WAIT_SECONDS": str(settings.freshness_wait_seconds),
        }
    )
    if settings.projector_database_url:
        env["DAR_PROJECTOR_DATABASE_URL"] = settings.projector_database_url
    if settings.owner_database_url:
        env["DAR_OWNER_DATABASE_URL"] = settings.owner_database_url
    env.update(extra)
    return env


@dataclass
class Server:
    """A Dar API process listening on loopback."""

    url: str
    process: subprocess.Popen[bytes]

    def client(self) -> httpx.Client:
        """An HTTP client for this server."""
        return httpx.Client(base_url=self.url, timeout=30)


@contextmanager
def running(
    command: list[str], env: Mapping[str, str], cwd: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """A child process, stopped at the end."""
    process = subprocess.Popen(  # noqa: S603 - our own entry points
        command, env=dict(env), cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@contextmanager
def serve(settings: Settings, cwd: Path, **extra: str) -> Iterator[Server]:
    """`dar run` on a free port (reference data loaded, GraphQL served), until the block ends."""
    port = free_port()
    env = environment(settings, DAR_PORT=str(port), **extra)
    dar = str(Path(sys.executable).with_name("dar"))
    with running([dar, "run"], env, cwd) as process:
        server = Server(url=f"http://127.0.0.1:{port}", process=process)
        _wait_until_healthy(server)
        yield server


def _wait_until_healthy(server: Server) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            output = server.process.stdout.read().decode() if server.process.stdout else ""
            raise AssertionError(f"the server exited early:\n{output}")
        try:
            if httpx.get(f"{server.url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError("the server did not become healthy within 60 s")


def in_production(
    database_url: str, *, token_secret: str | None = None, public_url: str | None = None
) -> Settings:
    """Production settings with fresh random secrets of the kind production accepts."""
    return Settings(
        database_url=database_url,
        environment=Environment.PRODUCTION,
        token_secret=SecretStr(token_secret or secrets.token_urlsafe(32)),
        master_key=SecretStr(secrets.token_urlsafe(32)),
        gateway_secret=SecretStr(secrets.token_urlsafe(32)),
        public_url=public_url,
    )
