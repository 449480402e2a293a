"""Each registered read model's lag, in events and in seconds, on `/readyz`, `/metrics` and status.

Commands are written through GraphQL while no worker projects; the clock then moves on 90 s. Every
registered projection must show the events it has not applied and the age of the oldest of them
on all three; once a worker caught up, zero on all three.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import api.http
from api.auth import Role
from api.bootstrap import Dar, bootstrap, projections
from api.cli import app as cli
from api.http import create_app
from infrastructure.settings import Settings
from tests.support.api import environment, graphql, token_for
from tests.support.clock import TestClock

HELD = timedelta(seconds=90)
Lags = dict[str, tuple[float, float]]  # projection: (positions behind, seconds behind)


@dataclass
class Served:
    """Dar on a test clock, its API without embedded projections, and its settings."""

    dar: Dar
    client: TestClient
    settings: Settings
    clock: TestClock


@pytest.fixture
def served(
    store_settings: Settings, clock: TestClock, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Served]:
    """No worker runs: the read models stay where they are until the test catches them up."""
    monkeypatch.setattr(api.http, "LAG_REFRESH_SECONDS", 0.0)  # every scrape reads the lag
    settings = store_settings.model_copy(update={"embedded_projections": False})
    dar = bootstrap(settings, clock)
    dar.projections.prepare()
    try:
        with TestClient(create_app(settings, dar)) as client:
            yield Served(dar, client, settings, clock)
    finally:
        dar.close()


def register(served: Served, code: str) -> None:
    """A partner registered through GraphQL."""
    answer = graphql(
        served.client,
        f'mutation {{ registerPartner(input: {{commandId: "lag-{code}", code: "{code}", '
        f'nameAr: "شريك", nameFr: "{code}"}}) {{ position }} }}',
        token=token_for(served.settings, Role.ADMIN),
    )
    assert "errors" not in answer, answer


def on_readyz(served: Served) -> Lags:
    report = served.client.get("/readyz").json()
    return {k: (v["positions"], v["seconds"]) for k, v in report["projections"].items()}


def on_metrics(served: Served) -> Lags:
    text = served.client.get("/metrics").text

    def gauge(name: str, key: str) -> float:
        found = re.search(rf'^{name}{{projection="{key}"}} (\S+)$', text, re.MULTILINE)
        assert found, f"no {name} for {key}"
        return float(found[1])

    return {
        r.key: (
            gauge("dar_projection_lag_positions", r.key),
            gauge("dar_projection_lag_seconds", r.key),
        )
        for r in projections()
    }


def on_status(served: Served) -> tuple[Lags, str]:
    """`dar projections status --json`'s lags (on the system clock), and the text report."""
    env = environment(served.settings)
    shown = CliRunner().invoke(cli, ["projections", "status", "--json"], env=env)
    assert shown.exit_code == 0, shown.output
    report = json.loads(shown.output)["projections"]
    text = CliRunner().invoke(cli, ["projections", "status"], env=env)
    assert text.exit_code == 0, text.output
    return {k: (v["positions"], v["seconds"]) for k, v in report.items()}, text.output


def test_every_read_model_shows_its_lag_on_readyz_metrics_and_status_then_zero_once_caught_up(
    served: Served,
) -> None:
    register(served, "STEG")
    register(served, "SONEDE")
    head = served.dar.store.position()
    served.clock.advance(HELD)
    keys = [r.key for r in projections()]

    behind = dict.fromkeys(keys, (head, HELD.total_seconds()))
    assert on_readyz(served) == behind
    assert on_metrics(served) == behind
    status, text = on_status(served)
    assert status.keys() == set(keys)
    # the command line reads the system clock: the test clock's events are months old to it
    assert all(positions == head and seconds > 0 for positions, seconds in status.values())
    assert all(re.search(rf"{key} .* lag {head} events, [0-9.]+ s", text) for key in keys), text

    served.dar.projections.catch_up()

    current = dict.fromkeys(keys, (0, 0.0))
    assert on_readyz(served) == current
    assert on_metrics(served) == current
    status, text = on_status(served)
    assert status == current
    assert all(re.search(rf"{key} .* lag 0 events, 0.0 s", text) for key in keys), text


def test_every_registered_projection_is_a_read_model_dar_tracks(sqlite_settings: Settings) -> None:
    """What `/readyz`, `/metrics` and status report on is every registered projection."""
    dar = bootstrap(sqlite_settings, projector=False)
    try:
        assert sorted(dar.read.tracking_keys()) == sorted(r.key for r in projections())
    finally:
        dar.close()
