"""The scenarios shipped with Dar: recorded weeks that `dar run --demo --scenario NAME` loads.

A scenario is a fixture (docs/fixtures.md) that continues the demo house: it is loaded after
the demo's commands, and only into a store that was empty when `dar run` started, so that it
never mixes with a history of its own. Its day 1 is placed so that its last day is today (or
yesterday, early in the morning, before its last event's time): no event is in the future.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

from infrastructure.fixtures.loader import TUNIS, read_fixture

SCENARIOS = Path(__file__).resolve().parent.parent / "infrastructure" / "reference" / "scenarios"


def scenario_names() -> list[str]:
    """The scenarios shipped with Dar."""
    return sorted(path.stem for path in SCENARIOS.glob("*.yaml"))


def scenario_path(name: str) -> Path:
    """The file of a shipped scenario; LookupError naming the known ones."""
    path = SCENARIOS / f"{name}.yaml"
    if not path.is_file():
        msg = f"no scenario {name!r}; shipped: {', '.join(scenario_names())}"
        raise LookupError(msg)
    return path


def scenario_epoch(path: Path, now: datetime) -> date:
    """Day 1 such that the scenario's last day is today, its last event not after `now`."""
    fixture = read_fixture(path)
    moments = [event.at for event in fixture.events if event.at is not None]
    if not moments:
        return now.astimezone(TUNIS).date()
    last = max(moments)
    span = (last.astimezone(TUNIS).date() - fixture.epoch).days
    epoch = now.astimezone(TUNIS).date() - timedelta(days=span)
    if last + (epoch - fixture.epoch) > now:
        epoch -= timedelta(days=1)
    return epoch
