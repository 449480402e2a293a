"""The end-to-end tests' GraphQL client over HTTP, and Haidra set up through it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from tests.support.api import graphql


class Client:
    """Calls GraphQL on a running Dar; remembers the last position a mutation returned."""

    def __init__(self, http: httpx.Client, house: str = "") -> None:
        self.http = http
        self.house = house
        self.last = 0

    def call(self, token: str, query: str, **variables: object) -> dict[str, Any]:
        """One operation's data (an error fails the test)."""
        body = graphql(self.http, query, variables, token)
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data

    def mutate(self, token: str, op: str, input_type: str, fields: str, **values: object) -> Any:
        """One mutation with an `input`, its selected fields."""
        query = f"mutation($input: {input_type}!) {{ {op}(input: $input) {{ {fields} }} }}"
        result = self.call(token, query, input=values)[op]
        self.last = max(self.last, int(result.get("position", 0)))
        return result


@dataclass(frozen=True)
class Grant:
    """A partner's delegation to Haidra: its services, and the ceiling when it may collect."""

    services: Sequence[str]
    ceiling_millimes: int | None = None


def setup_haidra(
    c: Client,
    admin: str,
    *,
    lines: Mapping[str, tuple[str, Sequence[str]]],
    staff: Mapping[str, Sequence[str]],
    grants: Mapping[str, Grant],
) -> str:
    """Haidra set up by the admin; the house's id.

    Two counters, these service lines (the first a priority one), staff enrolled and accredited
    for these partners until 2030, and these grants in force from 2026 to 2030.
    """
    house: str = c.mutate(
        admin,
        "registerHouse",
        "RegisterHouseInput",
        "id position",
        commandId="h",
        code="haidra",
        nameAr="دار الخدمات بحيدرة",
        nameFr="Maison de services de Haidra",
        municipality="Haidra",
        governorate="Kasserine",
    )["id"]
    c.house = house
    for n in (1, 2):
        c.mutate(
            admin,
            "addCounter",
            "AddCounterInput",
            "id position",
            commandId=f"c{n}",
            houseId=house,
            number=n,
            label=f"Guichet {n}",
        )
    for index, (prefix, (name, services)) in enumerate(lines.items()):
        c.mutate(
            admin,
            "addServiceLine",
            "ServiceLineInput",
            "id position",
            commandId=f"line-{prefix}",
            houseId=house,
            prefix=prefix,
            name=name,
            services=list(services),
            priority=index == 0,
        )
    for number, partners in staff.items():
        agent = c.mutate(
            admin,
            "enrollAgent",
            "EnrollAgentInput",
            "id position",
            commandId=f"enrol-{number}",
            houseId=house,
            employeeNumber=number,
            displayName=f"Agent {number}",
        )["id"]
        for partner in partners:
            c.mutate(
                admin,
                "accreditAgent",
                "AccreditAgentInput",
                "id position",
                commandId=f"accr-{number}-{partner}",
                agentId=agent,
                partnerCode=partner,
                expiresOn="2030-12-31",
            )
    for partner, grant in grants.items():
        c.mutate(
            admin,
            "grantDelegation",
            "GrantDelegationInput",
            "id position",
            commandId=f"grant-{partner}",
            houseId=house,
            partnerCode=partner,
            conventionReference=f"CONV-{partner}-HAIDRA",
            conventionVersion="1",
            signedOn="2025-12-20",
            services=list(grant.services),
            startsOn="2026-01-01",
            endsOn="2030-12-31",
            mayCollect=grant.ceiling_millimes is not None,
            ceilingMillimes=grant.ceiling_millimes,
        )
    return house
