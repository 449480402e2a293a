"""Fresh Dar stores for tests: an SQLite file, or a PostgreSQL database set up with Dar's roles."""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing, contextmanager
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from api.bootstrap import bootstrap
from infrastructure.eventstore.pg_setup import setup_database
from infrastructure.settings import Settings
from tests.support.postgres import PostgresServer

APP_PASSWORD = "app-secret"  # noqa: S105 - a throwaway test server
OWNER_PASSWORD = "owner-secret"  # noqa: S105
PROJECTOR_PASSWORD = "projector-secret"  # noqa: S105
TEMPLATE = "dar_template"
DROP = "DROP DATABASE IF EXISTS {0} WITH (FORCE)"
_numbers = itertools.count(1)


class PostgresDatabases:
    """Hands out fresh databases copied from one template that `dar db setup` prepared."""

    def __init__(self, server: PostgresServer, *, ahead: int = 0) -> None:
        self.server = server
        self._ahead = ahead
        template_settings = self.settings(TEMPLATE)
        with psycopg.connect(server.admin_url(), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {0}").format(sql.Identifier(TEMPLATE)))
        setup_database(server.admin_url(TEMPLATE), template_settings)
        # The read models' tables too, as after a first start: each test's database is a copy,
        # and creating some hundred tables per test cost a third of a second each time.
        with closing(bootstrap(template_settings)) as dar:
            dar.projections.prepare()
        # Copying the template takes the server about a third of a second: with `ahead`, one
        # thread keeps that many copies made (and drops the used ones) while the tests run.
        self._server_work = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dar-test-dbs")
        self._next: deque[Future[str]] = deque(self._copy() for _ in range(ahead))

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
        if not self._next:
            return self.settings(self._copy().result())
        name = self._next.popleft().result()
        self._next.append(self._copy())
        return self.settings(name)

    def drop(self, settings: Settings) -> None:
        """Remove a database handed out by `create` (with `ahead`, in the background)."""
        dbname = str(psycopg.conninfo.conninfo_to_dict(settings.database_url)["dbname"])
        dropped = self._server_work.submit(self._run, DROP, dbname)
        if not self._ahead:
            dropped.result()

    def close(self) -> None:
        """Wait for the copies and drops under way."""
        self._server_work.shutdown(wait=True, cancel_futures=True)

    def _copy(self) -> Future[str]:
        name = f"dar_test_{next(_numbers)}"
        statement = "CREATE DATABASE {0} TEMPLATE " + TEMPLATE + " STRATEGY FILE_COPY"
        return self._server_work.submit(self._run, statement, name)

    def _run(self, statement: str, dbname: str) -> str:
        with psycopg.connect(self.server.admin_url(), autocommit=True) as conn:
            conn.execute(sql.SQL(statement).format(sql.Identifier(dbname)))
        return dbname


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
