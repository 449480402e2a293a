"""Every wait on PostgreSQL is bounded: a lock held elsewhere costs a retry, never a hung request.

The settings here make the bounds one to a few seconds so that the tests finish quickly; they
assert on the answers (the typed error, nothing recorded, the catch-up), never on the clock.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import psycopg
import pytest
from eventsourcing.persistence import OperationalError
from fastapi.testclient import TestClient

from api.auth import Role
from api.bootstrap import Dar, bootstrap
from api.http import create_app
from application.errors import StoreBusyError
from application.partners.commands import RegisterPartner
from infrastructure.eventstore.pg_setup import bound_roles
from infrastructure.eventstore.postgres import DarPostgresRecorder, _bounded
from infrastructure.readmodels.partners import TABLE as PARTNERS_TABLE
from infrastructure.settings import Settings
from infrastructure.vault.postgres_storage import PostgresVaultStorage
from tests.support.api import graphql, token_for
from tests.support.clock import TestClock
from tests.support.stores import PostgresDatabases

APP, PROJECTOR, OWNER = "dar_app", "dar_projector", "dar_owner"
REGISTER = (
    'mutation($id: String!) { registerPartner(input: {commandId: $id, code: "STEG", '
    'nameAr: "الستاغ", nameFr: "STEG"}) { position replayed } }'
)
PARTNERS = "query($p: Position) { partners(atLeastPosition: $p) { code } }"


@pytest.fixture
def bounded(pg_settings: Settings) -> Settings:
    """A fresh database, with bounds small enough for a test: each distinct, to tell them apart."""
    return pg_settings.model_copy(
        update={
            "postgres_lock_timeout_seconds": 1,
            "postgres_statement_timeout_seconds": 2,
            "postgres_idle_in_transaction_timeout_seconds": 3,
            "postgres_projector_lock_timeout_seconds": 4,
            "postgres_projector_statement_timeout_seconds": 7,
            "postgres_projector_idle_in_transaction_timeout_seconds": 8,
            "freshness_wait_seconds": 10.0,
        }
    )


@pytest.fixture
def dar(bounded: Settings) -> Iterator[Dar]:
    """Dar on the bounded settings, projections not running."""
    app = bootstrap(bounded, TestClock())
    yield app
    app.close()


@contextmanager
def holding(url: str, statement: str) -> Iterator[psycopg.Connection[tuple[Any, ...]]]:
    """Another session, holding the lock `statement` takes, idle in its transaction."""
    with psycopg.connect(url) as conn:
        conn.execute(statement)
        try:
            yield conn
        finally:
            if not conn.closed:
                conn.rollback()


def locked_log(settings: Settings) -> AbstractContextManager[psycopg.Connection[tuple[Any, ...]]]:
    """The owner, as a migration would: the events table locked against every other session."""
    return holding(
        settings.owner_database_url or "", "LOCK TABLE dar.dar_events IN ACCESS EXCLUSIVE MODE"
    )


def steg(command_id: str) -> RegisterPartner:
    return RegisterPartner(
        command_id=command_id, actor="admin:1", code="STEG", name_ar="الستاغ", name_fr="STEG"
    )


def recorded(settings: Settings) -> tuple[int, int]:
    """How many events and command keys the log holds."""
    with psycopg.connect(settings.owner_database_url or "") as conn:
        events = conn.execute("SELECT count(*) FROM dar.dar_events").fetchone()
        keys = conn.execute("SELECT count(*) FROM dar.dar_commands").fetchone()
    assert events is not None
    assert keys is not None
    return int(events[0]), int(keys[0])


def eventually(condition: Callable[[], bool], what: str) -> None:
    """Wait for `condition` (a generous deadline, so a slow machine only makes it slower)."""
    deadline = time.monotonic() + 60
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.05)


BOUNDS = (
    "SELECT current_setting('lock_timeout') AS lock, "
    "current_setting('statement_timeout') AS statement, "
    "current_setting('idle_in_transaction_session_timeout') AS idle"
)


def test_a_command_whose_first_read_meets_a_locked_log_answers_store_busy_and_records_nothing(
    bounded: Settings, dar: Dar
) -> None:
    with locked_log(bounded), pytest.raises(StoreBusyError) as refused:
        dar.partners.register_partner(steg("c1"))
    assert refused.value.code == "STORE_BUSY"
    assert refused.value.retryable
    assert recorded(bounded) == (0, 0)
    again = dar.partners.register_partner(steg("c1"))
    assert not again.replayed
    assert recorded(bounded) == (1, 1)


def test_a_read_model_query_that_meets_a_lock_answers_store_busy(
    bounded: Settings, dar: Dar
) -> None:
    dar.projections.prepare()
    lock = f"LOCK TABLE dar_read.{PARTNERS_TABLE} IN ACCESS EXCLUSIVE MODE"
    with holding(bounded.projector_database_url or "", lock), pytest.raises(StoreBusyError):
        dar.read.partners.by_code("STEG")
    assert dar.read.partners.by_code("STEG") is None


def test_a_read_model_query_past_the_statement_bound_answers_store_busy(dar: Dar) -> None:
    with pytest.raises(StoreBusyError), dar.read.db.read() as cur:
        cur.execute("SELECT pg_sleep(3)")  # the application role's statements: 2 s here


def _lost_then(error: Exception) -> Callable[[], None]:
    """A call whose first attempt loses its connection and whose next attempts raise `error`."""
    attempts = iter([OperationalError("connection lost")])

    def call() -> None:
        raise next(attempts, None) or error

    return call


def _bound_reached() -> OperationalError:
    error = OperationalError("canceling statement due to lock timeout")
    error.__cause__ = psycopg.errors.LockNotAvailable()
    return error


def test_a_bound_met_by_a_retried_append_leaves_the_outcome_unknown_not_busy() -> None:
    # the first attempt may have committed before its connection was lost
    with pytest.raises(OperationalError):
        _bounded(_lost_then(_bound_reached()), reads=False)()
    with pytest.raises(OperationalError):
        _bounded(_lost_then(StoreBusyError()), reads=False)()
    with pytest.raises(StoreBusyError):
        _bounded(_lost_then(_bound_reached()), reads=True)()

    def first_attempt_meets_a_bound() -> None:
        raise _bound_reached()

    with pytest.raises(StoreBusyError):  # nothing was sent before: nothing was recorded
        _bounded(first_attempt_meets_a_bound, reads=False)()


def test_while_the_log_is_locked_graphql_answers_store_busy_the_projector_waits_then_both_resume(
    bounded: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    token = token_for(bounded, Role.ADMIN)
    caplog.set_level(logging.WARNING, logger="infrastructure.readmodels")
    with TestClient(create_app(bounded)) as client:
        with locked_log(bounded):
            body = graphql(client, REGISTER, {"id": "c1"}, token)
            eventually(lambda: _projector_reported_busy(caplog), "the projector reports")
            ready = client.get("/readyz")
        assert body["data"] is None
        [error] = body["errors"]
        assert error["extensions"] == {"code": "STORE_BUSY", "retryable": True}
        assert ready.status_code == 503
        assert recorded(bounded) == (0, 0)

        done = graphql(client, REGISTER, {"id": "c1"}, token)["data"]["registerPartner"]
        assert done["replayed"] is False
        read = graphql(client, PARTNERS, {"p": done["position"]}, token)
        assert read == {"data": {"partners": [{"code": "STEG"}]}}
        eventually(lambda: client.get("/readyz").status_code == 200, "projector caught up")
    assert recorded(bounded) == (1, 1)


def _projector_reported_busy(caplog: pytest.LogCaptureFixture) -> bool:
    return any(
        r.name.startswith("infrastructure.readmodels") and "busy" in r.getMessage()
        for r in caplog.records
    )


def test_an_idle_session_of_the_application_role_holding_a_lock_is_cut_off(
    bounded: Settings, dar: Dar, pg_databases: PostgresDatabases
) -> None:
    admin = pg_databases.server.admin_url()
    with psycopg.connect(admin, autocommit=True) as conn:
        bound_roles(conn, bounded)  # the application role's default: 3 s idle in a transaction
    try:
        lock = "LOCK TABLE dar.dar_events IN ROW EXCLUSIVE MODE"  # enough to stop every append
        with holding(bounded.database_url, lock) as idle:
            with pytest.raises(StoreBusyError):  # the append waits 1 s, the session idles 3 s
                dar.partners.register_partner(steg("c1"))
            assert recorded(bounded) == (0, 0)
            eventually(lambda: _session_gone(admin, idle.info.backend_pid), "idle session cut")
            with pytest.raises(psycopg.errors.IdleInTransactionSessionTimeout):
                idle.execute("SELECT 1")
        assert not dar.partners.register_partner(steg("c1")).replayed
        assert recorded(bounded) == (1, 1)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            bound_roles(conn, pg_databases.settings("postgres"))  # back to the defaults


def _session_gone(admin_url: str, pid: int) -> bool:
    with psycopg.connect(admin_url) as conn:
        row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (pid,))
        return row.fetchone() == (0,)


def test_dar_db_setup_gives_each_role_its_bounds_as_role_defaults(pg_settings: Settings) -> None:
    with psycopg.connect(pg_settings.owner_database_url or "") as conn:
        rows = conn.execute(
            "SELECT rolname, rolconfig FROM pg_roles WHERE rolname = ANY(%s)",
            ([APP, PROJECTOR, OWNER],),
        ).fetchall()
    config = {name: sorted(values or []) for name, values in rows}
    assert config == {
        APP: [
            "idle_in_transaction_session_timeout=30s",
            "lock_timeout=5s",
            "statement_timeout=10s",
        ],
        PROJECTOR: [
            "idle_in_transaction_session_timeout=60s",
            "lock_timeout=10s",
            "statement_timeout=300s",
        ],
        OWNER: [
            "idle_in_transaction_session_timeout=60s",
            "lock_timeout=10s",
            "statement_timeout=1800s",
        ],
    }
    with psycopg.connect(pg_settings.database_url) as conn:  # by hand: no options
        assert conn.execute(BOUNDS).fetchone() == ("5s", "10s", "30s")


def test_every_connection_dar_opens_carries_its_roles_bounds(dar: Dar) -> None:
    recorder = dar.store.recorder
    assert isinstance(recorder, DarPostgresRecorder)
    with recorder.datastore.get_connection() as conn:
        store = tuple((conn.execute(BOUNDS).fetchone() or {}).values())
    with dar.read.db.read() as cur:
        cur.execute(BOUNDS)
        reader = cur.fetchone()
    with dar.read.db.write() as cur:
        cur.execute(BOUNDS)
        writer = cur.fetchone()
    assert isinstance(dar.vault.storage, PostgresVaultStorage)
    with dar.vault.storage._pool.connection() as vault_conn:
        vault = vault_conn.execute(BOUNDS).fetchone()
    assert [store, reader, vault] == [("1s", "2s", "3s")] * 3
    assert writer == ("4s", "7s", "8s")
