"""The log itself, for auditors: events with who did it, why, and their payloads; past states.

Besides the log: any aggregate as it was, and the grants and accreditations in force at a house
at an instant.

Payloads and states are JSON (`JSON` scalar): each event type has its own fields, some nested (a
grant's services, a mandate's scopes with their expiry), which a list of name/value strings could
carry only by encoding them again. Personal data in them is shown only as the role-by-data matrix
and a declared `purpose` admit (`application/audit/disclosure.py`); otherwise a marker
`{"sealed": "<category>"}` stands in its place and the field is named in `withheld`.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from uuid import UUID
from weakref import WeakKeyDictionary

import strawberry
from strawberry.scalars import JSON

from api.auth import Role
from api.graphql.access import query
from api.graphql.caller import parse_id
from api.graphql.context import Context, DarInfo
from api.graphql.privacy import reader_of
from api.graphql.rows import from_row
from api.graphql.scalars import Position
from application.audit.disclosure import Disclosure
from application.audit.history import AuditReads, PastState
from application.audit.history import LoggedEvent as Logged
from application.audit.in_force import in_force
from application.store import EventStore
from domain.catalog import event_classes
from domain.partners.partner import partner_id, validate_partner_code
from domain.shared.errors import NotFoundError, ValidationError
from infrastructure.audit.chain import Checkpoint, Verification, verify
from infrastructure.audit.log import open_stored_log
from infrastructure.settings import Settings
from projections.audit.view import JournalFilter, JournalRow

AUDITORS = frozenset({Role.ADMIN, Role.AUDITOR})
OVERSIGHT = frozenset({Role.ADMIN, Role.AUDITOR, Role.GOVERNANCE})

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


@strawberry.type(description="One event with its payload (personal data as the purpose admits).")
class RecordedEvent:
    position: Position
    aggregate_id: strawberry.ID
    version: int
    type: str = strawberry.field(description="The event's name, `Aggregate.Event`.")
    recorded_at: datetime
    actor: str
    house_id: strawberry.ID | None
    command_id: str
    payload: JSON = strawberry.field(
        description='Its fields; a withheld value reads {"sealed": "<category>"}.'
    )
    withheld: list[str] = strawberry.field(description="Payload fields shown as sealed.")

    @classmethod
    def of(cls, event: Logged) -> RecordedEvent:
        """The GraphQL view of a logged event."""
        return from_row(cls, event, withheld=list(event.withheld))


@strawberry.type(description="A page of events in log order; ask again after `endPosition`.")
class EventPage:
    events: list[RecordedEvent]
    end_position: Position = strawberry.field(
        description="The last position read: the `afterPosition` of the next page."
    )
    has_more: bool


@strawberry.type(description="An aggregate as it was at a version (personal data as admitted).")
class AggregateState:
    aggregate_id: strawberry.ID
    kind: str
    version: int
    modified_at: datetime = strawberry.field(description="When its last event was recorded.")
    fields: JSON
    withheld: list[str]

    @classmethod
    def of(cls, state: PastState) -> AggregateState:
        """The GraphQL view of a past state."""
        return from_row(cls, state, withheld=list(state.withheld))


@strawberry.type(description="A grant in force at the instant asked, as it stood then.")
class GrantInForce:
    grant_id: strawberry.ID
    version: int
    partner_id: strawberry.ID
    services: list[str]
    starts_on: date
    ends_on: date
    may_collect: bool
    ceiling_millimes: int | None


@strawberry.type(description="An agent's accreditation for a partner in force at the instant.")
class AccreditationInForce:
    agent_id: strawberry.ID
    employee_number: str
    partner_id: strawberry.ID
    expires_on: date


@strawberry.type(description="What covered acts at a house at one instant.")
class InForce:
    at: datetime
    grants: list[GrantInForce]
    accreditations: list[AccreditationInForce]


@strawberry.input(description="What the journal is narrowed to; days are Africa/Tunis days.")
class JournalFilterInput:
    house_id: strawberry.ID | None = None
    partner_code: str | None = None
    actor: str | None = None
    type: str | None = strawberry.field(default=None, description="`Aggregate.Event`")
    from_day: date | None = None
    to_day: date | None = None

    def narrowed(self) -> JournalFilter:
        """The read model's filter, each part checked."""
        if self.type is not None and self.type not in _TYPES:
            raise ValidationError("type", "not an event type (`Aggregate.Event`)")
        partner = None
        if self.partner_code is not None:
            partner = partner_id(validate_partner_code(self.partner_code))
        return JournalFilter(
            house_id=parse_id(self.house_id, "houseId") if self.house_id else None,
            partner_id=partner,
            actor=self.actor,
            topic=self.type,
            day_from=self.from_day,
            day_to=self.to_day,
        )


_TYPES = frozenset(event_classes())


def _page_size(context: Context, first: int) -> int:
    limit = context.dar.settings.max_page_size
    if not 1 <= first <= limit:
        raise ValidationError("first", f"must be between 1 and {limit}")
    return first


