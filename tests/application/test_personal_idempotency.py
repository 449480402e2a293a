"""A commandId cannot be reused for another person, and the command log cannot confirm a guess.

Personal fields stay out of the command's digest; a retry is matched to the first attempt through
the values it sealed with the citizen's own key. Both stores.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from typing import Any
from uuid import UUID

import pytest

from api.bootstrap import Dar
from application.citizens.commands import EraseCitizen, RegisterCitizen
from application.citizens.service import CitizenService
from application.commands import payload_digest
from application.errors import IdempotencyKeyReusedError
from domain.citizens.citizen import Citizen, CitizenErasedError
from domain.citizens.identity import identity_document
from tests.support.clock import TestClock
from tests.support.spec import Scenario

FIRST = RegisterCitizen(
    command_id="register-1",
    actor="agent:A17",
    name="Amel Ben Salah",
    document_kind="cin",
    document_number="01234567",
    phone="+21698123456",
    house_code="haidra",
)
ANOTHER: dict[str, dict[str, Any]] = {  # each changes one field of FIRST
    "name": {"name": "Mongi Ayari"},
    "CIN": {"document_number": "09185530"},
    "phone": {"phone": "+21655103948"},
    "no phone": {"phone": None},
    "document kind": {"document_kind": "passport"},
    "no house": {"house_code": None},
}


@pytest.fixture
def haidra(dar: Dar, clock: TestClock) -> Dar:
    Scenario(dar, clock).given("delegation/haidra_staffed.yaml").at("day 2 09:00")
    return dar


def register(dar: Dar, command: RegisterCitizen = FIRST, /, **changes: Any) -> UUID:
    outcome = dar.citizens.register_citizen(dataclasses.replace(command, **changes))
    return UUID(outcome.values["citizen_id"])


def indexed(dar: Dar, kind: str, number: str) -> UUID | None:
    return dar.vault.find(identity_document(kind, number).lookup)


@pytest.mark.parametrize("changed", sorted(ANOTHER))
def test_a_key_reused_with_one_other_field_is_refused_and_records_nothing(
    haidra: Dar, changed: str
) -> None:
    register(haidra)
    before = haidra.store.position()
    changes = ANOTHER[changed]
    with pytest.raises(IdempotencyKeyReusedError):
        register(haidra, **changes)
    assert haidra.store.position() == before
    kind = str(changes.get("document_kind", "cin"))
    number = str(changes.get("document_number", FIRST.document_number))
    if changes.keys() & {"document_kind", "document_number"}:  # refused before it was indexed
        assert indexed(haidra, kind, number) is None


def test_a_key_reused_for_another_person_does_not_answer_with_the_first_citizen(
    haidra: Dar,
) -> None:
    register(haidra)
    with pytest.raises(IdempotencyKeyReusedError):
        register(haidra, **ANOTHER["name"], **ANOTHER["CIN"], **ANOTHER["phone"])
    assert indexed(haidra, "cin", "09185530") is None


def test_a_true_retry_replays_the_first_outcome_even_in_another_normal_form(haidra: Dar) -> None:
    first = haidra.citizens.register_citizen(dataclasses.replace(FIRST, name="Hédia Gharbi"))
    decomposed = unicodedata.normalize("NFD", "Hédia Gharbi")
    assert decomposed != "Hédia Gharbi"
    again = haidra.citizens.register_citizen(dataclasses.replace(FIRST, name=decomposed))
    assert (again.replayed, again.values, again.position) == (True, first.values, first.position)
    assert haidra.store.position() == first.position


def test_a_minor_retried_under_another_name_is_refused(haidra: Dar) -> None:
    guardian = register(haidra)
    minor = RegisterCitizen(
        command_id="register-minor",
        actor="agent:A17",
        name="Yasmine Ben Salah",
        guardian_id=guardian,
        house_code="haidra",
    )
    first = register(haidra, minor)
    assert register(haidra, minor) == first
    before = haidra.store.position()
    with pytest.raises(IdempotencyKeyReusedError):
        register(haidra, minor, name="Youssef Ben Salah")
    with pytest.raises(IdempotencyKeyReusedError):
        register(haidra, minor, phone="+21620111222")
    assert haidra.store.position() == before


class FirstAttemptCommitsMeanwhile:
    """The vault, but the first attempt of the command commits while the retry decides."""

    def __init__(self, dar: Dar) -> None:
        self._dar = dar
        self._raced = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._dar.vault, name)

    def claim(self, lookup: str, citizen_id: UUID) -> UUID:
        if not self._raced:
            self._raced = True
            self._dar.citizens.register_citizen(FIRST)
        return self._dar.vault.claim(lookup, citizen_id)


@pytest.mark.parametrize("changed", ["name", "CIN"])
def test_another_person_racing_the_first_attempt_under_its_key_is_refused(
    haidra: Dar, changed: str
) -> None:
    """Found after deciding: by the save's guard (another CIN) or by the refusal (same CIN)."""
    racing = CitizenService(
        haidra.store,
        haidra.runner,
        FirstAttemptCommitsMeanwhile(haidra),
        haidra.citizens.purposes,
        haidra.clock,
    )
    with pytest.raises(IdempotencyKeyReusedError):
        racing.register_citizen(dataclasses.replace(FIRST, **ANOTHER[changed]))
    record = haidra.store.command_log.find_command(FIRST.actor, FIRST.command_id)
    assert record is not None
    assert haidra.store.position() == record.position, "only the first attempt is recorded"


