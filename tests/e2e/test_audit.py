"""An auditor checks the log on both stores, read-only, and finds an event edited by hand.

Through GraphQL `verifyJournal`, `dar audit …` under a read-only database role, and the reference
verifier on an export kept outside Dar. Haidra's staffed history is recorded; the auditor finds it intact, exports a checkpoint and the
period of Haidra's events; then an event is edited by hand by the database owner: `dar audit
verify`, `verifyJournal` and the reference verifier on a new export all name its position.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from api.auth import Role, TokenService
from api.bootstrap import bootstrap
from api.demo import HOUSE as DEMO_HOUSE
from api.http import create_app
from domain.houses.house import house_id
from domain.shared.ids import natural_id
from infrastructure.eventstore.factory import is_postgres
from infrastructure.settings import Settings
from tests.support.api import (
    Server,
    environment,
    error_codes,
    free_port,
    graphql,
    running,
    token_for,
)
from tests.support.audit import Owner, reference_verifier, run_dar
from tests.support.clock import TestClock
from tests.support.e2e import Client
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


DAR = str(Path(sys.executable).with_name("dar"))
DEMO_HISTORY = """query($id: ID!) { history(aggregateId: $id) {
  events { position version type recordedAt actor payload } } }"""
SUSPENDED = """query($h: ID!, $p: Position) {
  journal(first: 100, filter: {houseId: $h, type: "DelegationGrant.Suspended"},
          atLeastPosition: $p) { events { aggregateId type payload } } }"""
GRANT_AS_OF = """query($id: ID!, $at: DateTime!) { asOf(aggregateId: $id, at: $at) {
  version fields } }"""
COMPLIANCE = """query($from: Date!, $to: Date!, $h: ID) {
  complianceReport(from: $from, to: $to, houseId: $h) { position uncovered { position act } } }"""
MONEY = """query($from: Date!, $to: Date!, $h: ID) { moneyReport(from: $from, to: $to, houseId: $h) {
  lines { partnerCode figures { captures captured } }
  disagreements { businessDate partnerCode } } }"""


def dar_cli(settings: Settings, cwd: Path, *args: str) -> tuple[int, str]:
    """`dar ARGS` as its own process with these settings; its exit code and output."""
    done = subprocess.run(  # noqa: S603 - our own entry point
        [DAR, *args],
        env=environment(settings),
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


@contextmanager
def demo(settings: Settings, cwd: Path) -> Iterator[httpx.Client]:
    """`dar run --demo` on a free port, until the block ends."""
    port = free_port()
    env = environment(settings, DAR_PORT=str(port))
    with running([DAR, "run", "--demo"], env, cwd) as process:
        server = Server(url=f"http://127.0.0.1:{port}", process=process)
        deadline = time.monotonic() + 60
        while not healthy(server):
            assert process.poll() is None, "the demo server exited early"
            assert time.monotonic() < deadline, "the demo server did not become healthy"
            time.sleep(0.1)
        with server.client() as http:
            yield http


def healthy(server: Server) -> bool:
    try:
        return httpx.get(f"{server.url}/healthz", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def pay_a_bill_in_cash(c: Client, agent: str, house: str) -> None:
    """A17 serves a citizen at counter 1 and records the cash payment of a STEG bill."""
    c.mutate(agent, "openCounter", "OpenCounterInput", "id", commandId="o", houseId=house, number=1)
    c.mutate(agent, "openTill", "OpenTillInput", "id", commandId="till", float="20.000")
    citizen = c.mutate(
        agent,
        "registerCitizen",
        "RegisterCitizenInput",
        "id",
        commandId="citizen",
        houseId=house,
        name="Hedia Gharbi",
        documentKind="CIN",
        documentNumber="04417263",
    )["id"]
    ticket = c.mutate(
        agent, "issueTicket", "IssueTicketInput", "ticket", commandId="t", houseId=house, line="A"
    )["ticket"]
    c.mutate(
        agent,
        "callNextTicket",
        "CallNextTicketInput",
        "ticket",
        commandId="call",
        houseId=house,
        counter=1,
    )
    request = c.mutate(
        agent,
        "lodgeRequest",
        "LodgeRequestInput",
        "id position",
        commandId="lodge",
        houseId=house,
        ticket=ticket,
        citizenId=citizen,
        partnerCode="STEG",
        serviceCode="BILL_PAYMENT",
        documents=[],
    )["id"]
    c.mutate(
        agent,
        "recordCashPayment",
        "RecordCashPaymentInput",
        "id position",
        commandId="cash",
        requestId=request,
        billReference="20261101",
    )


def test_issue_16_is_done_on_the_demo_history(store_settings: Settings, tmp_path: Path) -> None:
    admin = token_for(store_settings, Role.ADMIN)
    auditor = token_for(store_settings, Role.AUDITOR)
    agent = TokenService(store_settings).mint("A17", Role.AGENT, house=DEMO_HOUSE)
    house, cnam = str(house_id(DEMO_HOUSE)), str(natural_id("demo-grant", DEMO_HOUSE, "CNAM"))
    today = datetime.now(UTC).date()  # the period around the run, never asserted on
    period = {"from": str(today - timedelta(days=1)), "to": str(today + timedelta(days=1))}
    with demo(store_settings, tmp_path) as http:
        c = Client(http)
        c.mutate(
            admin,
            "suspendDelegation",
            "SuspendDelegationInput",
            "id position",
            commandId="suspend-cnam",
            grantId=cnam,
            reason="inspection",
        )
        pay_a_bill_in_cash(c, agent, house)
        history = c.call(auditor, DEMO_HISTORY, id=house)["history"]["events"]
        suspended = c.call(auditor, SUSPENDED, h=house, p=c.last)["journal"]["events"]
        granted, suspension = c.call(auditor, DEMO_HISTORY, id=cnam)["history"]["events"]
        before = c.call(auditor, GRANT_AS_OF, id=cnam, at=granted["recordedAt"])["asOf"]
        after = c.call(auditor, GRANT_AS_OF, id=cnam, at=suspension["recordedAt"])["asOf"]
        compliance = c.call(auditor, COMPLIANCE, h=house, **period)["complianceReport"]
        money = c.call(auditor, MONEY, h=house, **period)["moneyReport"]

    assert history[0]["type"] == "House.Registered"
    assert history[0]["payload"]["nameFr"] == "Maison de services de Haidra"
    assert suspended == [
        {
            "aggregateId": cnam,
            "type": "DelegationGrant.Suspended",
            "payload": {"reason": "inspection"},
        }
    ]
    assert sorted(granted["payload"]["services"]) == [
        "ENTITLEMENT_ATTESTATION",
        "REIMBURSEMENT_FILE",
    ]
    assert (before["version"], before["fields"]["state"]) == (1, "active")
    assert (after["version"], after["fields"]["state"]) == (2, "suspended")
    assert compliance["uncovered"] == []
    assert money["disagreements"] == []
    assert [(line["partnerCode"], line["figures"]["captures"]) for line in money["lines"]] == [
        ("STEG", 1)
    ]

    checkpoint, export = tmp_path / "checkpoint.json", tmp_path / "period.jsonl"
    window = ("--from", period["from"], "--to", period["to"], "--house", DEMO_HOUSE)
    code, output = dar_cli(
        store_settings, tmp_path, "audit", "export-checkpoint", "--out", str(checkpoint)
    )
    assert code == 0, output
    code, output = dar_cli(
        store_settings, tmp_path, "audit", "export", *window, "--out", str(export)
    )
    assert code == 0, output
    assert reference_verifier(export, checkpoint)[0] == 0
    positions = full_events(export)
    assert len(positions) > 2
    edited = positions[len(positions) // 2]
    Owner(store_settings).alter_payload(edited)

    code, output = dar_cli(
        store_settings, tmp_path, "audit", "verify", "--checkpoint", str(checkpoint)
    )
    assert code == 1, output
    assert f"broken at position {edited}:" in output
    again = tmp_path / "again.jsonl"
    code, output = dar_cli(
        store_settings, tmp_path, "audit", "export", *window, "--out", str(again)
    )
    assert code == 0, output
    code, output = reference_verifier(again, checkpoint)
    assert (code, output.split(":")[0]) == (1, f"broken at position {edited}")
