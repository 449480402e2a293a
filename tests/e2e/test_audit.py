"""An auditor checks the log on both stores, read-only, and finds an event edited by hand.

Through GraphQL `verifyJournal`, `dar audit …` under a read-only database role, and the reference
verifier on an export kept outside Dar. Haidra's staffed history is recorded; the auditor finds it intact, exports a checkpoint and the
period of Haidra's events; then an event is edited by hand by the database owner: `dar audit
verify`, `verifyJournal` and the reference verifier on a new export all name its position.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from api.auth import Role
from api.bootstrap import bootstrap
from api.http import create_app
from infrastructure.eventstore.factory import is_postgres
from infrastructure.settings import Settings
from tests.support.api import error_codes, graphql, token_for
from tests.support.audit import Owner, reference_verifier, run_dar
from tests.support.clock import TestClock
from tests.support.postgres import PostgresServer
from tests.support.spec import Scenario

VERIFY = """query($checkpoint: CheckpointInput) {
  verifyJournal(checkpoint: $checkpoint) {
    intact events headPosition headHash firstBrokenPosition reason
  }
}"""
PERIOD = ("--from", "2026-01-05", "--to", "2026-01-06", "--house", "haidra")


@pytest.fixture
def haidra(store_settings: Settings) -> Settings:
    """Haidra's staffed history, recorded."""
    clock = TestClock()
    dar = bootstrap(store_settings, clock)
    try:
        Scenario(dar, clock).given("delegation/haidra_staffed.yaml").at("day 2 09:00")
    finally:
        dar.close()
    return store_settings


@pytest.fixture
def read_only(haidra: Settings, request: pytest.FixtureRequest) -> Settings:
    """Settings whose database role may only read the events and their chain.

    SQLite: the same file, which the verifier and the export open read-only.
    """
    if not is_postgres(haidra.database_url):
        return haidra
    server: PostgresServer = request.getfixturevalue("postgres_server")
    dbname = str(conninfo_to_dict(haidra.database_url)["dbname"])
    role = f"reader_{dbname}"
    with psycopg.connect(server.admin_url(dbname), autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE ROLE {0} LOGIN PASSWORD 'reader'").format(sql.Identifier(role))
        )
        for statement in (
            "GRANT CONNECT ON DATABASE {db} TO {role}",
            "GRANT USAGE ON SCHEMA dar TO {role}",
            "GRANT SELECT ON dar.dar_events, dar.dar_chain TO {role}",
        ):
            conn.execute(
                sql.SQL(statement).format(db=sql.Identifier(dbname), role=sql.Identifier(role))
            )
    return haidra.model_copy(update={"database_url": server.url(role, "reader", dbname)})


@pytest.fixture
def auditor(haidra: Settings) -> Iterator[tuple[TestClient, str]]:
    with TestClient(create_app(haidra)) as client:
        yield client, token_for(haidra, Role.AUDITOR)


def verify_journal(
    auditor: tuple[TestClient, str], checkpoint: dict[str, object] | None = None
) -> dict[str, object]:
    client, token = auditor
    variables = None if checkpoint is None else {"checkpoint": checkpoint}
    body = graphql(client, VERIFY, variables, token=token)
    assert "errors" not in body, body
    found: dict[str, object] = body["data"]["verifyJournal"]
    return found


def full_events(export: Path) -> list[int]:
    lines = [json.loads(line) for line in export.read_text().splitlines()]
    return [line["position"] for line in lines if "state" in line]


def test_an_auditor_proves_an_event_was_edited_by_hand(
    haidra: Settings, read_only: Settings, auditor: tuple[TestClient, str], tmp_path: Path
) -> None:
    clean = verify_journal(auditor)
    assert clean["intact"] is True
    assert clean["firstBrokenPosition"] is None

    checkpoint, period = tmp_path / "checkpoint.json", tmp_path / "period.jsonl"
    code, output = run_dar(read_only, "audit", "export-checkpoint", "--out", str(checkpoint))
    assert code == 0, output
    held = json.loads(checkpoint.read_text())
    assert (held["position"], held["hash"]) == (clean["headPosition"], clean["headHash"])
    code, output = run_dar(read_only, "audit", "export", *PERIOD, "--out", str(period))
    assert code == 0, output
    haidras = full_events(period)
    assert len(haidras) > 2
    assert reference_verifier(period, checkpoint)[0] == 0

    edited = haidras[len(haidras) // 2]
    Owner(haidra).alter_payload(edited)

    code, output = run_dar(read_only, "audit", "verify", "--checkpoint", str(checkpoint))
    assert code == 1
    assert f"broken at position {edited}:" in output
    given = {"position": held["position"], "hash": held["hash"]}
    assert verify_journal(auditor, given)["firstBrokenPosition"] == edited
    again = tmp_path / "again.jsonl"
    assert run_dar(read_only, "audit", "export", *PERIOD, "--out", str(again))[0] == 0
    code, output = reference_verifier(again, checkpoint)
    assert (code, output.split(":")[0]) == (1, f"broken at position {edited}")
    assert reference_verifier(period, checkpoint)[0] == 0  # the copy kept outside Dar


def test_a_checkpoint_the_log_no_longer_reaches_is_reported(
    haidra: Settings, auditor: tuple[TestClient, str]
) -> None:
    head = verify_journal(auditor)
    owner = Owner(haidra)
    last = int(str(head["headPosition"]))
    owner.run(
        (f"DELETE FROM {owner.events} WHERE {owner.pos} = ?", (last,)),
        (f"DELETE FROM {owner.chain} WHERE position = ?", (last,)),
    )
    assert verify_journal(auditor)["intact"] is True  # without the checkpoint, nothing shows
    given = {"position": last, "hash": head["headHash"]}
    cut = verify_journal(auditor, given)
    assert (cut["intact"], cut["firstBrokenPosition"]) == (False, last)


def test_a_malformed_checkpoint_is_refused(auditor: tuple[TestClient, str]) -> None:
    client, token = auditor
    bad = {"checkpoint": {"position": 1, "hash": "not hex"}}
    assert error_codes(graphql(client, VERIFY, bad, token=token)) == ["VALIDATION"]


def test_the_read_only_role_cannot_write_the_chain(read_only: Settings, haidra: Settings) -> None:
    if not is_postgres(haidra.database_url):
        pytest.skip("SQLite has no roles: the verifier opens the file read-only")
    with (
        psycopg.connect(read_only.database_url) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        conn.execute("DELETE FROM dar.dar_chain")
