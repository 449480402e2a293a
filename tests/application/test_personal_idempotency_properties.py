"""Property: a key reused with other personal data is refused; a true retry replays.

For every command with personal fields, pairs of payloads under one commandId: the retry
replays exactly when both carry the same data as registration records it (names compared after
NFC and the spacing registration forgives, documents and phones as normalised), and is
`IDEMPOTENCY_KEY_REUSED` otherwise. After an erasure the answer no longer depends on the personal
data at all. Many pairs on the in-memory store (the CI profile); a bounded run on PostgreSQL.
"""

from __future__ import annotations

import importlib
import inspect
import itertools
import pkgutil
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import application
from api.bootstrap import Dar, bootstrap
from application.citizens.commands import EraseCitizen, RegisterCitizen
from application.commands import Command, has_personal_fields
from application.errors import IdempotencyKeyReusedError
from application.inclusion.commands import EnrollParticipant
from domain.citizens.citizen import CitizenErasedError
from domain.citizens.identity import identity_document, person_name, phone_number
from domain.shared.errors import NotFoundError
from infrastructure.settings import Settings
from tests.support.citizens import register
from tests.support.clock import TestClock
from tests.support.inclusion import ACTOR, VOLUNTEER, register_volunteer, schedule
from tests.support.spec import Scenario
from tests.support.staff import HOUSE

NAMES = (
    "Hédia Gharbi",
    unicodedata.normalize("NFD", "Hédia Gharbi"),  # the same name, decomposed
    "Hédia  Gharbi ",  # the same name, spaced as people type it
    "Hedia Gharbi",
    "هدية الغربي",
    "Hédia الغربي",
)
PHONES = (None, "+21698123456", "98 123 456", "+21655103948")
_examples = itertools.count()
_memory_names = itertools.count()


@dataclass(frozen=True)
class Particulars:
    """One side of a pair: choices among a few values, some equal once normalised."""

    name: str
    document_kind: str
    number: int  # which of two numbers of the example
    spaced: bool  # the number typed with a space in it
    phone: str | None
    house: bool

    def command(self, key: str, serial: int) -> RegisterCitizen:
        number = f"{serial:07d}{self.number}"
        return RegisterCitizen(
            command_id=key,
            actor="agent:A17",
            name=self.name,
            document_kind=self.document_kind,
            document_number=f"{number[:4]} {number[4:]}" if self.spaced else number,
            phone=self.phone,
            house_code="haidra" if self.house else None,
        )


CHOICES: dict[str, st.SearchStrategy[object]] = {
    "name": st.sampled_from(NAMES),
    "document_kind": st.sampled_from(["cin", "passport"]),
    "number": st.integers(0, 1),
    "spaced": st.booleans(),
    "phone": st.sampled_from(PHONES),
    "house": st.booleans(),
}


@st.composite
def pairs(draw: st.DrawFn) -> tuple[Particulars, Particulars]:
    """A first payload, and a retry keeping each of its fields or drawing it anew."""
    first = {field: draw(choice) for field, choice in CHOICES.items()}
    retry = {
        field: draw(st.one_of(st.just(value), CHOICES[field])) for field, value in first.items()
    }
    return Particulars(**first), Particulars(**retry)  # type: ignore[arg-type]


def as_recorded(command: RegisterCitizen) -> tuple[object, ...]:
    """The command's data as registration records it (the oracle's notion of "the same")."""
    document = identity_document(command.document_kind or "", command.document_number or "")
    return (
        unicodedata.normalize("NFC", person_name(command.name)),
        document.kind,
        document.number,
        phone_number(command.phone) if command.phone else None,
        command.house_code,
    )


def commands_with_personal_fields() -> set[type[Command]]:
    found: set[type[Command]] = set()
    for module in pkgutil.walk_packages(application.__path__, "application."):
        if module.name.endswith(".commands"):
            for _, kind in inspect.getmembers(importlib.import_module(module.name)):
                if (
                    inspect.isclass(kind)
                    and issubclass(kind, Command)
                    and has_personal_fields(kind)
                ):
                    found.add(kind)
    return found


def test_every_command_with_personal_fields_is_covered_by_the_property() -> None:
    assert commands_with_personal_fields() == {RegisterCitizen, EnrollParticipant}


