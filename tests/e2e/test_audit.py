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
from typing import Any

import httpx
import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg.conninfo import conninfo_to_dict
from typer.testing import CliRunner

from api.auth import Role, TokenService
from api.bootstrap import bootstrap
from api.cli import app as cli
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
    serve,
    token_for,
)
from tests.support.audit import Owner, alter_payments_read_model, reference_verifier, run_dar
from tests.support.clock import TestClock
from tests.support.e2e import Client
from tests.support.fixture_store import load_fixture_file
from tests.support.postgres import PostgresServer
from tests.support.spec import Scenario, fixture_path

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

    PostgreSQL: the auditor role `dar db setup --auditor-url` creates. SQLite: the same file,
    which the verifier and the export open read-only.
    """
    if not is_postgres(haidra.database_url):
        return haidra
    server: PostgresServer = request.getfixturevalue("postgres_server")
    dbname = str(conninfo_to_dict(haidra.database_url)["dbname"])
    auditor_url = server.url(f"auditor_{dbname}", "reader", dbname)
    env = environment(
        haidra,
        DAR_ADMIN_DATABASE_URL=server.admin_url(dbname),
        DAR_AUDITOR_DATABASE_URL=auditor_url,
    )
    done = CliRunner().invoke(cli, ["db", "setup"], env=env)
    assert done.exit_code == 0, done.output
    assert f"Auditor role auditor_{dbname}:" in done.output
    return haidra.model_copy(update={"database_url": auditor_url})


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
    with psycopg.connect(read_only.database_url) as conn:
        assert conn.execute("SELECT count(*) FROM dar.dar_chain").fetchone() != (0,)
    forbidden = (
        "DELETE FROM dar.dar_chain",
        "UPDATE dar.dar_events SET state = state",
        "INSERT INTO dar.dar_events SELECT * FROM dar.dar_events LIMIT 1",
        "SELECT 1 FROM dar.dar_snapshots",
        "SELECT 1 FROM dar_read.audit_index_v1",
        "CREATE TABLE dar.more (x int)",
    )
    for statement in forbidden:
        with (
            psycopg.connect(read_only.database_url) as conn,
            pytest.raises(psycopg.errors.InsufficientPrivilege),
        ):
            conn.execute(statement)


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


AROUND_THE_RULES = fixture_path("audit/around_the_rules.yaml")
# Each act the fixture writes around the rules: its command id, what it is, what it lacked; in
# log order. Every other act of the fixture is covered and must not be listed.
UNCOVERED = [
    ("no-mandate", "REQUEST_LODGED", ["MANDATE"]),
    ("outside-scopes", "REQUEST_LODGED", ["MANDATE"]),
    ("proxy-cash", "PAYMENT_COLLECTED", ["MANDATE"]),
    ("a18-steg", "REQUEST_LODGED", ["ACCREDITATION"]),
    ("a19-expired", "REQUEST_LODGED", ["ACCREDITATION"]),
    ("a20-deactivated", "REQUEST_LODGED", ["ACCREDITATION"]),
    ("a30-thala", "REQUEST_LODGED", ["ACCREDITATION"]),
    ("sonede-expired", "REQUEST_LODGED", ["GRANT"]),
    ("not-delegated", "REQUEST_LODGED", ["GRANT"]),
    ("other-partner", "REQUEST_LODGED", ["GRANT"]),
    ("thala-grant", "REQUEST_LODGED", ["GRANT"]),
    ("thala-mandate", "REQUEST_LODGED", ["MANDATE"]),
    ("suspended-lodge", "REQUEST_LODGED", ["GRANT"]),
    ("suspended-cash", "PAYMENT_COLLECTED", ["GRANT"]),
    ("suspended-refund", "REFUND_APPROVED", ["GRANT"]),
    ("revoked-lodge", "REQUEST_LODGED", ["GRANT"]),
    ("everything-missing", "REQUEST_LODGED", ["GRANT", "ACCREDITATION", "MANDATE"]),
]
COVERED = ["clean-lodge", "clean-cash", "clean-proxy", "proxy-bill", "day3-lodge", "day3-cash"]
ACT_EVENT = {
    "REQUEST_LODGED": "CitizenRequest.Lodged",
    "PAYMENT_COLLECTED": "Payment.Captured",
    "REFUND_APPROVED": "Payment.RefundApproved",
}
FIXTURE_DAYS = {"from": "2026-01-05", "to": "2026-01-07"}
ACTS = """query($after: Position!, $p: Position) {
  journal(afterPosition: $after, first: 100, atLeastPosition: $p) {
    events { position type commandId } endPosition hasMore } }"""
COMPLIANCE_LINES = """query($from: Date!, $to: Date!, $h: ID) {
  complianceReport(from: $from, to: $to, houseId: $h) {
    position uncovered { position act houseId partnerCode actor missing } } }"""
MONEY_FIGURES = "{ captures captured refunded net }"
MONEY_LINES = f"""query($from: Date!, $to: Date!) {{ moneyReport(from: $from, to: $to) {{
  position lines {{ businessDate partnerCode refunds figures {MONEY_FIGURES} }}
  disagreements {{ businessDate houseId partnerCode
    fromLog {MONEY_FIGURES} readModel {MONEY_FIGURES} }} }} }}"""


def figures(captures: int, captured: str, refunded: str) -> dict[str, object]:
    net = f"{(int(captured.replace('.', '')) - int(refunded.replace('.', ''))) / 1000:.3f}"
    return {"captures": captures, "captured": captured, "refunded": refunded, "net": net}


def acts_by_command(c: Client, token: str, head: int) -> dict[tuple[str, str], int]:
    """Every event's position by (command id, type), as the auditor reads the journal."""
    found: dict[tuple[str, str], int] = {}
    after, more = 0, True
    while more:
        page = c.call(token, ACTS, after=after, p=head)["journal"]
        for event in page["events"]:
            found[(event["commandId"], event["type"])] = event["position"]
        after, more = page["endPosition"], page["hasMore"]
    return found


