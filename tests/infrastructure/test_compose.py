"""docker-compose.yml cannot rot: each Dar service's command runs with its environment here.

Docker cannot run on these machines, so the test reads the file, resolves its variables, points
the `postgres` host at the test server, and runs the set-up, the API and the projection worker.
"""

from __future__ import annotations

import itertools
import os
import re
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import yaml
from psycopg import sql

from api.auth import Role, TokenService
from infrastructure.settings import Settings
from tests.support.api import free_port, running
from tests.support.postgres import PostgresServer
from tests.support.stores import APP_PASSWORD, OWNER_PASSWORD, PROJECTOR_PASSWORD

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SECRET = secrets.token_urlsafe(32)  # production asks for 32 random bytes
_numbers = itertools.count(1)
_VARIABLE = re.compile(r"\$\{(\w+)(?::-([^}]*))?\}")


def interpolate(value: str, variables: dict[str, str]) -> str:
    """Compose's `${NAME}` and `${NAME:-default}`."""
    return _VARIABLE.sub(lambda m: variables.get(m.group(1), m.group(2) or ""), value)


def declared_purposes(folder: Path) -> Path:
    """The shipped purposes, as a deployment's register would cite them (no DEV- reference)."""
    shipped = (ROOT / "infrastructure" / "reference" / "purposes.yaml").read_text()
    path = folder / "purposes.yaml"
    path.write_text(shipped.replace("declaration: DEV-", "declaration: INPDP-TEST-"))
    return path


@pytest.fixture
def compose(postgres_server: PostgresServer, tmp_path: Path) -> Iterator[dict[str, Any]]:
    dbname = f"dar_compose_{next(_numbers)}"
    with psycopg.connect(postgres_server.admin_url(), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {0}").format(sql.Identifier(dbname)))
    variables = {
        "POSTGRES_PASSWORD": postgres_server.password,
        "DAR_APP_PASSWORD": APP_PASSWORD,
        "DAR_OWNER_PASSWORD": OWNER_PASSWORD,
        "DAR_PROJECTOR_PASSWORD": PROJECTOR_PASSWORD,
        "DAR_TOKEN_SECRET": SECRET,
        "DAR_MASTER_KEY": secrets.token_urlsafe(32),
        "DAR_GATEWAY_SECRET": secrets.token_hex(32),
        "DAR_PURPOSES_FILE": str(declared_purposes(tmp_path)),
        "DAR_PUBLIC_URL": "https://dar.example.tn",
    }
    here = f"@127.0.0.1:{postgres_server.port}/{dbname}"
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    resolved: dict[str, Any] = {}
    for name, service in services.items():
        env = {
            key: interpolate(str(value), variables).replace("@postgres:5432/dar", here)
            for key, value in (service.get("environment") or {}).items()
        }
        resolved[name] = {"command": service.get("command"), "environment": env}
    yield resolved
    with psycopg.connect(postgres_server.admin_url(), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE {0} WITH (FORCE)").format(sql.Identifier(dbname)))


def process_env(service: dict[str, Any]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DAR_")}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.update(service["environment"])
    return env


def command(service: dict[str, Any], port: int | None = None) -> list[str]:
    words = [str(w) for w in service["command"]]
    if port is not None:
        words[words.index("8000")] = str(port)
        words[words.index("0.0.0.0")] = "127.0.0.1"  # noqa: S104 - the file binds all; the test loopback
    return words


def test_the_compose_services_set_up_serve_and_project(compose: dict[str, Any]) -> None:
    setup = compose["setup"]
    subprocess.run(command(setup), env=process_env(setup), cwd=ROOT, check=True, timeout=120)  # noqa: S603
    subprocess.run(command(setup), env=process_env(setup), cwd=ROOT, check=True, timeout=120)  # noqa: S603 - again: idempotent

    port = free_port()
    api, projector = compose["api"], compose["projector"]
    settings = Settings(
        **{k.removeprefix("DAR_").lower(): v for k, v in api["environment"].items()}
    )
    token = TokenService(settings).mint("ops", Role.ADMIN)
    with (
        running(command(api, port), process_env(api), ROOT),
        running(command(projector), process_env(projector), ROOT),
        httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client,
    ):
        _wait(client)
        mutation = (
            'mutation { registerPartner(input: {commandId: "c1", code: "STEG", '
            'nameAr: "الستاغ", nameFr: "STEG"}) { position } }'
        )
        headers = {"Authorization": f"Bearer {token}"}
        done = client.post("/graphql", json={"query": mutation}, headers=headers).json()
        position = done["data"]["registerPartner"]["position"]
        query = "query($p: Position) { partners(atLeastPosition: $p) { code } }"
        answer = client.post(
            "/graphql", json={"query": query, "variables": {"p": position}}, headers=headers
        )
        assert answer.json()["data"]["partners"] == [{"code": "STEG"}]
        assert "server" not in answer.headers  # the server software is not announced
        assert client.post(
            "/graphql", json={"query": "{ __schema { types { name } } }"}, headers=headers
        ).json()["errors"]


def _wait(client: httpx.Client) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if client.get("/readyz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError("the API did not become ready")
