"""Pausing the cycle collector while a pass allocates many short-lived objects and no cycle."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def no_cycle_collection() -> Iterator[None]:
    """Pause the cycle collector for the block (the process's setting, restored after).

    A projection's page or a statistics report allocates hundreds of thousands of short-lived
    objects (rows, events, figures) and none in a reference cycle; the collector would run every
    700 of them and, each time it reaches the oldest generation, walk every object the process
    holds: a third of a rebuild's time, and a report's slowest answers. Reference counting still
    frees everything. Another thread's block may overlap: the collector is restored by the block
    that paused it, so it never stays paused after the last block.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
