"""One read per house and version, shared by every subscriber of the house in this process.

Subscribers of one house woken by the same change ask for the same thing: the first to ask
starts the read, the others await it (and later ones get it while the version still holds).
Everything here runs on the event loop: no lock is needed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Generic, TypeVar
from uuid import UUID

T = TypeVar("T")


@dataclass(frozen=True)
class _Read(Generic[T]):
    """A read of one house at a version, for a day (shared while it runs, and after)."""

    version: int
    day: date
    task: asyncio.Future[T]


class HouseReads(Generic[T]):
    """The last read of each house, shared by whoever asks at that version or before."""

    def __init__(self) -> None:
        self._reads: dict[UUID, _Read[T]] = {}

    async def read(
        self, house: UUID, version: int, day: date, read: Callable[[], Awaitable[T]]
    ) -> T:
        """The house's value at `version` or later: read once, however many subscribers ask."""
        last = self._reads.get(house)
        if last is None or last.version < version or last.day != day or _failed(last.task):
            last = _Read(version, day, asyncio.ensure_future(read()))
            self._reads[house] = last
        # one subscriber leaving (its task cancelled) must not cancel the others' read
        return await asyncio.shield(last.task)


def _failed(task: asyncio.Future[T]) -> bool:
    """A read that ended without a value: the next subscriber to ask reads again."""
    return task.done() and (task.cancelled() or task.exception() is not None)
