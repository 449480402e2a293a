"""Property: `asOf` at every version of a generated history is the state replayed to that version.

Histories of delegation grants, grant registers and agents (the aggregates `inForce` reads, all
snapshotted) are saved through the event store, which snapshots them as it does in service; the
past state read at each version (from the last snapshot at or before it) must equal a replay of
the first events alone. Many histories run in memory; SQLite files and PostgreSQL get a bounded
run that also reads the version at each event's instant through the audit index.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from uuid import UUID

import pytest
from eventsourcing.application import project_aggregate
from eventsourcing.domain import Aggregate
from hypothesis import HealthCheck, given, settings

from api.bootstrap import Dar, bootstrap
from application.audit.disclosure import Disclosure
from application.audit.history import AuditReads, fields_of
from application.citizens.service import Reader
from application.store import EventStore
from domain.delegation.grant import DelegationGrant
from domain.delegation.register import GrantRegister
from domain.houses.agent import Agent
from infrastructure.eventstore.factory import store_environment
from infrastructure.settings import Settings
from tests.support.histories import Draw, draws, history

_memory_names = itertools.count(1)
KINDS = [DelegationGrant, GrantRegister, Agent]


class NoPersonalData:
    """These aggregates carry no personal data: nothing to withhold, nothing to record."""

    def particulars(self, citizen_id: UUID, values: dict[str, object]) -> list[str]:  # noqa: ARG002 - the port's signature
        raise AssertionError

    def scopes(self, citizen_id: UUID, values: dict[str, object]) -> list[str]:  # noqa: ARG002 - the port's signature
        raise AssertionError

    def record(self) -> None:
        """Nothing was read."""


def replayed_states(store: EventStore, aggregate_id: UUID) -> list[dict[str, object]]:
    """The state after each event, replayed from the first event without any snapshot."""
    events = list(store.events.get(aggregate_id))
    states: list[dict[str, object]] = []
    for v in range(1, len(events) + 1):
        then = project_aggregate(None, events[:v])
        assert then is not None
        states.append(fields_of(then))
    return states


def check_every_version(store: EventStore, live: Aggregate) -> None:
    reads = AuditReads(store, keep_every=5)  # kept states serve later reads: forward, backward
    states = list(enumerate(replayed_states(store, live.id), start=1))
    for version, expected in [*states, *reversed(states[::7])]:
        past = reads.as_of(live.id, version, NoPersonalData())
        assert past.version == version
        assert past.fields == expected, f"version {version} of {live.version}"


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.__name__)
@settings(max_examples=60)
@given(steps=draws)
def test_as_of_every_version_is_the_replayed_state_in_memory(
    kind: type[Aggregate], steps: list[Draw]
) -> None:
    memory = f"sqlite:///file:dar_as_of_{next(_memory_names)}?mode=memory&cache=shared"
    store = EventStore(env=store_environment(Settings(database_url=memory)))
    try:
        live = history(kind, steps)
        store.save(live)
        check_every_version(store, live)
    finally:
        store.close()


@pytest.fixture
def dar(store_settings: Settings) -> Iterator[Dar]:
    found = bootstrap(store_settings)
    found.projections.prepare()
    try:
        yield found
    finally:
        found.close()


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.__name__)
@settings(max_examples=4, suppress_health_check=list(HealthCheck))
@given(steps=draws)
def test_as_of_every_version_and_instant_is_the_replayed_state_on_each_store(
    dar: Dar, kind: type[Aggregate], steps: list[Draw]
) -> None:
    # One Dar for the examples: each history's aggregate has an id of its own.
    live = history(kind, steps)
    dar.store.save(live)
    check_every_version(dar.store, live)
    dar.projections.catch_up()
    events = list(dar.store.events.get(live.id))
    disclosure = Disclosure(
        dar.citizens, dar.vault, Reader(actor="auditor:t", categories=frozenset()), None, "asOf"
    )
    times = [getattr(e, "timestamp") for e in events]  # noqa: B009 - every stored event has one
    for at in times:
        expected = max(v for v, t in enumerate(times, start=1) if t <= at)
        assert dar.read.audit.version_at(live.id, at) == expected
        past = AuditReads(dar.store).as_of(live.id, expected, disclosure)
        assert past.fields == fields_of(project_aggregate(None, events[:expected]))
