"""After an erasure and `dar vault vacuum`, no data file holds the erased key or index hash.

On either store; the scan first finds them, so it is proven to see them.

On PostgreSQL the erasure alone leaves them in the heap file (a dead row version): that is the
defect `dar vault vacuum` repairs, and the test shows it before the vacuum.
"""

from __future__ import annotations

import logging
import sqlite3
from contextlib import closing
from uuid import UUID

import psycopg
import pytest

from api.bootstrap import Dar, bootstrap
from application.citizens.commands import EraseCitizen
from infrastructure.eventstore.factory import is_postgres
from infrastructure.settings import Settings
from infrastructure.vault.vault import sqlite_vault_path
from tests.support.citizens import agent, register
from tests.support.clock import TestClock
from tests.support.spec import Scenario
from tests.support.vault import run_dar, store_files, wrapped_keys

ERASED_CIN, KEPT_CIN = "04417263", "09185530"


def erase(dar: Dar, citizen: UUID) -> None:
    dar.citizens.erase_citizen(
        EraseCitizen(command_id="erase", actor="admin:1", citizen_id=citizen, reason="request")
    )


def test_after_erasure_and_vault_vacuum_no_data_file_holds_the_erased_key_or_its_index_hash(
    dar: Dar, store_settings: Settings, clock: TestClock, request: pytest.FixtureRequest
) -> None:
    files = store_files(request, store_settings)
    Scenario(dar, clock).given("delegation/haidra_staffed.yaml").at("day 2 09:00")
    kept = register(dar, KEPT_CIN, "Mongi Ayari")
    erased = register(dar, ERASED_CIN, "Hedia Gharbi")  # last: a plain VACUUM leaves its bytes
    keys = wrapped_keys(dar)
    erased_hash = dar.vault.crypto.index_hash(f"cin:{ERASED_CIN}").encode()
    assert files.holding(keys[erased]), "the scan must see a live wrapped key"
    assert files.holding(erased_hash), "the scan must see a live index hash"

    erase(dar, erased)
    if is_postgres(store_settings.database_url):
        assert files.holding(keys[erased]), "an erased key stays in a dead row version"
    result = run_dar(store_settings, "vault", "vacuum")

    assert result.exit_code == 0, result.output
    assert files.holding(keys[erased]) == []
    assert files.holding(erased_hash) == []
    assert files.holding(keys[kept]), "the other citizen's key is still there"
    assert dar.citizens.read(kept, "counter_service", agent("A17")).values["name"] == "Mongi Ayari"


def test_on_sqlite_a_reader_holding_the_vault_log_is_reported_and_a_later_vacuum_clears_it(
    dar: Dar,
    store_settings: Settings,
    clock: TestClock,
    request: pytest.FixtureRequest,
    caplog: pytest.LogCaptureFixture,
) -> None:
    if is_postgres(store_settings.database_url):
        pytest.skip("SQLite's write-ahead log (PostgreSQL's files are the test above)")
    files = store_files(request, store_settings)
    Scenario(dar, clock).given("delegation/haidra_staffed.yaml").at("day 2 09:00")
    erased = register(dar, ERASED_CIN, "Hedia Gharbi")
    key = wrapped_keys(dar)[erased]
    # another process (a projector, a command line) in a read transaction on the vault meanwhile
    with closing(sqlite3.connect(sqlite_vault_path(store_settings), isolation_level=None)) as other:
        other.execute("BEGIN")
        other.execute("SELECT count(*) FROM citizen_keys").fetchone()
        with caplog.at_level(logging.WARNING):
            erase(dar, erased)
        assert "a reader kept the write-ahead log from emptying" in caplog.text
        assert files.holding(key), "the erased key is still in the log the reader holds"
        held = run_dar(store_settings, "vault", "vacuum")
        assert held.exit_code == 1, held.output
        assert "run dar vault vacuum again" in held.output
        other.execute("COMMIT")
    done = run_dar(store_settings, "vault", "vacuum")
    assert done.exit_code == 0, done.output
    assert files.holding(key) == []


def test_on_postgres_a_snapshot_older_than_the_erasure_is_reported_and_a_later_vacuum_clears_it(
    pg_settings: Settings, clock: TestClock, request: pytest.FixtureRequest
) -> None:
    """A transaction open before the erasure may still see the erased row: the rewrite copies it.

    Any reader of the database (a report, a projector), whatever table it reads: the vacuum says
    it is incomplete, not done, and a vacuum after that reader has ended clears the files.
    """
    files = store_files(request, pg_settings)
    with closing(bootstrap(pg_settings, clock)) as dar:
        Scenario(dar, clock).given("delegation/haidra_staffed.yaml").at("day 2 09:00")
        erased = register(dar, ERASED_CIN, "Hedia Gharbi")
        key = wrapped_keys(dar)[erased]
        with psycopg.connect(pg_settings.database_url) as other:
            other.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            other.execute("SELECT count(*) FROM dar.dar_events").fetchone()  # its snapshot
            erase(dar, erased)
            held = run_dar(pg_settings, "vault", "vacuum")
            assert held.exit_code == 1, held.output
            assert "run dar vault vacuum again" in held.output
            assert files.holding(key), "the row version the reader may see was copied"
            other.rollback()
        done = run_dar(pg_settings, "vault", "vacuum")
    assert done.exit_code == 0, done.output
    assert files.holding(key) == []
