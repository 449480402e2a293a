"""The waiting-room screens one API process serves: how many per house, and what they show.

A house's screens share one read of its called tickets per read-model version (however many
screens watch it), and there are at most `DAR_DISPLAY_SUBSCRIBERS_PER_HOUSE` of them per house
in a process: the next one is refused with `TOO_MANY_SUBSCRIBERS` (retryable) until one leaves.
Everything here runs on the event loop: no lock is needed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from api.graphql.errors import TooManySubscribersError
from projections.queue.view import TicketRow

Rows = list[TicketRow]


@dataclass(frozen=True)
class _Read:
    """A read of one house's list, at a version, for a day (shared while it runs, and after)."""

    version: int
    day: date
    task: asyncio.Future[Rows]


class HouseScreens:
    """Counts each house's screens in this process and shares their reads."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._screens: dict[UUID, int] = {}
        self._reads: dict[UUID, _Read] = {}

    @contextmanager
    def screen(self, house: UUID) -> Iterator[None]:
        """Hold one of the house's places while the block runs, or TOO_MANY_SUBSCRIBERS."""
        screens = self._screens.get(house, 0)
        if screens >= self.limit:
            msg = f"this house has {self.limit} screens following it already: retry later"
            raise TooManySubscribersError(msg)
        self._screens[house] = screens + 1
        try:
            yield
        finally:
            self._screens[house] -= 1
            if self._screens[house] == 0:
                del self._screens[house]
                self._reads.pop(house, None)

    def screens(self, house: UUID) -> int:
        """How many screens follow the house in this process now."""
        return self._screens.get(house, 0)

    async def read(
        self, house: UUID, version: int, day: date, read: Callable[[], Awaitable[Rows]]
    ) -> Rows:
        """The house's list at `version` or later: read once, however many screens ask."""
        last = self._reads.get(house)
        if last is None or last.version < version or last.day != day or _failed(last.task):
            last = _Read(version, day, asyncio.ensure_future(read()))
            self._reads[house] = last
        # one screen leaving (its task cancelled) must not cancel the others' read
        return await asyncio.shield(last.task)


def _failed(task: asyncio.Future[Rows]) -> bool:
    """A read that ended without a list: the next screen to ask reads again."""
    return task.done() and (task.cancelled() or task.exception() is not None)