def check_pair(dar: Dar, pair: tuple[Particulars, Particulars], *, erase: bool) -> None:
    first, retry = pair
    serial = next(_examples)
    key = f"pair-{serial}"
    one, two = first.command(key, serial), retry.command(key, serial)
    outcome = dar.citizens.register_citizen(one)
    if erase:
        dar.citizens.erase_citizen(
            EraseCitizen(
                command_id=f"erase-{serial}",
                actor="admin:1",
                citizen_id=UUID(outcome.values["citizen_id"]),
                reason="request",
            )
        )
    before = dar.store.position()
    same_outside = (one.document_kind, one.house_code) == (two.document_kind, two.house_code)
    expected: type[Exception] | None
    if erase:  # nothing can tell the personal data apart any more
        expected = CitizenErasedError if same_outside else IdempotencyKeyReusedError
    else:
        expected = None if as_recorded(one) == as_recorded(two) else IdempotencyKeyReusedError
    if expected is None:
        again = dar.citizens.register_citizen(two)
        assert (again.replayed, again.values, again.position) == (
            True,
            outcome.values,
            outcome.position,
        )
    else:
        with pytest.raises(expected):
            dar.citizens.register_citizen(two)
    assert dar.store.position() == before, "a retry must record nothing"


@pytest.fixture(scope="module")
def memory_dar() -> Iterator[Dar]:
    memory = f"sqlite:///file:dar_personal_{next(_memory_names)}?mode=memory&cache=shared"
    yield from staffed(Settings(database_url=memory))


def staffed(settings_: Settings) -> Iterator[Dar]:
    clock = TestClock()
    dar = bootstrap(settings_, clock)
    try:
        Scenario(dar, clock).given("delegation/haidra_staffed.yaml").at("day 2 09:00")
        yield dar
    finally:
        dar.close()


@given(pair=pairs(), erase=st.booleans())
def test_a_retry_replays_exactly_when_its_personal_data_is_the_same_in_memory(
    memory_dar: Dar, pair: tuple[Particulars, Particulars], *, erase: bool
) -> None:
    check_pair(memory_dar, pair, erase=erase)


@pytest.fixture
def postgres_dar(pg_settings: Settings) -> Iterator[Dar]:
    yield from staffed(pg_settings)


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pair=pairs(), erase=st.booleans())
def test_a_retry_replays_exactly_when_its_personal_data_is_the_same_on_postgres(
    postgres_dar: Dar, pair: tuple[Particulars, Particulars], *, erase: bool
) -> None:
    # One database for every example: each pair has its own key and its own numbers.
    check_pair(postgres_dar, pair, erase=erase)


# --- enrolling a participant by CIN: the CIN stays out of the log; the participant it leads to --

REGISTERED = ("08123456", "08654321")
# two citizens' CINs, one of them typed with a space, and a CIN no one is registered under
CINS = (*REGISTERED, "0812 3456", "08999999")


def same_person(first: str, retry: str) -> bool:
    """The oracle: both CINs normalise to the same registered citizen's."""
    numbers = {identity_document("cin", cin).number for cin in (first, retry)}
    return len(numbers) == 1 and numbers <= set(REGISTERED)


@pytest.fixture(scope="module")
def room() -> Iterator[tuple[Dar, TestClock]]:
    """Haidra's room in memory: its volunteer, and two registered citizens."""
    clock = TestClock()
    memory = f"sqlite:///file:dar_enrol_{next(_memory_names)}?mode=memory&cache=shared"
    dar = bootstrap(Settings(database_url=memory), clock)
    try:
        register_volunteer(dar)
        for cin, name in zip(REGISTERED, ("Fatma Trabelsi", "Hedi Jaziri"), strict=True):
            register(dar, cin, name)
        yield dar, clock
    finally:
        dar.close()


@given(first=st.sampled_from(CINS), retry=st.sampled_from(CINS))
def test_an_enrolment_retry_replays_exactly_when_its_cin_leads_to_the_same_citizen(
    room: tuple[Dar, TestClock], first: str, retry: str
) -> None:
    dar, clock = room
    session = schedule(dar, clock.now())  # a session of its own: a citizen enrols once in each
    key = f"enrol-{next(_examples)}"

    def enrol(cin: str) -> object:
        return dar.inclusion.enroll_participant(
            EnrollParticipant(key, ACTOR, session, HOUSE, VOLUNTEER, cin=cin)
        )

    if identity_document("cin", first).number not in REGISTERED:
        before = dar.store.position()
        with pytest.raises(NotFoundError):
            enrol(first)
        assert dar.store.position() == before
        return
    outcome = enrol(first)
    before = dar.store.position()
    if same_person(first, retry):
        again = enrol(retry)
        assert (again.replayed, again.value) == (True, outcome.value)  # type: ignore[attr-defined]
    else:
        with pytest.raises(IdempotencyKeyReusedError):
            enrol(retry)
    assert dar.store.position() == before, "a retry must record nothing"
