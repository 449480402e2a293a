"""Test fixtures: every store-backed test runs on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from api.bootstrap import Dar, bootstrap
from infrastructure.settings import Settings
from tests.support.browser import browser  # noqa: F401 - one Chromium for the session
from tests.support.clock import TestClock
from tests.support.postgres import PostgresServer, PostgresUnavailableError, start_postgres
from tests.support.stores import PostgresDatabases

settings.register_profile(
    "default", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci", max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "marathon", max_examples=20000, deadline=None, suppress_health_check=list(HealthCheck)
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

STORES = ("sqlite", "postgres")


def _postgres_required() -> bool:
    return os.environ.get("DAR_REQUIRE_POSTGRES", "") == "1"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A throwaway PostgreSQL server for the whole session."""
    try:
        server = start_postgres()
    except PostgresUnavailableError as error:
        if _postgres_required():
            pytest.fail(str(error), pytrace=False)
        pytest.skip(str(error))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def pg_databases(postgres_server: PostgresServer) -> Iterator[PostgresDatabases]:
    """Hands out fresh, set-up PostgreSQL databases."""
    databases = PostgresDatabases(postgres_server, ahead=2)  # copies made while tests run
    yield databases
    databases.close()


@pytest.fixture
def pg_settings(pg_databases: PostgresDatabases) -> Iterator[Settings]:
    """Settings for a fresh PostgreSQL database."""
    settings = pg_databases.create()
    yield settings
    pg_databases.drop(settings)


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    """Settings for a fresh SQLite file."""
    return Settings(database_url=f"sqlite:///{tmp_path / 'dar.sqlite'}")


@pytest.fixture(params=STORES)
def store_settings(request: pytest.FixtureRequest) -> Settings:
    """Settings for a fresh store of each kind: the same test runs on SQLite and PostgreSQL."""
    fixture = "sqlite_settings" if request.param == "sqlite" else "pg_settings"
    value: Settings = request.getfixturevalue(fixture)
    return value


@pytest.fixture
def clock() -> TestClock:
    """The clock of the system under test."""
    return TestClock()


@pytest.fixture
def dar(store_settings: Settings, clock: TestClock) -> Iterator[Dar]:
    """Dar wired through its composition root, on each store."""
    app = bootstrap(store_settings, clock)
    yield app
    app.close()
