"""Read-your-writes: a query may ask to see the log at least up to a position it was given.

A read model that is stopped at an event it cannot apply will not get there by waiting: the query
answers PROJECTION_FAILED at once, naming it, instead of STALE after the wait.
"""

from __future__ import annotations

import time

import anyio

from api.bootstrap import Dar
from domain.shared.errors import ValidationError
from infrastructure.readmodels.failures import current_failures
from projections.errors import ProjectionFailedError, StaleError

POLL_SECONDS = 0.02


async def wait_for_position(dar: Dar, keys: list[str], at_least: int | None) -> None:
    """Return once every read model in `keys` has applied `at_least`; else StaleError."""
    if at_least is None or at_least <= 0:
        return
    head = await anyio.to_thread.run_sync(dar.store.position)
    if at_least > head:
        msg = f"the log ends at position {head}: {at_least} was never given out"
        raise ValidationError("atLeastPosition", msg)
    deadline = time.monotonic() + dar.settings.freshness_wait_seconds
    while True:
        reached = await anyio.to_thread.run_sync(lambda: min(dar.read.db.tracked(k) for k in keys))
        if reached >= at_least:
            return
        await anyio.to_thread.run_sync(lambda: _refuse_if_failed(dar, keys, at_least))
        if time.monotonic() >= deadline:
            msg = f"read models are at position {reached}, not yet at {at_least}; retry shortly"
            raise StaleError(msg)
        await anyio.sleep(POLL_SECONDS)


def _refuse_if_failed(dar: Dar, keys: list[str], at_least: int) -> None:
    """PROJECTION_FAILED if a read model in `keys` is stopped at an event up to `at_least`."""
    failures = current_failures(dar.read.db)
    for key in keys:
        failure = failures.get(key)
        if failure is not None and failure.position <= at_least:
            raise ProjectionFailedError(key, failure.position, failure.error)
