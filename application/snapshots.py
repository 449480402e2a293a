"""Snapshots of long streams: a cache of an aggregate's state, never trusted over its events.

A snapshot carries the fingerprint of the code that wrote it (the aggregate's module and every
domain module it draws on, this module, the state codec and the library's version). A snapshot
whose fingerprint is not the running code's, or that cannot be read back, is ignored: the
aggregate is replayed from its events, and a fresh snapshot replaces the old one. Failing to read
or write a snapshot never fails a command.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import inspect
import logging
import sys
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from types import ModuleType
from typing import Any, cast
from uuid import UUID

from eventsourcing.application import (
    AggregateNotFoundError,
    ProjectorFunction,
    Repository,
    project_aggregate,
)
from eventsourcing.domain import Aggregate, Snapshot
from eventsourcing.persistence import (
    EventStore,
    MapperDeserialisationError,
    PersistenceError,
    StoredEvent,
)
from eventsourcing.utils import get_topic, resolve_topic

from application import snapshot_state
from application.errors import StoreBusyError
from application.snapshot_state import SnapshotStateError, freeze_state, thaw_state

log = logging.getLogger(__name__)
DOMAIN_PREFIX = "domain."
_BOOKKEEPING = ("_id", "_version", "_pending_events")  # restored from the snapshot's own fields


@dataclass(frozen=True)
class DarSnapshot(Snapshot):
    """An aggregate's state at a version, with the fingerprint of the code that took it."""

    schema: str

    @classmethod
    def take(cls, aggregate: Aggregate) -> DarSnapshot:  # type: ignore[override]
        """The aggregate's state, frozen so that it reads back exactly."""
        kind = type(aggregate)
        schema = fingerprint(kind)
        if schema is None:
            msg = f"{kind.__qualname__} has no fingerprint: its source cannot be read"
            raise SnapshotStateError(msg)
        state = {k: v for k, v in vars(aggregate).items() if k not in _BOOKKEEPING}
        return cls(
            originator_id=aggregate.id,
            originator_version=aggregate.version,
            timestamp=cls.create_timestamp(),
            topic=get_topic(kind),
            state=freeze_state(state),
            schema=schema,
        )

    def mutate(self, _: None) -> Aggregate:
        """The aggregate as it was (the library's protocol; Dar restores through `restore`)."""
        kind: type[Aggregate] = resolve_topic(self.topic)
        return self.restore(kind)

    def restore(self, kind: type[Aggregate]) -> Aggregate:
        """The aggregate of that class as it was when the snapshot was taken."""
        state = thaw_state(self.state)
        state.update(_id=self.originator_id, _version=self.originator_version, _pending_events=[])
        aggregate = object.__new__(kind)
        object.__setattr__(aggregate, "__dict__", state)
        return aggregate


SNAPSHOT_TOPIC = get_topic(DarSnapshot)


@functools.cache
def fingerprint(kind: type) -> str | None:
    """What a snapshot of `kind` depends on, hashed; None when the source cannot be read.

    Any change to the aggregate's module, to a domain module it draws on (its value types,
    their modules' helpers), to the snapshot code or to the library's version gives another
    fingerprint: a snapshot is ignored after any such change rather than trusted by mistake.
    """
    modules = _domain_closure(sys.modules[kind.__module__])
    modules |= {sys.modules[__name__], snapshot_state}
    digest = hashlib.sha256()
    digest.update(get_topic(kind).encode())
    digest.update(importlib.metadata.version("eventsourcing").encode())
    for module in sorted(modules, key=lambda m: m.__name__):
        try:
            source = inspect.getsource(module)
        except (OSError, TypeError):
            return None
        digest.update(module.__name__.encode())
        digest.update(source.encode())
    return digest.hexdigest()


def _domain_closure(start: ModuleType) -> set[ModuleType]:
    """The module and every domain module it draws names from, transitively."""
    found, todo = {start}, [start]
    while todo:
        for value in vars(todo.pop()).values():
            name = value.__name__ if isinstance(value, ModuleType) else _module_of(value)
            module = sys.modules.get(name) if name.startswith(DOMAIN_PREFIX) else None
            if module is not None and module not in found:
                found.add(module)
                todo.append(module)
    return found


def _module_of(value: object) -> str:
    name = getattr(value, "__module__", None)
    return name if isinstance(name, str) else ""


def put_snapshot(snapshots: EventStore[UUID], aggregate: Aggregate) -> None:
    """Store a snapshot of the aggregate; a failure is logged, never raised (it is a cache)."""
    try:
        snapshots.put([DarSnapshot.take(aggregate)])
    except (PersistenceError, StoreBusyError, SnapshotStateError) as error:
        log.warning("no snapshot of %s %s: %s", type(aggregate).__name__, aggregate.id, error)


