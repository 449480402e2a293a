"""Citizens through the application layer, on both stores: sealed, found, read, erased."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest

from api.bootstrap import Dar
from application.citizens.commands import EraseCitizen, RegisterCitizen
from domain.citizens.access import PersonalDataAccess
from domain.citizens.citizen import SEALED_PREFIX, Citizen, CitizenErasedError
from domain.shared.errors import AlreadyExistsError, NotFoundError, ValidationError
from tests.support.citizens import agent, register
from tests.support.clock import TestClock
from tests.support.spec import Scenario

STAFFED = "delegation/haidra_staffed.yaml"


@pytest.fixture
def haidra(dar: Dar, clock: TestClock) -> Dar:
    Scenario(dar, clock).given(STAFFED).at("day 2 09:00")
    return dar


def accesses(dar: Dar) -> list[PersonalDataAccess.Recorded]:
    found = []
    for n in dar.store.recorder.select_notifications(start=1, limit=10_000):
        event = dar.store.mapper.to_domain_event(n)
        if isinstance(event, PersonalDataAccess.Recorded):
            found.append(event)
    return found


def test_a_registered_citizen_is_recorded_as_ciphertext_only(haidra: Dar) -> None:
    citizen_id = register(haidra, "01234567", "Amel Ben Salah")
    citizen = haidra.store.load(citizen_id, Citizen, "citizen")
    assert citizen.name.startswith(SEALED_PREFIX)
    assert citizen.document_number is not None
    assert citizen.document_number.startswith(SEALED_PREFIX)
    assert "Amel" not in citizen.name
    assert "01234567" not in citizen.document_number
    assert citizen.document_kind == "cin"


def test_a_citizen_is_found_by_cin_and_the_read_is_recorded_with_its_purpose(haidra: Dar) -> None:
    citizen_id = register(haidra, "01234567", "Amel Ben Salah")
    found = haidra.citizens.find_by_document("cin", "0123 4567", "counter_service", agent("A17"))
    assert found is not None
    assert found.citizen_id == citizen_id
    assert found.values["name"] == "Amel Ben Salah"
    assert found.values["documentNumber"] == "01234567"
    assert found.values["phone"] == "+21698123456"
    [access] = accesses(haidra)
    assert (access.citizen_id, access.purpose, access.actor) == (
        citizen_id,
        "counter_service",
        "agent:A17",
    )
    assert set(access.fields) == {"name", "documentKind", "documentNumber", "phone"}


def test_a_purpose_reveals_only_its_categories(haidra: Dar) -> None:
    citizen_id = register(haidra, "01234567", "Amel Ben Salah")
    file = haidra.citizens.read(citizen_id, "partner_file_follow_up", agent("A17"))
    assert set(file.values) == {"name", "phone"}
    assert set(file.withheld) == {"documentKind", "documentNumber"}
    [access] = accesses(haidra)
    assert set(access.fields) == {"name", "phone"}


def test_an_unknown_purpose_is_refused_and_nothing_is_read(haidra: Dar) -> None:
    citizen_id = register(haidra, "01234567", "Amel Ben Salah")
    with pytest.raises(ValidationError) as refused:
        haidra.citizens.read(citizen_id, "curiosity", agent("A17"))
    assert refused.value.field == "purpose"
    assert accesses(haidra) == []


def test_a_second_registration_of_the_same_cin_is_refused(haidra: Dar) -> None:
    register(haidra, "01234567", "Amel Ben Salah")
    with pytest.raises(AlreadyExistsError):
        register(haidra, "01234567", "Someone Else", key="again")


def test_a_retried_registration_returns_the_first_outcome(haidra: Dar) -> None:
    first = register(haidra, "01234567", "Amel Ben Salah", key="once")
    again = register(haidra, "01234567", "Amel Ben Salah", key="once")
    assert again == first


@pytest.mark.parametrize(
    ("kind", "number", "field"),
    [
        ("cin", "1234567", "documentNumber"),
        ("cin", "12345678A", "documentNumber"),
        ("passport", "AB", "documentNumber"),
        ("driving_licence", "12345678", "documentKind"),
    ],
)
def test_a_malformed_document_is_refused(haidra: Dar, kind: str, number: str, field: str) -> None:
    before = haidra.store.position()
    with pytest.raises(ValidationError) as refused:
        haidra.citizens.register_citizen(
            RegisterCitizen(
                command_id="bad",
                actor="agent:A17",
                name="X",
                document_kind=kind,
                document_number=number,
                house_code="haidra",
            )
        )
    assert refused.value.field == field
    assert haidra.store.position() == before


def test_a_minor_is_registered_through_a_guardian(haidra: Dar) -> None:
    guardian = register(haidra, "01234567", "Amel Ben Salah")
    outcome = haidra.citizens.register_citizen(
        RegisterCitizen(
            command_id="minor",
            actor="agent:A17",
            name="Youssef Ben Salah",
            guardian_id=guardian,
            house_code="haidra",
        )
    )
    minor = haidra.store.load(UUID(outcome.values["citizen_id"]), Citizen, "citizen")
    assert minor.minor
    assert minor.guardian_id == guardian


def test_erasure_makes_the_data_unreadable_and_frees_the_cin(haidra: Dar) -> None:
    erased = register(haidra, "01234567", "Amel Ben Salah")
    kept = register(haidra, "07654321", "Karim Trabelsi")
    haidra.citizens.erase_citizen(
        EraseCitizen(command_id="erase", actor="admin:1", citizen_id=erased, reason="request")
    )
    file = haidra.citizens.read(erased, "data_subject_rights", agent("A17"))
    assert file.erased
    assert file.values == {}
    assert (
        haidra.citizens.find_by_document("cin", "01234567", "counter_service", agent("A17")) is None
    )
    other = haidra.citizens.read(kept, "counter_service", agent("A17"))
    assert other.values["name"] == "Karim Trabelsi"
    assert register(haidra, "01234567", "Amel Ben Salah", key="anew") != erased


def test_erasing_twice_is_refused_and_a_retry_replays(haidra: Dar) -> None:
    citizen_id = register(haidra, "01234567", "Amel Ben Salah")
    command = EraseCitizen(command_id="erase", actor="admin:1", citizen_id=citizen_id, reason="r")
    first = haidra.citizens.erase_citizen(command)
    assert haidra.citizens.erase_citizen(command).position == first.position
    with pytest.raises(CitizenErasedError):
        haidra.citizens.erase_citizen(
            EraseCitizen(command_id="again", actor="admin:1", citizen_id=citizen_id, reason="r")
        )


def test_erasing_an_unknown_citizen_is_refused(haidra: Dar) -> None:
    with pytest.raises(NotFoundError):
        haidra.citizens.erase_citizen(
            EraseCitizen(command_id="e", actor="admin:1", citizen_id=uuid4(), reason="r")
        )
