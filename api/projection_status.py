"""Where each read model stands: its state, its lag, the event it is stopped at, what was skipped.

One report for `/readyz`, `/metrics` and `dar projections status`. Read models that are merely
behind are ready; one stopped at an event it cannot apply makes Dar `degraded` (it still serves
every other read model and every command). `/readyz` is public: it names the projection, the
position, the event's topic and the error's class, never the error's message (the log and
`dar projections status` have it).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from eventsourcing.persistence import Notification

from api.bootstrap import Dar
from infrastructure.readmodels.failures import Failure, Skip, current_failures, recent_skips
from infrastructure.readmodels.rebuild import rebuilding
from projections.errors import StaleError

RECENT_SKIPS = 10


def projection_report(dar: Dar, *, messages: bool = False) -> dict[str, Any]:
    """The state of every read model; with `messages`, the errors' messages (operators only)."""
    head = dar.store.position()
    failures = current_failures(dar.read.db)
    rebuilt = rebuilding(dar.read.db)
    return {
        "status": "degraded" if failures else "ready",
        "position": head,
        "projections": {
            key: _lag(dar, key, head, failures.get(key)) for key in dar.read.tracking_keys()
        },
        "states": {key: _state(key, failures, rebuilt) for key in dar.read.tracking_keys()},
        "failures": [_failure(f, messages=messages) for f in failures.values()],
        "skipped": [_skip(s, messages=messages) for s in recent_skips(dar.read.db, RECENT_SKIPS)],
        "deliveries": deliveries_report(dar),
    }


def deliveries_report(dar: Dar) -> dict[str, object]:
    """What waits for partners' systems: how many items, the oldest's age, partners reported down.

    Read from the deliveries read model, so every process reports the same (the delivery process
    itself runs where the projections run). Nothing before that read model is built.
    """
    try:
        waiting, oldest = dar.read.deliveries.backlog()
        down = sorted(s.partner_code for s in dar.read.deliveries.statuses() if not s.reachable)
    except StaleError:
        return {"waiting": 0, "oldestSeconds": 0.0, "unreachable": []}
    age = 0.0 if oldest is None else max(0.0, (dar.clock.now() - oldest).total_seconds())
    return {"waiting": waiting, "oldestSeconds": round(age, 3), "unreachable": down}


def _state(key: str, failures: dict[str, Failure], rebuilt: dict[str, datetime]) -> str:
    """`rebuilding` while a rebuild runs, `failed` when stopped at an event, else `current`."""
    if key in rebuilt:
        return "rebuilding"
    return "failed" if key in failures else "current"


def _lag(dar: Dar, key: str, head: int, failure: Failure | None = None) -> dict[str, float]:
    """Events not yet applied, and the age of the oldest of them.

    The age comes from the next event's timestamp; an event that cannot even be decoded (the
    very event a projection may be stopped at) gives none: the failure's first sighting stands
    in for it, or no age at all. The report never fails on what it reports.
    """
    tracked = dar.read.db.tracked(key)
    seconds = 0.0
    if tracked < head:
        [first] = dar.store.recorder.select_notifications(
            start=tracked, limit=1, inclusive_of_start=False
        )
        since = _recorded_at(dar, first) or (failure.first_seen if failure else None)
        if since is not None:
            seconds = max(0.0, (dar.clock.now() - since).total_seconds())
    return {"positions": head - tracked, "seconds": round(seconds, 3)}


def _recorded_at(dar: Dar, notification: Notification) -> datetime | None:
    try:
        event = dar.store.mapper.to_domain_event(notification)
    except Exception:  # noqa: BLE001 - any undecodable event: the report must still be made
        return None
    timestamp = getattr(event, "timestamp", None)
    return timestamp if isinstance(timestamp, datetime) else None


def _failure(failure: Failure, *, messages: bool) -> dict[str, object]:
    report: dict[str, object] = {
        "projection": failure.projection,
        "position": failure.position,
        "topic": failure.topic,
        "error": failure.error,
        "attempts": failure.attempts,
        "firstSeen": failure.first_seen.isoformat(),
        "nextRetry": failure.next_retry.isoformat(),
    }
    if messages:
        report["message"] = failure.message
    return report


def _skip(skip: Skip, *, messages: bool) -> dict[str, object]:
    report: dict[str, object] = {
        "projection": skip.projection,
        "position": skip.position,
        "topic": skip.topic,
        "error": skip.error,
        "reason": skip.reason,
        "skippedBy": skip.skipped_by,
        "skippedAt": skip.skipped_at.isoformat(),
    }
    if messages:
        report["message"] = skip.message
    return report
