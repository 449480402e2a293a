"""One watcher per process and per read model, however many clients subscribe: pushed, not polled.

A projection runner announces each batch it commits that changed a read model (its projection key
and position): in this process on the `ReadModelChanges` of `Dar` (the embedded runner, after its
commit), and on PostgreSQL from any process through a NOTIFY sent in the batch's transaction,
which this process's ONE listener thread (`Dar.listener`, started with the app) hears and announces
there too. A watcher hands each announcement over to the event loop (`call_soon_threadsafe`) and
wakes its subscribers; nothing polls per client.

A slow poll (`DAR_SUBSCRIPTION_POLL_SECONDS`, 1 s) runs while anyone subscribes, as a safety
net: a notification lost while the listener reconnected, or a read model written by a runner in
another process on SQLite (which cannot notify), still reaches the subscribers within about that.
A watcher built without a key (nobody announces to it) polls at `POLL_SECONDS`, as before push.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, Callable

import anyio.to_thread

from infrastructure.readmodels.runner import ReadModelChanges

POLL_SECONDS = 0.1  # a watcher nobody announces to
SAFETY_POLL_SECONDS = 1.0  # a pushed watcher: only what a lost notification would miss
log = logging.getLogger(__name__)


class Watcher:
    """Tells subscribers when a read model's version grows: at once when announced, else polled.

    `read` gives the version cheaply (a position that grows with the read model); announcements
    give the position a runner committed. Subscribers see the larger of the two.
    """

    def __init__(
        self,
        read: Callable[[], int],
        interval: float | None = None,
        *,
        key: str | None = None,
        changes: ReadModelChanges | None = None,
    ) -> None:
        pushed = key is not None and changes is not None
        self._read = read
        self._interval = interval or (SAFETY_POLL_SECONDS if pushed else POLL_SECONDS)
        self._value = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._subscribers = 0
        if key is not None and changes is not None:
            changes.listen(key, self.announced)

    def announced(self, position: int) -> None:
        """The read model changed up to `position`: from any thread, handed to the event loop."""
        loop = self._loop
        if loop is None or self._subscribers == 0:
            return  # nobody listens: the first subscriber reads the version anyway
        try:
            loop.call_soon_threadsafe(self._raise_to, position)
        except RuntimeError:  # the loop closed meanwhile (an app shut down)
            return

    async def changes(self, after: int) -> AsyncGenerator[int, None]:
        """Each new version above `after`, as it appears (intermediate ones may be skipped)."""
        self._bind(asyncio.get_running_loop())
        self._subscribers += 1
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._poll())
        seen = after
        try:
            while True:
                while self._value <= seen:
                    changed = self._changed
                    await changed.wait()
                seen = self._value
                yield seen
        finally:
            self._subscribers -= 1

    def _bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Serve the subscribers of this loop (a test's app may be started again on another)."""
        if loop is not self._loop:
            self._loop, self._changed, self._task = loop, asyncio.Event(), None

    def _raise_to(self, value: int) -> None:
        """On the event loop: a version above the last one wakes every subscriber."""
        if value <= self._value:
            return
        self._value = value
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def _poll(self) -> None:
        while self._subscribers > 0:
            try:
                self._raise_to(await anyio.to_thread.run_sync(self._read))
            except Exception:  # the store is away: announcements still come; poll again
                log.warning("a watcher could not read its version", exc_info=True)
            await asyncio.sleep(self._interval)