def _instant(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValidationError("at", "an instant with its offset (e.g. 2026-01-05T10:00:00+01:00)")
    return at


_READS: WeakKeyDictionary[EventStore, AuditReads] = WeakKeyDictionary()


def _reads(context: Context) -> AuditReads:
    """One per store and process: its past states' cache serves every request."""
    store = context.dar.store
    found = _READS.get(store)
    if found is None:
        found = _READS[store] = AuditReads(store)
    return found


def _disclosure(context: Context, purpose: str | None, operation: str) -> Disclosure:
    dar = context.dar
    reader = reader_of(context.authenticate())
    return Disclosure(dar.citizens, dar.vault, reader, purpose, operation)


async def _events(
    context: Context, rows: list[JournalRow], purpose: str | None, operation: str
) -> list[RecordedEvent]:
    reads = _reads(context)

    def read() -> list[Logged]:
        disclosure = _disclosure(context, purpose, operation)
        return reads.events([r.position for r in rows], disclosure)

    return [RecordedEvent.of(e) for e in await context.blocking(read)]


@strawberry.type
class HistoryQueries:
    @query(
        AUDITORS,
        "An aggregate's events in version order, with payloads (auditors, admin). Personal"
        " data is shown only for a declared `purpose` the role admits, and that read is recorded.",
    )
    async def history(  # noqa: PLR0913, PLR0917 - the question's parts
        self,
        info: DarInfo,
        aggregate_id: strawberry.ID,
        after_version: int = 0,
        first: int = 100,
        purpose: str | None = None,
        at_least_position: Position | None = None,
    ) -> EventPage:
        size = _page_size(info.context, first)
        uuid = parse_id(aggregate_id, "aggregateId")
        rows = await info.context.read(
            "audit", at_least_position, lambda r: r.audit.history(uuid, after_version, limit=size)
        )
        events = await _events(info.context, rows, purpose, "history")
        end = rows[-1].position if rows else 0
        return EventPage(events=events, end_position=Position(end), has_more=len(rows) == size)

    @query(
        AUDITORS,
        "The journal after a position, in log order, narrowed by house, partner, actor, type and"
        " Tunis days; payloads as in `history` (auditors, admin).",
    )
    async def journal(  # noqa: PLR0913, PLR0917 - the question's parts
        self,
        info: DarInfo,
        after_position: Position = START,
        first: int = 100,
        filter: JournalFilterInput | None = None,
        purpose: str | None = None,
        at_least_position: Position | None = None,
    ) -> EventPage:
        size = _page_size(info.context, first)
        narrowed = filter.narrowed() if filter else JournalFilter()
        rows = await info.context.read(
            "audit",
            at_least_position,
            lambda r: r.audit.journal(after_position, narrowed, limit=size),
        )
        events = await _events(info.context, rows, purpose, "journal")
        end = rows[-1].position if rows else after_position
        return EventPage(events=events, end_position=Position(end), has_more=len(rows) == size)

    @query(
        AUDITORS,
        "An aggregate as it was at a version, or at an instant (its events recorded by then);"
        " personal data as in `history` (auditors, admin).",
    )
    async def as_of(  # noqa: PLR0913, PLR0917 - the question's parts
        self,
        info: DarInfo,
        aggregate_id: strawberry.ID,
        version: int | None = None,
        at: datetime | None = None,
        purpose: str | None = None,
        at_least_position: Position | None = None,
    ) -> AggregateState:
        uuid = parse_id(aggregate_id, "aggregateId")
        if (version is None) == (at is None):
            raise ValidationError("version", "give a version or an instant (`at`), not both")
        if at is not None:
            moment = _instant(at)
            version = await info.context.read(
                "audit", at_least_position, lambda r: r.audit.version_at(uuid, moment)
            )
        if version is None or version < 1:
            raise NotFoundError("no aggregate under this id at that version or instant")
        wanted, reads = version, _reads(info.context)
        state = await info.context.blocking(
            lambda: reads.as_of(uuid, wanted, _disclosure(info.context, purpose, "asOf"))
        )
        return AggregateState.of(state)

    @query(
        OVERSIGHT,
        "The grants and accreditations in force at a house at an instant, each as it stood then"
        " (auditors, governance, admin).",
    )
    async def in_force(
        self,
        info: DarInfo,
        house_id: strawberry.ID,
        at: datetime,
        at_least_position: Position | None = None,
    ) -> InForce:
        house, moment = parse_id(house_id, "houseId"), _instant(at)

        def created(topic: str) -> list[tuple[UUID, int]]:
            return info.context.dar.read.audit.created_in_house(house, topic, moment)

        grants, agents = await info.context.read(
            "audit",
            at_least_position,
            lambda _: (created("DelegationGrant.Granted"), created("Agent.Enrolled")),
        )
        store = info.context.dar.store
        found = await info.context.blocking(lambda: in_force(store, moment, grants, agents))
        return InForce(
            at=found.at,
            grants=[from_row(GrantInForce, g, services=list(g.services)) for g in found.grants],
            accreditations=[from_row(AccreditationInForce, a) for a in found.accreditations],
        )
