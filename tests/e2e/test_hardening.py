"""Issue 12's "done when", end to end: a real `dar run` over HTTP, on both stores.

A NUL typed at the counter is refused with `VALIDATION` and records nothing; a `commandId`
reused for another person is refused and a true retry replays; an event one read model cannot
apply leaves the others current, shows on `/readyz`, answers `PROJECTION_FAILED` on that read
model, and an operator gets it going again with `dar projections skip`.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from api.auth import Role, TokenService
from api.bootstrap import bootstrap
from infrastructure.settings import Settings
from tests.support import e2e
from tests.support.api import environment, error_codes, graphql, serve, token_for
from tests.support.e2e import Client, Grant
from tests.support.poison import inject

CONTACT = """mutation($input: RecordContactInput!) { recordContact(input: $input) { position } }"""
REGISTER = """mutation($input: RegisterCitizenInput!) {
  registerCitizen(input: $input) { id position replayed } }"""
PARTNERS_AT = "query($at: Position) { partners(first: 50, atLeastPosition: $at) { code } }"
HOUSES_AT = "query($at: Position) { houses(atLeastPosition: $at) { code } }"


def head(http: httpx.Client) -> int:
    """The log's last position, as `/readyz` reports it."""
    position: int = http.get("/readyz").json()["position"]
    return position


def eventually(condition: Callable[[], bool], what: str) -> None:
    """Wait for the server's projections (a bound on waiting, not an assertion on time)."""
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.1)


def inject_unprojectable(settings: Settings) -> int:
    """An unprojectable event appended by the recorder, as a faulty writer could have: its position.

    A partner's registration without its French name: the partners read model cannot apply it.
    """
    dar = bootstrap(settings, projector=False)
    try:
        return inject(dar, "POISON", lambda state: state.pop("name_fr"))
    finally:
        dar.close()


def dar_cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    """`dar …` as an operator runs it, with these settings in the environment."""
    dar = str(Path(sys.executable).with_name("dar"))
    return subprocess.run(  # noqa: S603 - our own entry point
        [dar, *args], env=environment(settings), capture_output=True, text=True, check=False
    )


def citizen(key: str, name: str, cin: str, house: str) -> dict[str, Any]:
    """A registerCitizen input."""
    return {
        "input": {
            "commandId": key,
            "houseId": house,
            "name": name,
            "documentKind": "CIN",
            "documentNumber": cin,
        }
    }


def test_bad_input_never_stops_dar_through_graphql(  # noqa: PLR0915 - the whole flow, in order
    store_settings: Settings, tmp_path: Path
) -> None:
    settings = store_settings
    admin = token_for(settings, Role.ADMIN)
    a17 = TokenService(settings).mint("A17", Role.AGENT, house="haidra")
    with serve(settings, tmp_path) as server, server.client() as http:
        c = Client(http)
        house = e2e.setup_haidra(
            c,
            admin,
            lines={"A": ("STEG", ["STEG/BILL_DUPLICATE"])},
            staff={"A17": ["STEG"]},
            grants={"STEG": Grant(["BILL_DUPLICATE"])},
        )
        c.mutate(
            a17, "openCounter", "OpenCounterInput", "id", commandId="o", houseId=house, number=1
        )
        for key in ("t1", "t2"):
            c.mutate(a17, "issueTicket", "IssueTicketInput", "ticket", commandId=key,
                     houseId=house, line="A")  # fmt: skip
        ticket = c.mutate(
            a17, "callNextTicket", "CallNextTicketInput", "ticket position",
            commandId="call", houseId=house, counter=1, lines=["A"],
        )["ticket"]  # fmt: skip

        # A NUL typed at the counter: refused, naming the field; nothing recorded.
        contact = {
            "commandId": "contact",
            "houseId": house,
            "ticket": ticket,
            "kind": "INFORMATION",
            "partnerCode": "STEG",
            "topic": "attestation\u0000affiliation",
        }
        before = head(http)
        body = graphql(http, CONTACT, {"input": contact}, a17)
        assert error_codes(body) == ["VALIDATION"]
        assert body["errors"][0]["extensions"]["field"] == "input.topic"
        inline = (
            f'mutation {{ recordContact(input: {{commandId: "c2", houseId: "{house}", '
            f'ticket: "{ticket}", kind: INFORMATION, partnerCode: "STEG", '
            'topic: "a\\u0000b"}) { position } }'
        )
        body = graphql(http, inline, {}, a17)
        assert error_codes(body) == ["VALIDATION"]
        assert head(http) == before
        # the same contact, cleanly typed, is recorded: the refusal was the NUL's
        contact["topic"] = "attestation d'affiliation"
        recorded = graphql(http, CONTACT, {"input": contact}, a17)["data"]["recordContact"]
        assert recorded["position"] > before

        # A commandId reused for another person is refused; a true retry replays.
        first = graphql(http, REGISTER, citizen("cit", "Hedia Gharbi", "04417263", house), a17)
        first = first["data"]["registerCitizen"]
        other = graphql(http, REGISTER, citizen("cit", "Mongi Ayari", "09185530", house), a17)
        assert error_codes(other) == ["IDEMPOTENCY_KEY_REUSED"]
        assert first["id"] not in json.dumps(other)
        again = graphql(http, REGISTER, citizen("cit", "Hedia Gharbi", "04417263", house), a17)
        again = again["data"]["registerCitizen"]
        assert (again["id"], again["replayed"]) == (first["id"], True)
        assert head(http) == first["position"]

        # An event the partners read model cannot apply stops it alone.
        bad = inject_unprojectable(settings)
        later = c.mutate(admin, "addCounter", "AddCounterInput", "position",
                         commandId="c3", houseId=house, number=3, label="Guichet 3")  # fmt: skip
        assert later["position"] > bad
        houses = graphql(http, HOUSES_AT, {"at": later["position"]}, admin)
        assert [h["code"] for h in houses["data"]["houses"]] == ["haidra"]

        def degraded() -> bool:
            report = http.get("/readyz").json()
            return any(f["projection"] == "partners_v1" for f in report["failures"])

        eventually(degraded, "/readyz names the failing read model")
        report = http.get("/readyz").json()
        assert report["status"] == "degraded"
        [failure] = report["failures"]
        assert (failure["projection"], failure["position"]) == ("partners_v1", bad)
        assert report["projections"]["directory_v1"]["positions"] == 0  # the others are current
        refused = graphql(http, PARTNERS_AT, {"at": later["position"]}, admin)
        assert error_codes(refused) == ["PROJECTION_FAILED"]
        assert refused["errors"][0]["extensions"]["projection"] == "partners_v1"

        # The operator's path: see it, skip exactly that event with a reason; the model resumes.
        status = dar_cli(settings, "projections", "status")
        assert status.returncode == 1
        assert "partners_v1" in status.stdout
        wrong = dar_cli(settings, "projections", "skip", "partners_v1",
                        "--position", str(bad + 1), "--reason", "x", "--by", "ops")  # fmt: skip
        assert wrong.returncode == 2
        done = dar_cli(settings, "projections", "skip", "partners_v1", "--position", str(bad),
                       "--reason", "recorded without a French name", "--by", "ops")  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        partners = graphql(http, PARTNERS_AT, {"at": later["position"]}, admin)
        codes = {p["code"] for p in partners["data"]["partners"]}
        assert "STEG" in codes
        assert "POISON" not in codes
        eventually(lambda: http.get("/readyz").json()["status"] == "ready", "ready again")
        skipped = http.get("/readyz").json()["skipped"]
        assert [(s["projection"], s["position"]) for s in skipped] == [("partners_v1", bad)]
