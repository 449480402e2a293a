"""One poller per process and per read model, however many clients subscribe.

Subscribers wait on an asyncio condition; a single task polls the read model's version (the
position of the last event it applied) while anyone listens, and stops when nobody does.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from functools import partial

import anyio.to_thread

POLL_SECONDS = 0.1


class Watcher:
    """Tells subscribers when a version number grows."""

    def __init__(self, read: Callable[[], int], interval: float = POLL_SECONDS) -> None:
        self._read = read
        self._interval = interval
        self._value = 0
        self._condition: asyncio.Condition | None = None
        self._task: asyncio.Task[None] | None = None
        self._subscribers = 0

    async def changes(self, after: int) -> AsyncIterator[int]:
        """Each new version above `after`, as it appears (intermediate ones may be skipped)."""
        condition = self._condition = self._condition or asyncio.Condition()
        self._subscribers += 1
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._poll(condition))
        seen = after
        try:
            while True:
                async with condition:
                    await condition.wait_for(partial(self._above, seen))
                    seen = self._value
                yield seen
        finally:
            self._subscribers -= 1

    def _above(self, seen: int) -> bool:
        return self._value > seen

    async def _poll(self, condition: asyncio.Condition) -> None:
        while self._subscribers > 0:
            value = await anyio.to_thread.run_sync(self._read)
            if value != self._value:
                async with condition:
                    self._value = value
                    condition.notify_all()
            await asyncio.sleep(self._interval)
