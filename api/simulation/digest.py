"""The log digest: one SHA-256 over every event of the log, in log order.

Each event contributes its topic, its aggregate's id, its version and its state (the decoded
fields, as sorted JSON). Positions are left out: PostgreSQL's are not gapless, so the same history
may sit at other positions. Sealed personal data is left out as well: each value is sealed under
a fresh nonce (and each citizen under a fresh key), which must never repeat, so the digest counts
a sealed value as the word `sealed`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from application.store import EventStore

PAGE = 1_000
SEALED = "sealed:"


@dataclass(frozen=True)
class LogDigest:
    """The digest of a log and the number of events it covers."""

    events: int
    sha256: str


def _canonical(value: object) -> Any:  # noqa: ANN401 - JSON of any shape
    if isinstance(value, str):
        return "sealed" if value.startswith(SEALED) else value
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple | frozenset | set):
        items = [_canonical(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, frozenset | set) else items
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)


def log_digest(store: EventStore) -> LogDigest:
    """The digest of the whole log of `store`."""
    digest, count, start = hashlib.sha256(), 0, None
    recorder, mapper = store.recorder, store.mapper
    while True:
        page = recorder.select_notifications(
            start=start, limit=PAGE, inclusive_of_start=start is None
        )
        for notification in page:
            event = mapper.to_domain_event(notification)
            state = {k: v for k, v in vars(event).items() if k != "originator_topic"}
            line = json.dumps(
                [
                    notification.topic,
                    str(notification.originator_id),
                    notification.originator_version,
                    _canonical(state),
                ],
                sort_keys=True,
                ensure_ascii=False,
            )
            digest.update(line.encode())
            digest.update(b"\n")
            count += 1
        if len(page) < PAGE:
            return LogDigest(count, digest.hexdigest())
        start = page[-1].id
