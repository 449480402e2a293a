"""Issue 4's flow through GraphQL alone, on both stores.

Haidra registered, two agents enrolled and accredited, STEG and SONEDE delegations granted, one
suspended; mayPerform refuses under it with the reason; all visible as events and in read models.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from api.auth import Role
from infrastructure.settings import Settings
from tests.support.api import graphql, serve, token_for


def call(client: httpx.Client, token: str, query: str, **variables: object) -> dict[str, Any]:
    body = graphql(client, query, variables, token)
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


def mutate(
    client: httpx.Client, token: str, name: str, kind: str, **fields: object
) -> dict[str, Any]:
    query = f"mutation($input: {kind}!) {{ {name}(input: $input) {{ id position replayed }} }}"
    result: dict[str, Any] = call(client, token, query, input=fields)[name]
    return result


def grant(
    client: httpx.Client, admin: str, house: str, partner: str, service: str
) -> dict[str, Any]:
    return mutate(
        client,
        admin,
        "grantDelegation",
        "GrantDelegationInput",
        commandId=f"grant-{partner}",
        houseId=house,
        partnerCode=partner,
        conventionReference=f"CONV-{partner}-HAIDRA",
        conventionVersion="1",
        signedOn="2025-12-20",
        services=[service],
        startsOn="2026-01-01",
        endsOn="2027-12-31",
        mayCollect=True,
        ceilingMillimes=500000,
    )


def test_the_delegation_flow_through_graphql(store_settings: Settings, tmp_path: Path) -> None:
    admin = token_for(store_settings, Role.ADMIN)
    auditor = token_for(store_settings, Role.AUDITOR)
    with serve(store_settings, tmp_path) as server, server.client() as client:
        registered = mutate(
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
        )
        house, start = registered["id"], registered["position"] - 1
        agents = {}
        for number, partner in (("A17", "STEG"), ("A18", "SONEDE")):
            agents[number] = mutate(
                client,
                admin,
                "enrollAgent",
                "EnrollAgentInput",
                commandId=f"enrol-{number}",
                houseId=house,
                employeeNumber=number,
                displayName=f"Agent {number}",
            )["id"]
            mutate(
                client,
                admin,
                "accreditAgent",
                "AccreditAgentInput",
                commandId=f"accr-{number}",
                agentId=agents[number],
                partnerCode=partner,
                expiresOn="2027-12-31",
            )
        steg = grant(client, admin, house, "STEG", "BILL_PAYMENT")
        sonede = grant(client, admin, house, "SONEDE", "BILL_PAYMENT")
        suspended = mutate(
            client,
            admin,
            "suspendDelegation",
            "SuspendDelegationInput",
            commandId="suspend-sonede",
            grantId=sonede["id"],
            reason="audit of the collections",
        )

        question = """query($h: ID!, $a: ID!, $p: String!) {
          mayPerform(houseId: $h, agentId: $a, partnerCode: $p, serviceCode: "BILL_PAYMENT",
                     amount: "12.500") { allowed reason message grantId } }"""
        refused = call(client, admin, question, h=house, a=agents["A18"], p="SONEDE")["mayPerform"]
        allowed = call(client, admin, question, h=house, a=agents["A17"], p="STEG")["mayPerform"]

        events = call(
            client,
            auditor,
            "query($p: Position) { events(afterPosition: $p) { type actor commandId } }",
            p=start,
        )["events"]
        grants = call(
            client,
            admin,
            "query($h: ID!, $p: Position) { delegations(houseId: $h, atLeastPosition: $p) { id state services } }",
            h=house,
            p=suspended["position"],
        )["delegations"]
        staff = call(
            client,
            admin,
            "query($h: ID!, $p: Position) { agents(houseId: $h, atLeastPosition: $p) { employeeNumber accreditations { expiresOn } } }",
            h=house,
            p=suspended["position"],
        )["agents"]

    assert refused["allowed"] is False
    assert refused["reason"] == "DELEGATION_NOT_IN_FORCE"
    assert "suspended" in refused["message"]
    assert allowed == {"allowed": True, "reason": None, "message": None, "grantId": steg["id"]}
    assert [e["type"] for e in events] == [
        "House.Registered",
        "Agent.Enrolled",
        "Agent.Accredited",
        "Agent.Enrolled",
        "Agent.Accredited",
        "GrantRegister.Opened",
        "GrantRegister.Entered",
        "DelegationGrant.Granted",
        "GrantRegister.Opened",
        "GrantRegister.Entered",
        "DelegationGrant.Granted",
        "DelegationGrant.Suspended",
    ]
    assert events[-1]["commandId"] == "suspend-sonede"
    assert all(e["actor"] == "admin:test-admin" for e in events)
    assert {g["id"]: g["state"] for g in grants} == {
        steg["id"]: "ACTIVE",
        sonede["id"]: "SUSPENDED",
    }
    assert [(a["employeeNumber"], len(a["accreditations"])) for a in staff] == [
        ("A17", 1),
        ("A18", 1),
    ]
