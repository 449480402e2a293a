"""The log read for a report made from it alone: chosen event types, in order, a page at a time."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from application.store import EventStore

PAGE = 1_000


def logged(
    store: EventStore, topics: Sequence[str], up_to: int | None = None
) -> Iterator[tuple[int, object]]:
    """Each event of these topics, with its position, in log order, up to `up_to` (included)."""
    recorder, mapper = store.recorder, store.mapper
    start: int | None = None
    while True:
        found = recorder.select_notifications(
            start=start,
            limit=PAGE,
            stop=up_to,
            topics=topics,
            inclusive_of_start=start is None,
        )
        for notification in found:
            yield notification.id, mapper.to_domain_event(notification)
        if len(found) < PAGE:
            return
        start = found[-1].id