def money_report_up_to(c: Client, token: str, position: int) -> dict[str, Any]:
    """The money report once the payments read model has applied the log up to `position`."""
    deadline = time.monotonic() + 60
    while True:
        report: dict[str, Any] = c.call(token, MONEY_LINES, **FIXTURE_DAYS)["moneyReport"]
        if report["position"] >= position:
            return report
        assert time.monotonic() < deadline, f"the payments read model stayed at {report}"
        time.sleep(0.1)


def test_the_reports_list_a_history_written_around_the_rules(
    store_settings: Settings, tmp_path: Path
) -> None:
    head = load_fixture_file(store_settings, AROUND_THE_RULES)  # before the server opens it
    auditor = token_for(store_settings, Role.AUDITOR)
    haidra, thala = str(house_id("haidra")), str(house_id("thala"))
    with serve(store_settings, tmp_path) as server, server.client() as http:
        c = Client(http)
        acts = acts_by_command(c, auditor, head)
        compliance = c.call(auditor, COMPLIANCE_LINES, **FIXTURE_DAYS)["complianceReport"]
        at_haidra = c.call(auditor, COMPLIANCE_LINES, h=haidra, **FIXTURE_DAYS)
        at_thala = c.call(auditor, COMPLIANCE_LINES, h=thala, **FIXTURE_DAYS)
        money = money_report_up_to(c, auditor, acts[("day3-cash", "Payment.Captured")])
        alter_payments_read_model(
            store_settings,
            "UPDATE {payments} SET captured_millimes = ? WHERE receipt = ?",
            81_000,
            "HAIDRA-2026-P000004",  # day3-cash: STEG's 80.000 TND on 7 January
        )
        altered = c.call(auditor, MONEY_LINES, **FIXTURE_DAYS)["moneyReport"]

    listed = [(x["position"], x["act"], x["missing"]) for x in compliance["uncovered"]]
    assert listed == [
        (acts[(command, ACT_EVENT[act])], act, missing) for command, act, missing in UNCOVERED
    ]
    clean = {position for (command, _), position in acts.items() if command in COVERED}
    assert len(clean) > len(COVERED)
    assert clean.isdisjoint(x["position"] for x in compliance["uncovered"])
    assert {(x["houseId"], x["partnerCode"]) for x in compliance["uncovered"]} == {
        (haidra, "STEG"),
        (haidra, "CNAM"),
        (haidra, "SONEDE"),
    }
    assert compliance["position"] >= head
    assert at_haidra["complianceReport"]["uncovered"] == compliance["uncovered"]
    assert at_thala["complianceReport"]["uncovered"] == []

    steg_days = [
        {
            "businessDate": "2026-01-06",
            "partnerCode": "STEG",
            "refunds": 1,
            "figures": figures(3, "254.700", "20.000"),
        },
        {
            "businessDate": "2026-01-07",
            "partnerCode": "STEG",
            "refunds": 0,
            "figures": figures(1, "80.000", "0.000"),
        },
    ]
    assert money["lines"] == steg_days
    assert money["disagreements"] == []
    assert altered["lines"] == steg_days, "the log's figures moved with the read model"
    assert altered["disagreements"] == [
        {
            "businessDate": "2026-01-07",
            "houseId": haidra,
            "partnerCode": "STEG",
            "fromLog": figures(1, "80.000", "0.000"),
            "readModel": figures(1, "81.000", "0.000"),
        }
    ]
