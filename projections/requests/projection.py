"""Projects visits' contacts and requests' lives into the requests read model."""

from __future__ import annotations

from typing import Any, ClassVar

from eventsourcing.domain import DomainEventProtocol

from domain.counter.request import CitizenRequest, RequestStatus
from domain.counter.visit import Visit
from domain.houses.house import House
from domain.shared.time import tunis_day
from projections.kinds import Kinds
from projections.requests.view import ContactRow, RequestRow, RequestsWriter
from projections.rows import changed

CHANGES = Kinds(
    CitizenRequest.Completed,
    CitizenRequest.Forwarded,
    CitizenRequest.Acknowledged,
    CitizenRequest.ReturnedForCorrection,
    CitizenRequest.Resubmitted,
    CitizenRequest.Decided,
    CitizenRequest.Withdrawn,
)
LODGED = RequestStatus.LODGED.value  # an enum member's `.value` is a property lookup


class RequestsProjection:
    """Each request's current status and deadline; each contact; each house's own holidays.

    The holidays make the house's working days as this projection sees them, so a file's lateness
    is counted from this read model alone (v2: holidays added). A file keeps the position at which
    it last went to its partner and when the partner decided it, so the partner's side lists its
    arrivals and its decisions in the order they happened (v3).
    """

    name = "requests"
    version = 3
    # the aggregates whose events it applies: the runner decodes no other event for it
    subscribes_to: ClassVar[tuple[type, ...]] = (Visit, CitizenRequest, House)

    @property
    def key(self) -> str:
        """Tracking key and table suffix."""
        return f"{self.name}_v{self.version}"

    def apply(self, event: DomainEventProtocol[Any], position: int, writer: RequestsWriter) -> None:
        """Visits and requests are ours."""
        match event:
            case Visit.Opened():
                writer.add_visit(event.originator_id, event.house_id)
            case Visit.ContactRecorded():
                writer.add_contact(
                    ContactRow(
                        visit_id=event.originator_id,
                        house_id=writer.visit_house(event.originator_id),
                        kind=event.kind,
                        partner_code=event.partner_code,
                        topic=event.topic,
                        at=event.timestamp,
                        position=position,
                    )
                )
            case House.LocalHolidayAdded():
                writer.add_holiday(event.originator_id, event.day)
            case CitizenRequest.Lodged():
                writer.put(_lodged(event, position))
            case _ if CHANGES.of(event):
                old = writer.get(event.originator_id)
                fields = {**_changes(old, event), **_marks(event, position)}
                writer.put(changed(old, updated_at=event.timestamp, position=position, **fields))
            case _:
                pass


def _lodged(event: CitizenRequest.Lodged, position: int) -> RequestRow:
    return RequestRow(
        request_id=event.originator_id,
        house_id=event.house_id,
        visit_id=event.visit_id,
        citizen_id=event.citizen_id,
        partner_code=event.partner_code,
        service_code=event.service_code,
        mode=event.mode,
        status=LODGED,
        receipt=event.receipt,
        documents=tuple(event.documents),
        lodged_at=event.timestamp,
        due_on=event.due_on,
        partner_reference=None,
        note=None,
        updated_at=event.timestamp,
        lodged_position=position,
        position=position,
    )


def _marks(event: object, position: int) -> dict[str, object]:
    """When a file went to its partner (forwarded or sent again) and when the partner decided it."""
    match event:
        case CitizenRequest.Forwarded() | CitizenRequest.Resubmitted():
            return {"sent_position": position}
        case CitizenRequest.Decided():
            at = event.timestamp
            return {"decided_at": at, "decided_on": tunis_day(at), "decided_position": position}
        case _:
            return {}


def _changes(row: RequestRow, event: Any) -> dict[str, object]:  # noqa: ANN401, PLR0911 - one per event
    """The fields of the request's row that the event changes."""
    match event:
        case CitizenRequest.Completed():
            return {"status": RequestStatus.COMPLETED.value}
        case CitizenRequest.Forwarded():
            return {"status": RequestStatus.SUBMITTED.value}
        case CitizenRequest.Acknowledged():
            return {
                "status": RequestStatus.AT_PARTNER.value,
                "partner_reference": event.partner_reference,
            }
        case CitizenRequest.ReturnedForCorrection():
            return {"status": RequestStatus.RETURNED.value, "note": event.reason}
        case CitizenRequest.Resubmitted():
            documents = tuple(dict.fromkeys((*row.documents, *event.documents)))
            return {"status": RequestStatus.RESUBMITTED.value, "documents": documents}
        case CitizenRequest.Decided():
            return {"status": event.decision, "note": event.reason}
        case _:
            return {"status": RequestStatus.WITHDRAWN.value, "note": event.reason}
