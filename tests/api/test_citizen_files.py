"""A citizen's open files: a purpose, a recorded read, CNAM files for health readers only."""

from __future__ import annotations

from collections.abc import Iterator
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.auth import Role, TokenService
from api.bootstrap import Dar
from application.counter.commands import CompleteRequest
from domain.citizens.access import PersonalDataAccess
from infrastructure.settings import Settings
from tests.support.api import graphql
from tests.support.counter import counter_ready, lodge, served

FILES = """query($c: ID!, $p: String!) { citizenFiles(citizenId: $c, purpose: $p) {
  partnerCode status } }"""


def lodged(dar: Dar, citizen: UUID, partner: str, service: str, docs: tuple[str, ...]) -> UUID:
    return UUID(lodge(dar, citizen, partner, service, docs).values["request_id"])


@pytest.fixture
def files(api_settings: Settings) -> Iterator[tuple[TestClient, Dar, UUID]]:
    dar, citizen = counter_ready(api_settings)
    lodged(dar, citizen, "CNAM", "REIMBURSEMENT_FILE", ("Bulletin de soins", "Ordonnance"))
    lodged(dar, citizen, "STEG", "BILL_DUPLICATE", ())
    done = lodged(dar, citizen, "STEG", "BILL_DUPLICATE", ())
    dar.requests.complete(
        CompleteRequest(command_id="done", actor="agent:A17", request_id=done, house_code="haidra")
    )
    with served(api_settings, dar) as client:
        yield client, dar, citizen


def reads(dar: Dar) -> list[tuple[str, tuple[str, ...]]]:
    found = []
    for n in dar.store.recorder.select_notifications(start=1, limit=10_000):
        event = dar.store.mapper.to_domain_event(n)
        if isinstance(event, PersonalDataAccess.Recorded) and event.operation == "citizenFiles":
            found.append((event.actor, tuple(event.fields)))
    return found


def test_open_files_by_reader_and_purpose(
    files: tuple[TestClient, Dar, UUID], api_settings: Settings
) -> None:
    client, dar, citizen = files
    tokens = TokenService(api_settings)
    a17 = tokens.mint("A17", Role.AGENT, house="haidra")  # accredited for CNAM
    a18 = tokens.mint("A18", Role.AGENT, house="haidra")  # not accredited for CNAM
    seen = {}
    for who, token, purpose in (
        ("a17-health", a17, "health_insurance_file"),
        ("a17-counter", a17, "counter_service"),
        ("a18-health", a18, "health_insurance_file"),
    ):
        body = graphql(client, FILES, {"c": str(citizen), "p": purpose}, token)
        assert "errors" not in body, body
        seen[who] = sorted((f["partnerCode"], f["status"]) for f in body["data"]["citizenFiles"])
    assert seen == {
        "a17-health": [("CNAM", "LODGED"), ("STEG", "LODGED")],
        "a17-counter": [("STEG", "LODGED")],
        "a18-health": [("STEG", "LODGED")],
    }
    assert reads(dar) == [
        ("agent:A17", ("files", "health")),
        ("agent:A17", ("files",)),
        ("agent:A18", ("files",)),
    ]
