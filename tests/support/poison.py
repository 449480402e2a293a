"""Events that an older or faulty writer could have recorded, appended through the recorder."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from eventsourcing.persistence import StoredEvent

from api.bootstrap import Dar
from domain.partners.partner import Partner, PartnerNames
from domain.shared.acts import Act


def inject(dar: Dar, code: str, change: Callable[[dict[str, Any]], None]) -> int:
    """A partner's registration, its stored state changed, appended by the recorder; its position."""
    act = Act(actor="admin:1", command_id=f"i-{code}", at=datetime(2026, 1, 5, tzinfo=UTC))
    [event] = Partner.register(code, PartnerNames("شريك", code), act).collect_events()
    stored = dar.store.mapper.to_stored_event(event)
    state = json.loads(stored.state)
    change(state)
    [position] = dar.store.recorder.insert_events(
        [
            StoredEvent(
                originator_id=stored.originator_id,
                originator_version=stored.originator_version,
                topic=stored.topic,
                state=json.dumps(state).encode(),  # NUL and surrogates as \\u escapes
            )
        ]
    ) or [0]
    dar.new_events.signal()
    return position
