"""The log as auditors read it: events with their payloads, and any aggregate as it was.

Nothing here writes, except the record of a read of personal data made for a declared purpose.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Protocol
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Notification
from eventsourcing.utils import get_topic

from application.audit.past import PastStates
from application.store import EventStore
from domain.catalog import event_classes
from domain.citizens.citizen import Citizen
from domain.citizens.mandate import Mandate
from domain.shared.errors import NotFoundError

_NAMES: dict[type, str] = {cls: name for name, cls in event_classes().items()}
_KNOWN_MANDATES = 10_000
# shown beside the payload, not in it
_ENVELOPE = frozenset({"originator_id", "originator_version", "timestamp", "actor", "command_id"})


@dataclass(frozen=True)
class LoggedEvent:
    """One event at its position, with its payload as the reader may see it."""

    position: int
    aggregate_id: UUID
    version: int
    type: str
    recorded_at: datetime
    actor: str
    house_id: UUID | None
    command_id: str
    payload: dict[str, object]
    withheld: tuple[str, ...]


@dataclass(frozen=True)
class PastState:
    """An aggregate as it was at a version: its fields as the reader may see them."""

    aggregate_id: UUID
    kind: str
    version: int
    modified_at: datetime
    fields: dict[str, object]
    withheld: tuple[str, ...]


def camel(name: str) -> str:
    """`document_number` → `documentNumber`, as GraphQL names fields."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def jsonable(value: object) -> object:  # noqa: PLR0911 - one case per kind of value
    """The value as JSON carries it: ids, times, days and amounts as text, sets sorted."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, UUID | Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return jsonable(value.value)
    if isinstance(value, frozenset | set):
        return sorted((jsonable(v) for v in value), key=str)
    if isinstance(value, tuple | list):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(jsonable(k)): jsonable(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {camel(f.name): jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return fields_of(value) if hasattr(value, "__dict__") else str(value)


def fields_of(value: object, skip: frozenset[str] = frozenset()) -> dict[str, object]:
    """An object's public attributes, camelCased, as JSON can carry them."""
    return {
        camel(k): jsonable(v)
        for k, v in vars(value).items()
        if not k.startswith("_") and k not in skip
    }


class Discloses(Protocol):
    """What an audit read shows of personal data (`application.audit.disclosure.Disclosure`)."""

    def particulars(self, citizen_id: UUID, values: dict[str, object]) -> list[str]:
        """A citizen's particulars replaced as admitted; the fields withheld."""
        ...

    def scopes(self, citizen_id: UUID, values: dict[str, object]) -> list[str]:
        """A mandate's scopes replaced as admitted; the fields withheld."""
        ...

    def record(self) -> None:
        """Record the read, if it named a purpose."""
        ...


class AuditReads:
    """Reads events and past states for auditors, over the one event store."""

    def __init__(self, store: EventStore, keep_every: int = 20) -> None:
        self._store = store
        self._past = PastStates(store, every=keep_every)
        self._mandates: dict[UUID, UUID | None] = {}

    def events(self, positions: Sequence[int], disclosure: Discloses) -> list[LoggedEvent]:
        """The events at these positions (in log order), then the read recorded if purposeful."""
        logged = [self._logged(n, disclosure) for n in self._notifications(positions)]
        disclosure.record()
        return logged

    def as_of(self, aggregate_id: UUID, version: int, disclosure: Discloses) -> PastState:
        """The aggregate at `version` (`PastStates`), as the disclosure lets it be seen."""
        try:
            aggregate: Aggregate = self._past.get(aggregate_id, version)
        except AggregateNotFoundError as error:
            msg = f"no aggregate under this id at version {version}"
            raise NotFoundError(msg) from error
        if aggregate.version != version:  # asked past its last event
            msg = f"this aggregate has no version {version} (its last is {aggregate.version})"
            raise NotFoundError(msg)
        values = fields_of(aggregate)
        if isinstance(aggregate, Mandate):
            values["scopes"] = [
                {"scope": s, "expiresAt": jsonable(t)} for s, t in sorted(aggregate.scopes.items())
            ]
        withheld = self._disclosed(type(aggregate), aggregate_id, values, disclosure)
        disclosure.record()
        return PastState(
            aggregate_id=aggregate_id,
            kind=get_topic(type(aggregate)).rpartition(":")[2],
            version=aggregate.version,
            modified_at=aggregate.modified_on,
            fields=values,
            withheld=tuple(withheld),
        )

    def _notifications(self, positions: Sequence[int]) -> list[Notification]:
        """One range read when the positions are dense, else one read per position."""
        if not positions:
            return []
        first, last = positions[0], positions[-1]
        recorder = self._store.recorder
        if last - first + 1 <= 2 * len(positions):
            wanted = set(positions)
            found = recorder.select_notifications(start=first, stop=last, limit=last - first + 1)
            return [n for n in found if n.id in wanted]
        return [n for p in positions for n in recorder.select_notifications(start=p, limit=1)]

    def _logged(self, notification: Notification, disclosure: Discloses) -> LoggedEvent:
        event = self._store.mapper.to_domain_event(notification)
        payload = fields_of(event, _ENVELOPE)
        kind = _aggregate_kind(type(event))
        originator = UUID(str(notification.originator_id))
        withheld = self._disclosed(kind, originator, payload, disclosure)
        house = getattr(event, "house_id", None)
        return LoggedEvent(
            position=notification.id,
            aggregate_id=originator,
            version=notification.originator_version,
            type=_NAMES.get(type(event), type(event).__qualname__),
            recorded_at=getattr(event, "timestamp"),  # noqa: B009 - every stored event has one
            actor=str(getattr(event, "actor", "")),
            house_id=house if isinstance(house, UUID) else None,
            command_id=str(getattr(event, "command_id", "")),
            payload=payload,
            withheld=tuple(withheld),
        )

    def _disclosed(
        self,
        kind: type | None,
        aggregate_id: UUID,
        values: dict[str, object],
        disclosure: Discloses,
    ) -> list[str]:
        """Personal data in `values` replaced as the disclosure decides."""
        if kind is Citizen:
            return disclosure.particulars(aggregate_id, values)
        if kind is Mandate:
            citizen = self._citizen_of_mandate(aggregate_id)
            return disclosure.scopes(citizen, values) if citizen else []
        return []

    def _citizen_of_mandate(self, mandate: UUID) -> UUID | None:
        if len(self._mandates) > _KNOWN_MANDATES:  # a cache: a mandate's citizen never changes
            self._mandates.clear()
        if mandate not in self._mandates:
            found = self._store.find(mandate, Mandate)
            self._mandates[mandate] = found.citizen_id if found else None
        return self._mandates[mandate]


def _aggregate_kind(event_class: type) -> type | None:
    """The aggregate class an event class is nested in (Citizen, Mandate, …)."""
    for kind in (Citizen, Mandate):
        if event_class.__qualname__.startswith(kind.__name__ + "."):
            return kind
    return None
