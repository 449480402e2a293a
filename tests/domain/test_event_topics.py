"""Event class paths are stored schema: renaming one without an upcaster must fail here."""

from __future__ import annotations

from pathlib import Path

from eventsourcing.utils import get_topic

from domain.catalog import AGGREGATES, event_classes

GOLDEN = Path(__file__).with_name("topics.txt")


def current_topics() -> list[str]:
    aggregates = [get_topic(a) for a in AGGREGATES]
    events = [get_topic(cls) for cls in event_classes().values()]
    return sorted(aggregates + events)


def test_every_stored_topic_still_resolves_to_the_same_name() -> None:
    golden = [line for line in GOLDEN.read_text().splitlines() if line and line[0] != "#"]
    missing = sorted(set(golden) - set(current_topics()))
    assert not missing, f"topics renamed or removed (register_topic them): {missing}"
    added = sorted(set(current_topics()) - set(golden))
    assert not added, f"new topics: add them to {GOLDEN.name}: {added}"
