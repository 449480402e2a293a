"""Any aggregate at any version, fast for long histories.

The store keeps one snapshot per aggregate, its latest (a cache for loading the present): a
version before it would be replayed from the first event, 10,000 events for a long-lived grant.
So a replay here keeps a copy of the state every `every` versions (20, the snapshot interval),
in a bounded cache (least recently used out); the next read of that aggregate starts from the
nearest copy or snapshot at or before the version asked, at most `every` events before it. A read
that finds no copy or snapshot that near replays the aggregate's whole remaining history once,
keeping a copy every `every` versions to its last event, so that no later read replays far. The
copies are of recorded, immutable history: they never go stale.
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from typing import cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate

from application.snapshots import SnapshotCheckingRepository
from application.store import EventStore


class PastStates:
    """Aggregates as they were at a version, from snapshots, kept copies and the events after."""

    def __init__(self, store: EventStore, every: int = 20, capacity: int = 5_000) -> None:
        self._store = store
        self._every = every
        self._capacity = capacity
        self._kept: OrderedDict[tuple[UUID, int], Aggregate] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, aggregate_id: UUID, version: int) -> Aggregate:
        """The aggregate after its event `version` (its last, if it has fewer)."""
        aggregate = self._base(aggregate_id, version)
        start = aggregate.version if aggregate is not None else None
        if version - (start or 0) >= self._every:
            # no state kept near: replay to the end once, keeping states all along the way
            return self._replayed(aggregate_id, aggregate, version)
        for event in self._store.events.get(aggregate_id, gt=start, lte=version):
            aggregate = cast("Aggregate.Event", event).mutate(aggregate)
            if aggregate is not None and aggregate.version % self._every == 0:
                self._keep(aggregate_id, aggregate)
        if aggregate is None:
            msg = f"Aggregate {aggregate_id!r} version {version!r} not found."
            raise AggregateNotFoundError(msg)
        return aggregate

    def _replayed(self, aggregate_id: UUID, base: Aggregate | None, version: int) -> Aggregate:
        """The state at `version`, replaying from `base` to the last event, keeping every `every`.

        A history is replayed once per process (while its copies stay in the cache): each later
        read starts from a copy fewer than `every` events before its version.
        """
        aggregate, found = base, None
        start = base.version if base is not None else None
        for event in self._store.events.get(aggregate_id, gt=start):
            aggregate = cast("Aggregate.Event", event).mutate(aggregate)
            if aggregate is None:
                continue
            if aggregate.version == version:
                found = copy.deepcopy(aggregate)
            if aggregate.version % self._every == 0:
                self._keep(aggregate_id, aggregate)
        if found is None:  # asked past the last event: the last state
            found = aggregate
        if found is None:
            msg = f"Aggregate {aggregate_id!r} version {version!r} not found."
            raise AggregateNotFoundError(msg)
        return found

    def _base(self, aggregate_id: UUID, version: int) -> Aggregate | None:
        """A private copy of the nearest state at or before `version`: kept, or snapshotted."""
        kept = self._nearest_kept(aggregate_id, version)
        repository = self._store.repository
        snapshot = None
        if isinstance(repository, SnapshotCheckingRepository):
            snapshot = repository.snapshot_at_or_before(aggregate_id, version)
        if snapshot is not None and (kept is None or snapshot.version >= kept.version):
            return snapshot  # restored afresh: already a private object
        return copy.deepcopy(kept) if kept is not None else None

    def _nearest_kept(self, aggregate_id: UUID, version: int) -> Aggregate | None:
        with self._lock:
            for at in range(version - version % self._every, 0, -self._every):
                found = self._kept.get((aggregate_id, at))
                if found is not None:
                    self._kept.move_to_end((aggregate_id, at))
                    return found
            return None

    def _keep(self, aggregate_id: UUID, aggregate: Aggregate) -> None:
        key = (aggregate_id, aggregate.version)
        with self._lock:
            if key in self._kept:
                return
        kept = copy.deepcopy(aggregate)
        with self._lock:
            self._kept[key] = kept
            while len(self._kept) > self._capacity:
                self._kept.popitem(last=False)
