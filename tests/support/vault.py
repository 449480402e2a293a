"""Helpers for the vault's maintenance tests.

The `dar` command line run with a store's settings, the files of that store, the configurations
of a master-key rotation, and the wrapped keys as they are stored.
"""

from __future__ import annotations

from uuid import UUID

import pytest
from pydantic import SecretStr
from typer.testing import CliRunner, Result

from api.bootstrap import Dar
from api.cli import app
from infrastructure.eventstore.factory import is_postgres
from infrastructure.settings import Settings
from tests.support.data_files import DataFiles, data_files
from tests.support.postgres import PostgresServer

OLD_MASTER_KEY = Settings.model_fields["master_key"].default.get_secret_value()
NEW_MASTER_KEY = "rotated-master-key-for-the-tests-0123456789"


def run_dar(settings: Settings, *args: str) -> Result:
    """`dar ARGS` as an operator runs it, configured by environment variables like theirs."""
    env = {
        "DAR_DATABASE_URL": settings.database_url,
        "DAR_MASTER_KEY": settings.master_key.get_secret_value(),
        "DAR_RETIRED_MASTER_KEYS": settings.retired_master_keys.get_secret_value(),
    }
    if settings.owner_database_url is not None:
        env["DAR_OWNER_DATABASE_URL"] = settings.owner_database_url
    return CliRunner().invoke(app, list(args), env=env)


def store_files(request: pytest.FixtureRequest, settings: Settings) -> DataFiles:
    """The data files of the store (the test's PostgreSQL server's folder, or the SQLite files)."""
    server: PostgresServer | None = None
    if is_postgres(settings.database_url):
        server = request.getfixturevalue("postgres_server")
    return data_files(settings, server)


def rotating(settings: Settings) -> Settings:
    """The new master key current, the old one retired: the configuration during a rotation."""
    return settings.model_copy(
        update={
            "master_key": SecretStr(NEW_MASTER_KEY),
            "retired_master_keys": SecretStr(OLD_MASTER_KEY),
        }
    )


def rotated(settings: Settings) -> Settings:
    """The new master key alone: the configuration once the old one is retired."""
    return settings.model_copy(update={"master_key": SecretStr(NEW_MASTER_KEY)})


def wrapped_keys(dar: Dar) -> dict[UUID, bytes]:
    """Every wrapped key as stored now, by citizen."""
    keys, _ = dar.vault.storage.rows()
    return dict(keys)
