"""PostgreSQL roles: the application appends and reads events, and can do nothing else to them."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import errors

from api.bootstrap import bootstrap
from application.partners.commands import RegisterPartner
from infrastructure.settings import Settings
from tests.support.clock import TestClock

FORBIDDEN_ON_EVENTS = [
    "UPDATE dar.dar_events SET topic = 'x'",
    "DELETE FROM dar.dar_events",
    "TRUNCATE dar.dar_events",
    "UPDATE dar.dar_commands SET outcome = '{}'",
    "DELETE FROM dar.dar_commands",
    "TRUNCATE dar.dar_commands",
    "INSERT INTO dar.dar_chain VALUES (99, '\\x00')",
    "UPDATE dar.dar_chain SET hash = '\\x00'",
    "DELETE FROM dar.dar_chain",
    "LOCK TABLE dar.dar_events IN EXCLUSIVE MODE",
    "ALTER TABLE dar.dar_events DISABLE TRIGGER ALL",
    "DROP TABLE dar.dar_events",
    "CREATE TABLE dar.intruder (x int)",
    "CREATE TABLE dar_read.intruder (x int)",
]


@pytest.fixture
def with_one_event(pg_settings: Settings) -> Settings:
    dar = bootstrap(pg_settings, TestClock())
    dar.partners.register_partner(
        RegisterPartner(
            command_id="c1",
            actor="admin:1",
            code="STEG",
            name_ar="الشركة التونسية للكهرباء والغاز",
            name_fr="STEG",
        )
    )
    dar.close()
    return pg_settings


def test_the_application_role_appends_through_the_library_and_reads(
    with_one_event: Settings,
) -> None:
    with psycopg.connect(with_one_event.database_url) as conn:
        row = conn.execute("SELECT count(*) FROM dar.dar_events").fetchone()
    assert row == (1,)


@pytest.mark.parametrize("statement", FORBIDDEN_ON_EVENTS)
def test_the_application_role_cannot_alter_history(
    with_one_event: Settings, statement: str
) -> None:
    with (
        psycopg.connect(with_one_event.database_url) as conn,
        pytest.raises((errors.InsufficientPrivilege, errors.WrongObjectType)),
    ):
        conn.execute(statement)
    with psycopg.connect(with_one_event.owner_database_url or "") as conn:
        assert conn.execute("SELECT count(*) FROM dar.dar_events").fetchone() == (1,)


def test_the_projector_owns_the_read_models_and_the_application_reads_them(
    pg_settings: Settings,
) -> None:
    with psycopg.connect(pg_settings.projector_database_url or "", autocommit=True) as conn:
        conn.execute("CREATE TABLE dar_read.role_probe (code text PRIMARY KEY)")
        conn.execute("INSERT INTO dar_read.role_probe VALUES ('STEG')")
        assert conn.execute("SELECT count(*) FROM dar.dar_events").fetchone() == (0,)
    with psycopg.connect(pg_settings.database_url) as conn:
        assert conn.execute("SELECT code FROM dar_read.role_probe").fetchall() == [("STEG",)]
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("DELETE FROM dar_read.role_probe")
    with psycopg.connect(pg_settings.projector_database_url or "", autocommit=True) as conn:
        conn.execute("DROP TABLE dar_read.role_probe")
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute(
                "INSERT INTO dar.dar_events (originator_id, originator_version) "
                "VALUES (gen_random_uuid(), 1)"
            )