_WITHOUT_SNAPSHOT = ContextVar("dar_load_without_snapshot", default=False)
_UNREADABLE = (MapperDeserialisationError, SnapshotStateError, TypeError, KeyError, AttributeError)


def _replayed(aggregate: Aggregate | None, events: list[Any]) -> Aggregate | None:
    """The library's `project_aggregate`, without its runtime protocol check of every event.

    That check (`isinstance(event, CanMutateProtocol)`) costs about 10 µs an event on Python
    3.11: a load replaying 70 events spent more on it than on the events themselves. The events
    come from the mapper, as instances of the aggregates' own event classes.
    """
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


class SnapshotCheckingRepository(Repository[UUID]):
    """Rebuilds aggregates from a snapshot only when the running code wrote it.

    `intervals` names the snapshotted classes: after replaying at least that many events of one
    of them (no snapshot yet, or one ignored), the rebuilt aggregate is snapshotted.
    """

    def __init__(
        self,
        event_store: EventStore[UUID],
        snapshot_store: EventStore[UUID] | None,
        intervals: Mapping[type[Aggregate], int],
    ) -> None:
        super().__init__(event_store, snapshot_store=snapshot_store)
        self._intervals = intervals
        self._classes = {get_topic(kind): kind for kind in intervals}
        self._snapshotted_kinds: dict[type[Aggregate], bool] = {}

    def _reconstruct_aggregate(
        self,
        aggregate_id: UUID,
        version: int | None,
        projector_func: ProjectorFunction[Any, Any],
    ) -> Any:  # noqa: ANN401 - the library's signature
        base = self._from_snapshot(aggregate_id, version)
        after = None if base is None else base.version
        events = list(self.event_store.get(originator_id=aggregate_id, gt=after, lte=version))
        project = _replayed if projector_func is project_aggregate else projector_func
        aggregate = project(base, events)
        if aggregate is None:
            msg = f"Aggregate {aggregate_id!r} version {version!r} not found."
            raise AggregateNotFoundError(msg)
        if version is None and self._due(aggregate, len(events)):
            put_snapshot(cast("EventStore[UUID]", self.snapshot_store), aggregate)
        return aggregate

    def _due(self, aggregate: Aggregate, replayed: int) -> bool:
        interval = self._intervals.get(type(aggregate))
        return self.snapshot_store is not None and interval is not None and replayed >= interval

    def snapshot_at_or_before(self, aggregate_id: UUID, version: int) -> Aggregate | None:
        """The aggregate from its snapshot, if the one kept is at or before `version` (asOf)."""
        return self._from_snapshot(aggregate_id, version)

    def get_of(self, aggregate_id: UUID, kind: type[Aggregate]) -> object:
        """The aggregate under that id, read as one of `kind` (any class, if it is not).

        No aggregate of `kind` is ever snapshotted unless a snapshotted class is `kind` or
        derives from it: then no snapshot is looked for (one exchange with the server less). An
        id of another class is replayed from its events (same aggregate, found not of `kind`).
        """
        if self._may_be_snapshotted(kind):
            return self.get(aggregate_id)
        token = _WITHOUT_SNAPSHOT.set(True)
        try:
            return self.get(aggregate_id)
        finally:
            _WITHOUT_SNAPSHOT.reset(token)

    def _may_be_snapshotted(self, kind: type[Aggregate]) -> bool:
        found = self._snapshotted_kinds.get(kind)
        if found is None:
            found = any(issubclass(snapshotted, kind) for snapshotted in self._intervals)
            self._snapshotted_kinds[kind] = found
        return found

    def _from_snapshot(self, aggregate_id: UUID, version: int | None) -> Aggregate | None:
        """The latest snapshot at or before `version` that the running code can trust."""
        if self.snapshot_store is None or _WITHOUT_SNAPSHOT.get():
            return None
        try:
            stored = self.snapshot_store.recorder.select_events(
                aggregate_id, desc=True, limit=1, lte=version
            )
        except (PersistenceError, StoreBusyError) as error:
            log.warning("snapshot of %s not read: %s", aggregate_id, error)
            return None
        return self._trusted(stored[0]) if stored else None

    def _trusted(self, stored: StoredEvent) -> Aggregate | None:
        if stored.topic != SNAPSHOT_TOPIC:
            return None
        try:
            snapshot = self.snapshot_store.mapper.to_domain_event(stored)  # type: ignore[union-attr]
            kind = self._classes.get(cast("DarSnapshot", snapshot).topic)
            if kind is None or cast("DarSnapshot", snapshot).schema != fingerprint(kind):
                return None
            return cast("DarSnapshot", snapshot).restore(kind)
        except _UNREADABLE as error:
            log.warning("snapshot of %s ignored: %s", stored.originator_id, error)
            return None