def erase(dar: Dar, citizen: UUID) -> None:
    dar.citizens.erase_citizen(
        EraseCitizen(command_id="erase-1", actor="admin:1", citizen_id=citizen, reason="request")
    )


def test_after_erasure_a_retry_is_refused_as_erased_whatever_it_carries(haidra: Dar) -> None:
    erase(haidra, register(haidra))
    before = haidra.store.position()
    for changes in ({}, {"document_number": "09185530"}, {"name": "Mongi Ayari"}):
        with pytest.raises(CitizenErasedError, match="commandId"):
            register(haidra, **changes)
    assert haidra.store.position() == before
    assert indexed(haidra, "cin", FIRST.document_number or "") is None
    assert indexed(haidra, "cin", "09185530") is None


def test_after_erasure_the_stored_record_confirms_no_guessed_cin(haidra: Dar) -> None:
    """Brute force over candidates, the true CIN among them, with all that Dar keeps.

    Before the erasure the retry singles the true CIN out (so this harness sees a verifier when
    there is one); afterwards the command log, the events and the service answer alike for all.
    """
    true_cin = FIRST.document_number or ""
    candidates = [true_cin, *(f"0123456{d}" for d in "0123689"), "11111111", "98765432"]
    citizen = register(haidra)

    def retry_confirms(cin: str) -> bool:
        try:
            return haidra.citizens.register_citizen(
                dataclasses.replace(FIRST, document_number=cin)
            ).replayed
        except (IdempotencyKeyReusedError, CitizenErasedError):
            return False

    assert [c for c in candidates if retry_confirms(c)] == [true_cin]
    erase(haidra, citizen)

    assert [c for c in candidates if retry_confirms(c)] == []
    refusals = set()
    for cin in candidates:
        with pytest.raises(CitizenErasedError) as refused:
            register(haidra, document_number=cin)
        refusals.add(str(refused.value))
    assert len(refusals) == 1, "the refusal must not depend on the guess"
    record = haidra.store.command_log.find_command(FIRST.actor, FIRST.command_id)
    assert record is not None
    digests = {payload_digest(dataclasses.replace(FIRST, document_number=c)) for c in candidates}
    assert digests == {record.digest}, "the stored digest must not depend on the CIN"
    assert not [c for c in candidates if c in repr(record)]
    registered = haidra.store.load(citizen, Citizen, "citizen")
    assert registered.document_number is not None
    assert haidra.vault.open(citizen, "documentNumber", registered.document_number) is None
