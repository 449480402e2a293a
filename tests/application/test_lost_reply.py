"""A lost reply to COMMIT on PostgreSQL: the library retries; the caller gets the first outcome."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from api.bootstrap import bootstrap
from application.partners.commands import RegisterPartner
from infrastructure.settings import Settings
from tests.support.clock import TestClock
from tests.support.postgres import PostgresServer
from tests.support.proxy import CommitCuttingProxy


@pytest.fixture
def proxy(postgres_server: PostgresServer) -> Iterator[CommitCuttingProxy]:
    with CommitCuttingProxy(postgres_server.port) as running:
        yield running


def through(settings: Settings, port: int) -> Settings:
    """The same settings, connecting through the proxy's port."""
    params = psycopg.conninfo.conninfo_to_dict(settings.database_url)
    url = f"postgresql://{params['user']}:{params['password']}@127.0.0.1:{port}/{params['dbname']}"
    return settings.model_copy(update={"database_url": url})


def count_rows(settings: Settings, table: str) -> int:
    with psycopg.connect(settings.owner_database_url or "") as conn:
        row = conn.execute(f"SELECT count(*) FROM dar.{table}").fetchone()
    assert row is not None
    return int(row[0])


def test_a_commit_whose_reply_is_lost_returns_the_original_outcome(
    pg_settings: Settings, proxy: CommitCuttingProxy
) -> None:
    dar = bootstrap(through(pg_settings, proxy.port), TestClock())
    command = RegisterPartner(
        command_id="lost-1",
        actor="admin:1",
        code="STEG",
        name_ar="الشركة التونسية للكهرباء والغاز",
        name_fr="STEG",
    )
    try:
        proxy.arm()
        outcome = dar.partners.register_partner(command)
        assert proxy.cuts == 1  # the reply to COMMIT was really lost
        assert outcome.replayed  # the retry found the command recorded by the lost commit
        assert outcome.position == 1
        again = dar.partners.register_partner(command)
        assert (again.value, again.position) == (outcome.value, outcome.position)
    finally:
        dar.close()
    assert count_rows(pg_settings, "dar_events") == 1
    assert count_rows(pg_settings, "dar_commands") == 1
