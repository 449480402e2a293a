"""Projects partner events into the partners read model."""

from __future__ import annotations

from typing import Any, ClassVar

from eventsourcing.domain import DomainEventProtocol

from domain.partners.partner import Partner
from projections.partners.view import PartnerRow, PartnersWriter


class PartnersProjection:
    """Registered partners with their current names."""

    name = "partners"
    version = 1
    # the aggregates whose events it applies: the runner decodes no other event for it
    subscribes_to: ClassVar[tuple[type, ...]] = (Partner,)

    @property
    def key(self) -> str:
        """Tracking key and table suffix."""
        return f"{self.name}_v{self.version}"

    def apply(self, event: DomainEventProtocol[Any], position: int, writer: PartnersWriter) -> None:
        """Registration adds a row; renaming updates its names; other events are not ours."""
        match event:
            case Partner.Registered():
                writer.add(
                    PartnerRow(
                        partner_id=event.originator_id,
                        code=event.code,
                        name_ar=event.name_ar,
                        name_fr=event.name_fr,
                        registered_at=event.timestamp,
                        position=position,
                    )
                )
            case Partner.Renamed():
                writer.rename(event.originator_id, event.name_ar, event.name_fr, position)
            case _:
                pass
