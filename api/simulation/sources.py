"""The simulator's clock and id source: both follow the schedule, never the machine.

Each command runs at the moment the schedule gives it and draws its new ids from its own key, so
a command run again after an interruption makes the very events the first run would have made.
Only the simulator uses them; the product's clock and ids stay the system's.
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import NAMESPACE_URL, UUID, uuid5


class ScheduledClock:
    """The time of the command being run, as the simulator set it."""

    def __init__(self, moment: datetime) -> None:
        self._now = moment.astimezone(UTC)

    def set(self, moment: datetime) -> None:
        """The next command acts at `moment`."""
        self._now = moment.astimezone(UTC)

    def now(self) -> datetime:
        """The moment set for the running command."""
        return self._now


class SeededIds:
    """New ids derived from the seed, the running command's key and a count within it."""

    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._key = ""
        self._drawn = 0

    def begin(self, command_key: str) -> None:
        """The ids drawn from now on belong to this command."""
        self._key, self._drawn = command_key, 0

    def __call__(self) -> UUID:
        """The next id of the running command."""
        self._drawn += 1
        return uuid5(NAMESPACE_URL, f"urn:dar-simulation:{self._seed}:{self._key}:{self._drawn}")
