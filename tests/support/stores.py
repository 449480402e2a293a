"""Fresh Dar stores for tests: an SQLite file, or a PostgreSQL database set up with Dar's roles."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from infrastructure.eventstore.pg_setup import setup_database
from infrastructure.settings import Settings
from tests.support.postgres import PostgresServer

APP_PASSWORD = "app-secret"  # noqa: S105 - a throwaway test server
OWNER_PASSWORD = "owner-secret"  # noqa: S105
PROJECTOR_PASSWORD = "projector-secret"  # noqa: S105
TEMPLATE = "dar_template"
_numbers = itertools.count(1)


class PostgresDatabases:
    """Hands out fresh databases copied from one template that `dar db setup` prepared."""

    def __init__(self, server: PostgresServer) -> None:
        self.server = server
        template_settings = self.settings(TEMPLATE)
        with psycopg.connect(server.admin_url(), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {0}").format(sql.Identifier(TEMPLATE)))
        setup_database(server.admin_url(TEMPLATE), template_settings)

    def settings(self, dbname: str) -> Settings:
        """Settings whose roles reach `dbname`."""
        s = self.server
        return Settings(
            database_url=s.url("dar_app", APP_PASSWORD, dbname),
            owner_database_url=s.url("dar_owner", OWNER_PASSWORD, dbname),
            projector_database_url=s.url("dar_projector", PROJECTOR_PASSWORD, dbname),
        )

    def create(self) -> Settings:
        """A new, empty, set-up database."""
        name = f"dar_test_{next(_numbers)}"
        with psycopg.connect(self.server.admin_url(), autocommit=True) as conn:
            conn.execute(
                sql.SQL("CREATE DATABASE {0} TEMPLATE {1}").format(
                    sql.Identifier(name), sql.Identifier(TEMPLATE)
                )
            )
        return self.settings(name)

    def drop(self, settings: Settings) -> None:
        """Remove a database handed out by `create`."""
        dbname = psycopg.conninfo.conninfo_to_dict(settings.database_url)["dbname"]
        with psycopg.connect(self.server.admin_url(), autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {0} WITH (FORCE)").format(
                    sql.Identifier(str(dbname))
                )
            )


@contextmanager
def sqlite_settings(folder: Path) -> Iterator[Settings]:
    """Settings for a fresh SQLite file in `folder`."""
    yield Settings(database_url=f"sqlite:///{folder / 'dar.sqlite'}")


@contextmanager
def fresh_store(request: pytest.FixtureRequest, folder: Path) -> Iterator[Settings]:
    """A fresh store of the kind `request.param` names ("sqlite" or "postgres").

    An SQLite file in `folder`, or a database of `pg_databases` dropped afterwards; for module-
    and session-scoped fixtures parametrised over both stores.
    """
    if request.param == "sqlite":
        yield Settings(database_url=f"sqlite:///{folder / 'dar.sqlite'}")
        return
    databases: PostgresDatabases = request.getfixturevalue("pg_databases")
    settings = databases.create()
    try:
        yield settings
    finally:
        databases.drop(settings)
