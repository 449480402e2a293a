"""Health, readiness (store reachable, projection lag) and Prometheus metrics."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from api.auth import Role
from api.http import create_app
from infrastructure.settings import Settings
from tests.support.api import graphql, token_for

REGISTER = (
    'mutation { registerPartner(input: {commandId: "ops-1", code: "STEG", '
    'nameAr: "الستاغ", nameFr: "STEG"}) { position } }'
)


def test_health_and_readiness_report_the_projection_lag(
    client: TestClient, api_settings: Settings
) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    graphql(client, REGISTER, token=token_for(api_settings, Role.ADMIN))
    deadline = time.monotonic() + 10
    report = client.get("/readyz").json()
    while report["projections"]["partners_v1"]["positions"] and time.monotonic() < deadline:
        time.sleep(0.05)
        report = client.get("/readyz").json()
    assert report["status"] == "ready"
    assert report["position"] == 1
    assert report["projections"]["partners_v1"] == {"positions": 0, "seconds": 0.0}


def test_readiness_shows_the_lag_when_nothing_projects(api_settings: Settings) -> None:
    settings = api_settings.model_copy(update={"embedded_projections": False})
    with TestClient(create_app(settings)) as client:
        graphql(client, REGISTER, token=token_for(settings, Role.ADMIN))
        lag = client.get("/readyz").json()["projections"]["partners_v1"]
    assert lag["positions"] == 1
    assert lag["seconds"] >= 0


def test_metrics_count_requests_commands_and_lag(
    client: TestClient, api_settings: Settings
) -> None:
    admin = token_for(api_settings, Role.ADMIN)
    graphql(client, REGISTER, token=admin)
    graphql(client, REGISTER, token=admin)
    text = client.get("/metrics").text
    assert 'dar_commands_total{command="registerPartner",outcome="recorded"} 1.0' in text
    assert 'dar_commands_total{command="registerPartner",outcome="replayed"} 1.0' in text
    assert 'dar_http_requests_total{method="POST",route="/graphql",status="200"}' in text
    assert "dar_projection_lag_positions" in text
    assert "dar_http_request_seconds_bucket" in text
