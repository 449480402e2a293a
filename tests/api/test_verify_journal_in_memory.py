"""`verifyJournal` on an in-memory SQLite store (development and tests).

A shared-cache one (`file:NAME?mode=memory&cache=shared`) is verified in the server's process,
tampering included; a private one (`:memory:`) cannot be reached from another connection and is
refused with its code, never as an internal error.
"""

from __future__ import annotations

import itertools
import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.auth import Role
from api.bootstrap import bootstrap
from api.http import create_app
from infrastructure.audit.log import UnreadableStoreError, open_stored_log
from infrastructure.settings import Settings
from tests.support.api import error_codes, graphql, token_for
from tests.support.clock import TestClock
from tests.support.counter import served
from tests.support.spec import Scenario

VERIFY = "{ verifyJournal { intact events headPosition firstBrokenPosition reason } }"
_names = itertools.count(1)


def test_a_shared_in_memory_store_is_verified_in_its_own_process() -> None:
    uri = f"file:dar_verify_{next(_names)}?mode=memory&cache=shared"
    settings = Settings(database_url=f"sqlite:///{uri}")
    clock = TestClock()
    dar = bootstrap(settings, clock)
    Scenario(dar, clock).given("delegation/haidra_staffed.yaml")
    head = dar.store.position()
    with served(settings, dar) as client:
        token = token_for(settings, Role.AUDITOR)
        clean = graphql(client, VERIFY, token=token)
        owner = sqlite3.connect(uri, uri=True)  # the database's owner, in the same process
        with owner:
            owner.execute("UPDATE stored_events SET state = state || x'00' WHERE rowid = 3")
        edited = graphql(client, VERIFY, token=token)
        owner.close()
    assert clean == {
        "data": {
            "verifyJournal": {
                "intact": True,
                "events": head,
                "headPosition": head,
                "firstBrokenPosition": None,
                "reason": None,
            }
        }
    }
    assert "errors" not in edited, edited
    assert edited["data"]["verifyJournal"]["firstBrokenPosition"] == 3


def test_a_private_in_memory_store_is_refused_with_its_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the vault's file goes beside the store's name: here
    settings = Settings(database_url="sqlite:///:memory:")
    with pytest.raises(UnreadableStoreError), open_stored_log(settings):
        pass
    with TestClient(create_app(settings)) as client:
        body = graphql(client, VERIFY, token=token_for(settings, Role.AUDITOR))
    assert error_codes(body) == ["STORE_NOT_READABLE"]
