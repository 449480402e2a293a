"""An in-process API (ASGI, no network) on each store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.http import create_app
from infrastructure.settings import Settings


@pytest.fixture
def api_settings(store_settings: Settings) -> Settings:
    return store_settings.model_copy(update={"freshness_wait_seconds": 2.0})


@pytest.fixture
def client(api_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(api_settings)) as test_client:
        yield test_client
