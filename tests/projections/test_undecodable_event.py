"""An event that cannot even be decoded is reported like any other failure, and skipped the same way.

Every read model decodes each event, so a stored timestamp that no datetime can be read from stops
all of them at that event. Readiness, metrics and `dar projections status` must still report it
(they look at the next event to say how old the lag is), and the operator path recovers it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

import api.http
from api.bootstrap import Dar
from api.http import create_app
from infrastructure.readmodels.failures import skip_failed_event
from infrastructure.settings import Settings
from tests.projections.test_poison_event import (  # the fixture and helpers of the poison test
    COUNTED,
    dar_cli,
    eventually,
    poisoned,  # noqa: F401 - a fixture
    register,
)
from tests.support.poison import inject

UNDECODABLE = "MapperDeserialisationError"


def garbage_timestamp(state: dict[str, Any]) -> None:
    state["timestamp"] = {"_type_": "datetime_iso", "_data_": "garbage"}


def test_an_undecodable_event_is_reported_degraded_everywhere_and_skipped_by_an_operator(
    poisoned: Dar,  # noqa: F811 - the imported fixture
    store_settings: Settings,
) -> None:
    dar, settings = poisoned, store_settings
    register(dar, "P1")
    bad = inject(dar, "POISON", garbage_timestamp)
    head = register(dar, "P3")
    keys = dar.read.tracking_keys()
    needing = {
        dar.read.partners_key,
        dar.read.dashboard_key,
        dar.read.audit_key,
        dar.read.deliveries_key,  # it learns the partners' codes from their events
        dar.read.statistics_key,  # a grant names its partner by id: it learns the codes
        COUNTED,
    }  # decode it
    others = set(keys) - needing
    with TestClient(create_app(settings, dar)) as client:
        eventually(lambda: set(dar.projections.failures()) == needing, "its readers stop at it")
        # the event is decoded only for the read models that need it: the others pass it by
        eventually(lambda: all(dar.read.db.tracked(k) == head for k in others), "others current")
        ready = client.get("/readyz")
        assert ready.status_code == 200, ready.text
        report = ready.json()
        assert report["status"] == "degraded"
        failed = {f["projection"]: (f["position"], f["error"]) for f in report["failures"]}
        assert failed == dict.fromkeys(needing, (bad, UNDECODABLE))
        lags = {k: v["positions"] for k, v in report["projections"].items()}
        assert lags == {k: head - (bad - 1) if k in needing else 0 for k in keys}
        metrics = client.get("/metrics")
        assert metrics.status_code == 200, metrics.text
        for key in needing & set(keys):  # the counting read model is this test's own
            assert f'dar_projection_failed_position{{projection="{key}"}} {bad}.0' in metrics.text
            assert f'dar_projection_lag_positions{{projection="{key}"}} 2.0' in metrics.text

        status = dar_cli(settings, "projections", "status")
        assert status.exit_code == 1, status.output
        assert f"FAILED at {bad}" in status.output
        assert UNDECODABLE in status.output

        for key in needing - {COUNTED}:
            done = dar_cli(
                settings, "projections", "skip", key, "--position", str(bad),
                "--reason", "timestamp unreadable", "--by", "leila",
            )  # fmt: skip
            assert done.exit_code == 0, done.output
        now = datetime.now(tz=UTC)
        skip_failed_event(dar.read.db, COUNTED, position=bad, reason="x", by="leila", now=now)
        eventually(lambda: not dar.projections.failures(), "every projection recovered")
        eventually(lambda: all(dar.read.db.tracked(k) == head for k in keys), "all at the head")
        after = client.get("/readyz").json()
        assert (after["status"], after["failures"]) == ("ready", [])
        assert dar_cli(settings, "projections", "status").exit_code == 0


def test_metrics_still_answer_when_the_read_models_state_cannot_be_read(
    store_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreadable(_: Dar) -> dict[str, Any]:
        msg = "the read database went away"
        raise ConnectionError(msg)

    with TestClient(create_app(store_settings)) as client:
        monkeypatch.setattr(api.http, "projection_report", unreadable)
        metrics = client.get("/metrics")
        ready = client.get("/readyz")
    assert metrics.status_code == 200, metrics.text
    assert "dar_http_requests_total" in metrics.text
    assert (ready.status_code, ready.json()["status"]) == (503, "unavailable")
