"""The log itself, for auditors: every event in order, with who did it and why."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.auth import Role
from api.graphql.access import query
from api.graphql.context import DarInfo
from api.graphql.scalars import Position
from domain.catalog import event_classes
from domain.shared.errors import ValidationError

START = Position(0)
_NAMES: dict[type, str] = {cls: name for name, cls in event_classes().items()}


@strawberry.type(description="One recorded event (its fields are not shown here).")
class LoggedEvent:
    position: Position
    type: str
    originator_id: strawberry.ID
    originator_version: int
    recorded_at: datetime
    actor: str
    command_id: str


@strawberry.type
class AuditQueries:
    @query(
        frozenset({Role.ADMIN, Role.AUDITOR}),
        "Events after a position, in log order (auditors, admin).",
    )
    async def events(
        self, info: DarInfo, after_position: Position = START, first: int = 100
    ) -> list[LoggedEvent]:
        limit = info.context.dar.settings.max_page_size
        if not 1 <= first <= limit:
            raise ValidationError("first", f"must be between 1 and {limit}")
        store = info.context.dar.store

        def read() -> list[LoggedEvent]:
            notifications = store.recorder.select_notifications(
                start=after_position, limit=first, inclusive_of_start=False
            )
            logged = []
            for notification in notifications:
                event = store.mapper.to_domain_event(notification)
                logged.append(
                    LoggedEvent(
                        position=Position(notification.id),
                        type=_NAMES.get(type(event), type(event).__qualname__),
                        originator_id=strawberry.ID(str(notification.originator_id)),
                        originator_version=notification.originator_version,
                        recorded_at=getattr(event, "timestamp"),  # noqa: B009
                        actor=str(getattr(event, "actor", "")),
                        command_id=str(getattr(event, "command_id", "")),
                    )
                )
            return logged

        return await info.context.blocking(read)
