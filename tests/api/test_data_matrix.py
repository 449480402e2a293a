"""The role-by-data matrix, enumerated from the schema and enforced through the API, both stores.

Every field of the `Citizen` type is either a personal field with a category or one of a few
non-personal ones; a new field without either fails here. Each role allowed to read a citizen
sees exactly the fields its row of the matrix and the purpose admit; CNAM scopes of a mandate
only reach agents accredited for CNAM. Every read is recorded in the access log.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.auth import Role, TokenService
from api.bootstrap import Dar
from api.graphql.access import declared_roles
from api.graphql.privacy import DATA_MATRIX
from api.graphql.schema import build_schema
from application.citizens.commands import GrantMandate, RegisterCitizen
from application.houses.commands import AccreditAgent
from application.partners.commands import RegisterPartner
from domain.citizens.categories import FIELD_CATEGORIES, DataCategory
from domain.houses.house import house_id
from infrastructure.settings import Settings
from tests.support.api import graphql, token_for
from tests.support.staff import HOUSE, staff_token

NOT_PERSONAL = {"id", "erased", "minor", "registeredAt", "withheld"}
PURPOSE = "counter_service"
MANDATE_FIELDS = {"id", "houseId", "scopes", "healthScopesWithheld"}


def schema_fields(settings: Settings, type_name: str) -> set[str]:
    return set(build_schema(settings)._schema.type_map[type_name].fields)  # type: ignore[attr-defined]


def test_every_citizen_field_is_personal_with_a_category_or_declared_not_personal(
    api_settings: Settings,
) -> None:
    assert schema_fields(api_settings, "Citizen") == set(FIELD_CATEGORIES) | NOT_PERSONAL
    assert schema_fields(api_settings, "Mandate") == MANDATE_FIELDS


def register(dar: Dar, key: str, **fields: Any) -> UUID:
    outcome = dar.citizens.register_citizen(
        RegisterCitizen(command_id=key, actor="agent:T-AGENT", house_code=HOUSE, **fields)
    )
    return UUID(outcome.values["citizen_id"])


def tokens(dar: Dar, settings: Settings) -> dict[str, str]:
    found = {
        "agent": staff_token(dar, settings, Role.AGENT),
        "supervisor": staff_token(dar, settings, Role.SUPERVISOR),
        "cnam-agent": staff_token(dar, settings, Role.AGENT, employee="T-CNAM"),
        "admin": token_for(settings, Role.ADMIN),
        "auditor": token_for(settings, Role.AUDITOR),
    }
    dar.partners.register_partner(
        RegisterPartner(command_id="cnam", actor="admin:t", code="CNAM", name_ar="ص", name_fr="C")
    )
    dar.houses.accredit_agent(
        AccreditAgent(
            command_id="accr-cnam",
            actor="admin:t",
            employee_number="T-CNAM",
            partner_code="CNAM",
            expires_on=date(2099, 12, 31),
        )
    )
    return found


CITIZEN = """query($id: ID!, $p: String!) { citizen(id: $id, purpose: $p) {
  id erased minor registeredAt name documentKind documentNumber phone guardianId withheld } }"""


@pytest.mark.parametrize(
    "role", sorted(declared_roles(build_schema(Settings()))["citizen"] or (), key=str)
)
def test_each_role_sees_exactly_its_row_of_the_matrix(
    client: TestClient, api_settings: Settings, role: Role
) -> None:
    dar: Dar = client.app.state.dar  # type: ignore[attr-defined]
    by_role = tokens(dar, api_settings)  # the house, its staff, CNAM
    by_role["partner"] = token_for(api_settings, Role.PARTNER, partner="CNAM")
    token = by_role["admin" if role is Role.ADMIN else role.value]
    adult = register(
        dar,
        "adult",
        name="Amel Ben Salah",
        document_kind="cin",
        document_number="01234567",
        phone="+21698123456",
    )
    minor = register(dar, "minor", name="Youssef Ben Salah", guardian_id=adult)
    purpose = dar.citizens.purposes.get(PURPOSE)
    if role is Role.PARTNER:  # a partner reads only citizens with a file at it (see e2e)
        body = graphql(client, CITIZEN, {"id": str(adult), "p": "partner_file_processing"}, token)
        assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
        body = graphql(client, CITIZEN, {"id": str(adult), "p": PURPOSE}, token)
        assert body["errors"][0]["extensions"]["code"] == "VALIDATION"
        return
    for citizen in (adult, minor):
        body = graphql(client, CITIZEN, {"id": str(citizen), "p": PURPOSE}, token)
        assert "errors" not in body, body
        shown = body["data"]["citizen"]
        recorded = (
            {"name", "phone", "documentKind", "documentNumber"}
            if citizen == adult
            else {
                "name",
                "guardianId",
            }
        )
        for field, category in FIELD_CATEGORIES.items():
            expected = category in DATA_MATRIX[role] & purpose.categories and field in recorded
            assert (shown[field] is not None) == expected, (role, field, shown)
            withheld = field in recorded and not expected
            assert (field in shown["withheld"]) == withheld, (role, field, shown)


MANDATES = """query($id: ID!) { mandates(citizenId: $id, purpose: "mandate_management") {
  scopes { scope } healthScopesWithheld } }"""
ACCESSES = """query($id: ID!, $p: Position) {
  personalDataAccesses(citizenId: $id, atLeastPosition: $p) { actor purpose fields } }"""


def test_cnam_scopes_reach_only_agents_accredited_for_cnam(
    client: TestClient, api_settings: Settings
) -> None:
    dar: Dar = client.app.state.dar  # type: ignore[attr-defined]
    by_role = tokens(dar, api_settings)
    citizen = register(
        dar, "c", name="Amel Ben Salah", document_kind="cin", document_number="01234567"
    )
    dar.citizens.grant_mandate(
        GrantMandate(
            command_id="m",
            actor="agent:T-AGENT",
            citizen_id=citizen,
            house_code=HOUSE,
            scopes=("partner:STEG", "partner:CNAM"),
            duration="1m",
            consent_kind="paper_form",
            consent_reference="F-1",
        )
    )
    dar.projections.catch_up()  # the admin and auditor list houses from the directory
    seen = {}
    for who, token in by_role.items():
        body = graphql(client, MANDATES, {"id": str(citizen)}, token)
        assert "errors" not in body, (who, body)
        [mandate] = body["data"]["mandates"]
        seen[who] = ({s["scope"] for s in mandate["scopes"]}, mandate["healthScopesWithheld"])
    steg_only = ({"partner:STEG"}, 1)
    assert seen == {
        "agent": steg_only,
        "supervisor": steg_only,
        "cnam-agent": ({"partner:STEG", "partner:CNAM"}, 0),
        "admin": steg_only,
        "auditor": steg_only,
    }
    log = graphql(
        client, ACCESSES, {"id": str(citizen), "p": dar.store.position()}, by_role["auditor"]
    )
    assert "errors" not in log, log
    readers = [(a["actor"], a["fields"]) for a in log["data"]["personalDataAccesses"]]
    assert sorted(readers) == sorted(
        [
            ("agent:T-AGENT", ["mandates"]),
            ("supervisor:T-SUPERVISOR", ["mandates"]),
            ("agent:T-CNAM", ["health", "mandates"]),
            ("admin:test-admin", ["mandates"]),
            ("auditor:test-auditor", ["mandates"]),
        ]
    )


def test_a_read_without_a_declared_purpose_is_refused_and_not_recorded(
    client: TestClient, api_settings: Settings
) -> None:
    dar: Dar = client.app.state.dar  # type: ignore[attr-defined]
    token = staff_token(dar, api_settings, Role.AGENT)
    citizen = register(
        dar, "c", name="Amel Ben Salah", document_kind="cin", document_number="01234567"
    )
    body = graphql(client, CITIZEN, {"id": str(citizen), "p": "marketing"}, token)
    assert body["errors"][0]["extensions"]["code"] == "VALIDATION"
    assert body["data"] is None
    auditor = token_for(api_settings, Role.AUDITOR)
    log = graphql(client, ACCESSES, {"id": str(citizen), "p": dar.store.position()}, auditor)
    assert log["data"]["personalDataAccesses"] == []


def test_house_staff_of_another_house_cannot_register_there(
    client: TestClient, api_settings: Settings
) -> None:
    dar: Dar = client.app.state.dar  # type: ignore[attr-defined]
    staff_token(dar, api_settings, Role.AGENT)
    other = TokenService(api_settings).mint("T-AGENT", Role.AGENT, house="elsewhere")
    house = str(house_id(HOUSE))
    query = """mutation($h: ID!) { registerCitizen(input: {commandId: "x", houseId: $h, name: "N",
           documentKind: CIN, documentNumber: "01234567"}) { id } }"""
    response = client.post(
        "/graphql",
        json={"query": query, "variables": {"h": house}},
        headers={"Authorization": f"Bearer {other}"},
    )
    assert response.status_code in {200, 401}  # 401: the token's agent is not of that house
    body = response.json()
    assert body["errors"][0]["extensions"]["code"] in {"UNAUTHENTICATED", "NOT_FOUND"}
    assert dar.citizens.find_by_document("cin", "01234567", PURPOSE, _admin_reader()) is None


def _admin_reader() -> Any:
    from application.citizens.service import Reader  # noqa: PLC0415

    return Reader(actor="admin:t", categories=frozenset(DataCategory))


def test_the_documented_matrix_is_the_enforced_one() -> None:
    from api.cli import PRIVACY_FILE, privacy_document  # noqa: PLC0415

    current = PRIVACY_FILE.read_text(encoding="utf-8")
    assert privacy_document(current) == current, "run `dar privacy --write`"
