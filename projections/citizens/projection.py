"""Projects recorded reads of personal data into the access log."""

from __future__ import annotations

from typing import Any, ClassVar

from eventsourcing.domain import DomainEventProtocol

from domain.citizens.access import PersonalDataAccess
from projections.citizens.view import AccessLogWriter, AccessRow


class AccessLogProjection:
    """Each `PersonalDataAccess.Recorded` becomes a row."""

    name = "access_log"
    version = 1
    # the aggregates whose events it applies: the runner decodes no other event for it
    subscribes_to: ClassVar[tuple[type, ...]] = (PersonalDataAccess,)

    @property
    def key(self) -> str:
        """Tracking key and table suffix."""
        return f"{self.name}_v{self.version}"

    def apply(
        self, event: DomainEventProtocol[Any], position: int, writer: AccessLogWriter
    ) -> None:
        """Only recorded reads are ours."""
        match event:
            case PersonalDataAccess.Recorded():
                writer.add(
                    AccessRow(
                        access_id=event.originator_id,
                        citizen_id=event.citizen_id,
                        actor=event.actor,
                        at=event.timestamp,
                        purpose=event.purpose,
                        operation=event.operation,
                        fields=tuple(event.fields),
                        house_id=event.house_id,
                        position=position,
                    )
                )
            case _:
                pass
