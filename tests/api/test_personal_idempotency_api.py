"""Through GraphQL, on both stores: a commandId reused for another person is refused."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from api.auth import Role
from api.bootstrap import Dar
from domain.houses.house import house_id
from infrastructure.settings import Settings
from tests.support.api import graphql
from tests.support.staff import HOUSE, staff_token

REGISTER = """mutation($h: ID!, $name: String!, $cin: String!, $phone: String) {
  registerCitizen(input: {commandId: "counter-7", houseId: $h, name: $name, documentKind: CIN,
                          documentNumber: $cin, phone: $phone}) { id replayed position } }"""
AMEL = {"name": "Amel Ben Salah", "cin": "01234567", "phone": "+21698123456"}
MONGI = {"name": "Mongi Ayari", "cin": "09185530", "phone": "+21655103948"}


def test_register_citizen_reusing_a_command_id_for_another_person_is_refused(
    client: TestClient, api_settings: Settings
) -> None:
    dar: Dar = client.app.state.dar  # type: ignore[attr-defined]
    token = staff_token(dar, api_settings, Role.AGENT)

    def register(person: dict[str, str]) -> dict[str, Any]:
        return graphql(client, REGISTER, {"h": str(house_id(HOUSE)), **person}, token)

    first = register(AMEL)["data"]["registerCitizen"]
    before = dar.store.position()
    refused = register(MONGI)
    assert refused["data"] is None
    assert refused["errors"][0]["extensions"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert first["id"] not in str(refused)
    assert dar.store.position() == before
    again = register(AMEL)["data"]["registerCitizen"]
    assert again == {**first, "replayed": True}
