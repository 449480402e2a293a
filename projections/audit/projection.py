"""Indexes every event of the log by house, partner, actor, type and Tunis day."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol

from domain.catalog import AGGREGATES, event_classes
from domain.houses.house import House
from domain.partners.partner import Partner
from domain.shared.time import tunis_day
from projections.audit.view import JournalRow, JournalWriter

_NAMES: dict[type, str] = {cls: name for name, cls in event_classes().items()}


def event_name(event: object) -> str:
    """The event's stable name in the catalogue (`House.Registered`), as the journal shows it."""
    return _NAMES.get(type(event), type(event).__qualname__)


def _own(event: object, field: str, kind: type) -> UUID | None:
    """The event's `field`, or its aggregate's id when the aggregate is itself of that kind."""
    value = getattr(event, field, None)
    if isinstance(value, UUID):
        return value
    outer = type(event).__qualname__.split(".")[0]
    return getattr(event, "originator_id", None) if outer == kind.__name__ else None


class AuditIndexProjection:
    """Each event of the log becomes a row: position → aggregate, type, actor, house, partner, day.

    The journal's filters then read an index instead of decoding the whole log page by page.
    """

    name = "audit_index"
    version = 1
    subscribes_to: ClassVar[tuple[type, ...]] = tuple(AGGREGATES)  # every event of the log

    @property
    def key(self) -> str:
        """Tracking key and table suffix."""
        return f"{self.name}_v{self.version}"

    def apply(self, event: DomainEventProtocol[Any], position: int, writer: JournalWriter) -> None:
        """Every event is ours."""
        at: datetime = getattr(event, "timestamp")  # noqa: B009 - every stored event has one
        writer.add(
            JournalRow(
                position=position,
                originator_id=event.originator_id,
                originator_version=event.originator_version,
                topic=event_name(event),
                actor=str(getattr(event, "actor", "")),
                house_id=_own(event, "house_id", House),
                partner_id=_own(event, "partner_id", Partner),
                day=tunis_day(at),
                at=at,
            )
        )
