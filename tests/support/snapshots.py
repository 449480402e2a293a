"""Helpers for snapshot tests: exact state comparison, counted loads, stores without auto-snapshots."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import StoredEvent

from application.snapshotted import SNAPSHOT_INTERVALS
from application.store import EventStore

NEVER = 10**9


class ManualSnapshots(EventStore):
    """The event store, snapshotting only when a test asks (the same classes, huge intervals)."""

    name = "Dar"  # the same tables
    snapshotting_intervals = dict.fromkeys(SNAPSHOT_INTERVALS, NEVER)


def exact(value: object) -> object:
    """A form of the value where equal means equal types all the way down, dict order included.

    A `StrEnum` member is not its text, a tuple is not a list.
    """
    if isinstance(value, dict):
        return ("dict", tuple((exact(k), exact(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(exact(v) for v in value))
    if isinstance(value, (set, frozenset)):
        return (type(value).__name__, tuple(sorted((exact(v) for v in value), key=repr)))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = tuple((f.name, exact(getattr(value, f.name))) for f in dataclasses.fields(value))
        return (type(value).__qualname__, fields)
    return (type(value).__qualname__, value)


def state(aggregate: Aggregate) -> object:
    """The aggregate's whole state, exactly, its pending events aside.

    Attributes are taken in name order (their order carries no meaning); inside each value the
    order is kept.
    """
    attributes = sorted(vars(aggregate).items())
    return exact({k: v for k, v in attributes if k != "_pending_events"})


@contextmanager
def counted_loads(store: EventStore) -> Iterator[list[int]]:
    """Counts the events each `select_events` of the event recorder returns, as `bench/` does."""
    counts: list[int] = []
    recorder: Any = store.recorder
    original = recorder.select_events

    def select_events(originator_id: UUID, **kwargs: Any) -> Sequence[StoredEvent]:
        found: Sequence[StoredEvent] = original(originator_id, **kwargs)
        counts.append(len(found))
        return found

    recorder.select_events = select_events
    try:
        yield counts
    finally:
        del recorder.select_events
