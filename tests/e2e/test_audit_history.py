"""An auditor replays Haidra's history over HTTP, on both stores (issue 16, items 1, 2 and 8).

Haidra is set up through GraphQL, a citizen registered, the STEG grant suspended; an auditor then
pulls the house's history with payloads, sees the citizen's particulars sealed, and sees the STEG
grant as it was before its suspension (`asOf`, `inForce`), while every mutation refuses them.
"""

from __future__ import annotations

from pathlib import Path

from api.auth import Role, TokenService
from infrastructure.settings import Settings
from tests.support.api import error_codes, graphql, serve, token_for
from tests.support.e2e import Client, Grant, setup_haidra

HISTORY = """query($id: ID!, $p: Position) { history(aggregateId: $id, atLeastPosition: $p) {
  events { position version type recordedAt actor houseId commandId payload withheld } } }"""
AS_OF = """query($id: ID!, $at: DateTime!) { asOf(aggregateId: $id, at: $at) {
  version fields } }"""
IN_FORCE = """query($h: ID!, $at: DateTime!) { inForce(houseId: $h, at: $at) {
  grants { grantId services } accreditations { employeeNumber } } }"""
JOURNAL = """query($h: ID!, $p: Position) {
  journal(first: 100, filter: {houseId: $h, type: "DelegationGrant.Suspended"},
          atLeastPosition: $p) { events { aggregateId type payload } } }"""


def test_an_auditor_pulls_haidras_history_and_sees_a_grant_as_it_was_before_its_suspension(
    store_settings: Settings, tmp_path: Path
) -> None:
    admin = token_for(store_settings, Role.ADMIN)
    auditor = token_for(store_settings, Role.AUDITOR)
    agent = TokenService(store_settings).mint("A17", Role.AGENT, house="haidra")
    with serve(store_settings, tmp_path) as server, server.client() as http:
        c = Client(http)
        house = setup_haidra(
            c,
            admin,
            lines={"A": ("Factures", ["STEG/BILL_PAYMENT"])},
            staff={"A17": ["STEG"]},
            grants={"STEG": Grant(["BILL_PAYMENT"], 500_000), "SONEDE": Grant(["BILL_PAYMENT"])},
        )
        citizen = c.mutate(
            agent,
            "registerCitizen",
            "RegisterCitizenInput",
            "id position",
            commandId="citizen-1",
            houseId=house,
            name="Amel Ben Salah",
            documentKind="CIN",
            documentNumber="01234567",
            phone="+21698123456",
        )["id"]
        granted_at_haidra = """query($h: ID!, $p: Position) { journal(first: 10,
          filter: {houseId: $h, partnerCode: "STEG", type: "DelegationGrant.Granted"},
          atLeastPosition: $p) { events { aggregateId } } }"""
        [found] = c.call(auditor, granted_at_haidra, h=house, p=c.last)["journal"]["events"]
        steg = found["aggregateId"]
        c.mutate(
            admin,
            "suspendDelegation",
            "SuspendDelegationInput",
            "id position",
            commandId="suspend-steg",
            grantId=steg,
            reason="audit of the collections",
        )

        house_history = c.call(auditor, HISTORY, id=house, p=c.last)["history"]["events"]
        citizen_history = c.call(auditor, HISTORY, id=citizen, p=c.last)["history"]["events"]
        granted, suspended = c.call(auditor, HISTORY, id=steg, p=c.last)["history"]["events"]
        before = c.call(auditor, AS_OF, id=steg, at=granted["recordedAt"])["asOf"]
        after = c.call(auditor, AS_OF, id=steg, at=suspended["recordedAt"])["asOf"]
        in_force_before = c.call(auditor, IN_FORCE, h=house, at=granted["recordedAt"])
        in_force_after = c.call(auditor, IN_FORCE, h=house, at=suspended["recordedAt"])
        journal = c.call(auditor, JOURNAL, h=house, p=c.last)["journal"]["events"]
        refused = graphql(
            http,
            'mutation($g: ID!) { reinstateDelegation(input: {commandId: "r", grantId: $g}) { id } }',
            {"g": steg},
            auditor,
        )

    registered = house_history[0]
    assert registered["type"] == "House.Registered"
    assert registered["payload"]["nameFr"] == "Maison de services de Haidra"
    assert registered["payload"]["governorate"] == "Kasserine"
    assert [e["version"] for e in house_history] == list(range(1, len(house_history) + 1))
    assert [e["position"] for e in house_history] == sorted(e["position"] for e in house_history)

    [citizen_registered] = citizen_history
    assert citizen_registered["payload"]["name"] == {"sealed": "identity"}
    assert "Amel" not in str(citizen_registered)
    assert "01234567" not in str(citizen_registered)

    assert (granted["type"], suspended["type"]) == (
        "DelegationGrant.Granted",
        "DelegationGrant.Suspended",
    )
    assert granted["payload"]["services"] == ["BILL_PAYMENT"]
    assert suspended["payload"] == {"reason": "audit of the collections"}
    assert (before["version"], before["fields"]["state"]) == (1, "active")
    assert (after["version"], after["fields"]["state"]) == (2, "suspended")
    assert steg in {g["grantId"] for g in in_force_before["inForce"]["grants"]}
    assert steg not in {g["grantId"] for g in in_force_after["inForce"]["grants"]}
    assert {a["employeeNumber"] for a in in_force_after["inForce"]["accreditations"]} == {"A17"}
    assert journal == [
        {
            "aggregateId": steg,
            "type": "DelegationGrant.Suspended",
            "payload": {"reason": "audit of the collections"},
        }
    ]
    assert error_codes(refused) == ["FORBIDDEN"]
