"""The log itself, for auditors: every event in order, with who did it and why."""

from __future__ import annotations

import re
from datetime import datetime

import strawberry

from api.auth import Role
from api.graphql.access import query
from api.graphql.context import DarInfo
from api.graphql.scalars import Position
from domain.catalog import event_classes
from domain.shared.errors import ValidationError
from infrastructure.audit.chain import Checkpoint, Verification, verify
from infrastructure.audit.log import open_stored_log
from infrastructure.settings import Settings

START = Position(0)
_NAMES: dict[type, str] = {cls: name for name, cls in event_classes().items()}
_HASH = re.compile(r"[0-9a-f]{64}")


@strawberry.type(description="One recorded event (its fields are not shown here).")
class LoggedEvent:
    position: Position
    type: str
    originator_id: strawberry.ID
    originator_version: int
    recorded_at: datetime
    actor: str
    command_id: str


@strawberry.input(description="A checkpoint kept outside Dar (`dar audit export-checkpoint`).")
class CheckpointInput:
    position: Position
    hash: str = strawberry.field(description="The chain hash at that position, 64 hex digits.")


@strawberry.type(description="The hash chain checked against the stored events (docs/audit.md).")
class JournalVerification:
    intact: bool = strawberry.field(
        description="Every event gives its chain hash, and the checkpoint agrees."
    )
    events: int = strawberry.field(description="Events verified before the first break.")
    head_position: Position = strawberry.field(description="The last position verified.")
    head_hash: str = strawberry.field(description="The chain hash there (hex).")
    first_broken_position: Position | None = strawberry.field(
        description="Where the log first disagrees with its chain or the checkpoint."
    )
    reason: str | None


def _checkpoint(given: CheckpointInput) -> Checkpoint:
    if given.position < 1:
        raise ValidationError("checkpoint.position", "must be 1 or more")
    if not _HASH.fullmatch(given.hash):
        raise ValidationError("checkpoint.hash", "must be 64 lower-case hex digits")
    return Checkpoint(given.position, bytes.fromhex(given.hash))


def _verified(settings: Settings, checkpoints: list[Checkpoint]) -> JournalVerification:
    with open_stored_log(settings) as log:
        found: Verification = verify(log.walk(), checkpoints)
    return JournalVerification(
        intact=found.intact,
        events=found.events,
        head_position=Position(found.head_position),
        head_hash=found.head_hash.hex(),
        first_broken_position=None if found.broken_at is None else Position(found.broken_at),
        reason=found.reason,
    )


@strawberry.type
class AuditQueries:
    @query(
        frozenset({Role.ADMIN, Role.AUDITOR}),
        "The log checked against its hash chain, and against a checkpoint if given "
        "(auditors, admin; read-only). Names the first broken position.",
    )
    async def verify_journal(
        self, info: DarInfo, checkpoint: CheckpointInput | None = None
    ) -> JournalVerification:
        held = [] if checkpoint is None else [_checkpoint(checkpoint)]
        settings = info.context.dar.settings
        return await info.context.blocking(lambda: _verified(settings, held))

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
