"""Property: a snapshot and the events after it rebuild exactly the state a full replay gives.

For any generated history of every snapshotted aggregate; and history (`version=N`, before or
after the snapshot) is unchanged.

Thousands of histories run against the in-memory store (the `ci` profile); SQLite files and
PostgreSQL get a bounded run of the same property.
"""

from __future__ import annotations

import itertools

import pytest
from eventsourcing.application import project_aggregate
from eventsourcing.domain import Aggregate
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from application.snapshotted import SNAPSHOT_INTERVALS
from infrastructure.eventstore.factory import store_environment
from infrastructure.settings import Settings
from tests.support.histories import Draw, draws, history
from tests.support.snapshots import ManualSnapshots, counted_loads, state

_memory_names = itertools.count(1)
KINDS = sorted(SNAPSHOT_INTERVALS, key=lambda k: k.__name__)
cuts = st.tuples(st.integers(0, 10**6), st.integers(0, 10**6))


def check(
    store: ManualSnapshots, kind: type[Aggregate], steps: list[Draw], cut: tuple[int, int]
) -> None:
    """Snapshot at a drawn version; the latest state and a drawn past version still read right."""
    live = history(kind, steps)
    store.save(live)
    last = live.version
    at, past = 1 + cut[0] % last, 1 + cut[1] % last
    events = list(store.events.get(live.id))
    replayed = project_aggregate(None, events)
    assert replayed is not None
    assert state(replayed) == state(live)

    store.take_snapshot(live.id, version=at)
    with counted_loads(store) as counts:
        rebuilt = store.repository.get(live.id)
    assert counts == [last - at], "the load did not start from the snapshot"
    assert state(rebuilt) == state(replayed)

    then = store.repository.get(live.id, version=past)
    as_it_was = project_aggregate(None, events[:past])
    assert as_it_was is not None
    assert state(then) == state(as_it_was)


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.__name__)
@given(steps=draws, cut=cuts)
def test_a_snapshot_and_later_events_rebuild_the_replayed_state_in_memory(
    kind: type[Aggregate], steps: list[Draw], cut: tuple[int, int]
) -> None:
    memory = f"sqlite:///file:dar_snapshots_{next(_memory_names)}?mode=memory&cache=shared"
    store = ManualSnapshots(env=store_environment(Settings(database_url=memory)))
    try:
        check(store, kind, steps, cut)
    finally:
        store.close()


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.__name__)
@settings(max_examples=8, suppress_health_check=list(HealthCheck))
@given(steps=draws, cut=cuts)
def test_a_snapshot_and_later_events_rebuild_the_replayed_state_on_each_store(
    store_settings: Settings, kind: type[Aggregate], steps: list[Draw], cut: tuple[int, int]
) -> None:
    # One database for the examples: each history's aggregate has an id of its own.
    store = ManualSnapshots(env=store_environment(store_settings))
    try:
        check(store, kind, steps, cut)
    finally:
        store.close()
