"""Loading an event fixture into a store before a server opens it.

What `dar fixtures load FILE` does from the command line; until it exists the tests load through
the fixture loader here, behind this one function, so that swapping it for the command changes
no test.
"""

from __future__ import annotations

from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from api.bootstrap import bootstrap
from infrastructure.fixtures.binding import Symbols, materialise
from infrastructure.fixtures.loader import load_fixture
from infrastructure.settings import Settings


def load_fixture_file(settings: Settings, path: Path) -> int:
    """Append the fixture's events, as recorded, to the store of `settings`; the last position.

    The store holds none of the fixture's aggregates yet (each one's versions start at 1); free
    symbols get the ids `Symbols()` gives them.
    """
    events = materialise(load_fixture(path), Symbols(), {}, datetime.now(UTC))
    with closing(bootstrap(settings, projector=False)) as dar:
        dar.store.save(*events)
        return dar.store.position()
