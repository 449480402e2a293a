"""Issue 5's flow through GraphQL alone, on both stores.

Two citizens registered at Haidra, one given a 1-month mandate for STEG services, their files read
with a purpose (each read in the access log), one erased — and a scan of everything stored finds
no trace of the erased citizen's data while the other's still reads.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from api.auth import Role, TokenService
from api.bootstrap import bootstrap
from infrastructure.settings import Settings
from tests.support.api import graphql, serve, token_for
from tests.support.erasure_scan import ErasureScan

ERASED = {"name": "Hedia Gharbi", "cin": "04417263", "phone": "+21655103948"}
KEPT = {"name": "Mongi Ayari", "cin": "09185530", "phone": "+21622480137"}


def call(client: httpx.Client, token: str, query: str, **variables: object) -> dict[str, Any]:
    body = graphql(client, query, variables, token)
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


def mutate(client: httpx.Client, token: str, operation: str, kind: str, **fields: object) -> Any:
    query = f"mutation($input: {kind}!) {{ {operation}(input: $input) {{ id position }} }}"
    return call(client, token, query, input=fields)[operation]


FILE = """query($id: ID!) { citizen(id: $id, purpose: "counter_service") {
  erased name documentNumber phone } }"""
FIND = """query($cin: String!) { findCitizen(cin: $cin, purpose: "counter_service") { id name } }"""
MANDATES = """query($id: ID!) { mandates(citizenId: $id, purpose: "mandate_management") {
  scopes { scope expiresAt } } }"""
LOG = """query($id: ID!, $p: Position) { personalDataAccesses(citizenId: $id, atLeastPosition: $p) {
  actor purpose operation fields } }"""


def test_citizens_privacy_flow_through_graphql(store_settings: Settings, tmp_path: Path) -> None:
    admin = token_for(store_settings, Role.ADMIN)
    auditor = token_for(store_settings, Role.AUDITOR)
    with serve(store_settings, tmp_path) as server, server.client() as client:
        house = mutate(
            client,
            admin,
            "registerHouse",
            "RegisterHouseInput",
            commandId="h1",
            code="haidra",
            nameAr="دار الخدمات بحيدرة",
            nameFr="Maison de services de Haidra",
            municipality="Haidra",
            governorate="Kasserine",
        )["id"]
        mutate(
            client,
            admin,
            "enrollAgent",
            "EnrollAgentInput",
            commandId="enrol-A17",
            houseId=house,
            employeeNumber="A17",
            displayName="Agent 17",
        )
        agent = TokenService(store_settings).mint("A17", Role.AGENT, house="haidra")
        ids = {}
        for key, person in (("erased", ERASED), ("kept", KEPT)):
            ids[key] = mutate(
                client,
                agent,
                "registerCitizen",
                "RegisterCitizenInput",
                commandId=f"citizen-{key}",
                houseId=house,
                name=person["name"],
                documentKind="CIN",
                documentNumber=person["cin"],
                phone=person["phone"],
            )["id"]
        mutate(
            client,
            agent,
            "grantMandate",
            "GrantMandateInput",
            commandId="mandate-1",
            citizenId=ids["kept"],
            houseId=house,
            scopes=["partner:STEG"],
            duration="ONE_MONTH",
            consentKind="PAPER_FORM",
            consentReference="FORM-2026-0042",
        )
        found = call(client, agent, FIND, cin=KEPT["cin"])["findCitizen"]
        files = {k: call(client, agent, FILE, id=v)["citizen"] for k, v in ids.items()}
        mandates = call(client, agent, MANDATES, id=ids["kept"])["mandates"]
        erasure = mutate(
            client,
            admin,
            "eraseCitizen",
            "EraseCitizenInput",
            commandId="erase-1",
            citizenId=ids["erased"],
            reason="the citizen's request under article 21 of law 2004-63",
        )
        log = call(client, auditor, LOG, id=ids["kept"], p=erasure["position"])
        after = {k: call(client, agent, FILE, id=v)["citizen"] for k, v in ids.items()}
        gone = graphql(client, FIND, {"cin": ERASED["cin"]}, agent)["data"]["findCitizen"]
        scanner = bootstrap(store_settings, projector=False)
        try:
            scan = ErasureScan(scanner).run()
        finally:
            scanner.close()

    assert found["id"] == ids["kept"]
    assert found["name"] == KEPT["name"]
    assert files["erased"] == {
        "erased": False,
        "name": ERASED["name"],
        "documentNumber": ERASED["cin"],
        "phone": ERASED["phone"],
    }
    assert [s["scope"] for s in mandates[0]["scopes"]] == ["partner:STEG"]
    assert [(e["actor"], e["purpose"], e["operation"]) for e in log["personalDataAccesses"]] == [
        ("agent:A17", "counter_service", "findCitizen"),
        ("agent:A17", "counter_service", "citizen"),
        ("agent:A17", "mandate_management", "mandates"),
    ]
    assert after["erased"] == {"erased": True, "name": None, "documentNumber": None, "phone": None}
    assert after["kept"]["name"] == KEPT["name"]
    assert gone is None
    for value in ERASED.values():
        assert scan.contains(value) == [], value
    assert scanner.vault.crypto.index_hash(f"cin:{ERASED['cin']}") not in scan.index_hashes
    for value in KEPT.values():
        assert scan.contains(value), value
