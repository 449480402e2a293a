"""A clock that tests control."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class TestClock:
    """Starts at a fixed time and moves only when told (or by `step` on each reading)."""

    __test__ = False  # not a pytest test class

    def __init__(self, start: datetime | None = None, step: timedelta | None = None) -> None:
        self._now = start or datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
        self._step = step or timedelta(0)

    def now(self) -> datetime:
        """The current test time; advances by `step` after each reading."""
        current = self._now
        self._now += self._step
        return current

    def advance(self, delta: timedelta) -> None:
        """Move time forward."""
        self._now += delta

    def set(self, moment: datetime) -> None:
        """Jump to a moment."""
        self._now = moment
