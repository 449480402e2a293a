"""Property: whatever mix of commands, retries and reused keys arrives, each key has one outcome.

Runs thousands of histories against the in-memory store (the CI profile); PostgreSQL gets a
bounded run of the same property.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.bootstrap import bootstrap
from application.errors import IdempotencyKeyReusedError
from application.partners.commands import RegisterPartner, RenamePartner
from domain.shared.errors import AlreadyExistsError, NotFoundError, UnchangedError
from infrastructure.settings import Settings
from tests.support.clock import TestClock

ARABIC = "شريك"
_memory_names = itertools.count()


@dataclass(frozen=True)
class Step:
    actor: str
    key: str
    rename: bool
    code: str
    name: str


steps = st.builds(
    Step,
    actor=st.sampled_from(["admin:1", "admin:2"]),
    key=st.sampled_from([f"k{i}" for i in range(6)]),
    rename=st.booleans(),
    code=st.sampled_from(["STEG", "SONEDE", "CNAM"]),
    name=st.sampled_from(["A", "B", "C"]),
)

REFUSALS = (AlreadyExistsError, NotFoundError, UnchangedError, IdempotencyKeyReusedError)


def check_history(settings_: Settings, history: list[Step]) -> None:
    dar = bootstrap(settings_, TestClock())
    first: dict[tuple[str, str], tuple[Step, int]] = {}
    try:
        for step in history:
            kind = RenamePartner if step.rename else RegisterPartner
            command = kind(
                command_id=step.key,
                actor=step.actor,
                code=step.code,
                name_ar=ARABIC,
                name_fr=step.name,
            )
            before = dar.store.position()
            try:
                position = (
                    dar.partners.rename_partner(command).position  # type: ignore[arg-type]
                    if step.rename
                    else dar.partners.register_partner(command).position  # type: ignore[arg-type]
                )
            except REFUSALS as error:
                assert dar.store.position() == before, "a refused command recorded events"
                known = first.get((step.actor, step.key))
                if isinstance(error, IdempotencyKeyReusedError):
                    assert known is not None
                    assert known[0] != step
                else:
                    assert known is None, "a recorded command's retry must not be refused"
                continue
            known = first.get((step.actor, step.key))
            if known is None:
                assert dar.store.position() == before + 1
                first[(step.actor, step.key)] = (step, position)
            else:
                assert known == (step, position), "a retry must return the first outcome"
                assert dar.store.position() == before, "a retry must record nothing"
        assert dar.store.position() == len(first)
    finally:
        dar.close()


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(steps, max_size=25))
def test_each_key_has_one_outcome_in_memory(history: list[Step]) -> None:
    memory = f"sqlite:///file:dar_mem_{next(_memory_names)}?mode=memory&cache=shared"
    check_history(Settings(database_url=memory), history)


@pytest.mark.usefixtures("postgres_server")
@settings(max_examples=15, suppress_health_check=list(HealthCheck))
@given(history=st.lists(steps, max_size=15))
def test_each_key_has_one_outcome_on_postgres(pg_databases: object, history: list[Step]) -> None:
    from tests.support.stores import PostgresDatabases  # noqa: PLC0415

    assert isinstance(pg_databases, PostgresDatabases)
    fresh = pg_databases.create()
    try:
        check_history(fresh, history)
    finally:
        pg_databases.drop(fresh)
