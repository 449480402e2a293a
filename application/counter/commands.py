"""Commands of the queue and the visits, and the values of their outcomes.

Each step on a ticket or a request is a command of its own. They were once one command with a
`step` field (`TicketStep`, `RequestStep`): each declares how it was recorded then
(`Command.recorded_as`), so a retry sent across the split is still recognised as a retry.
Values of closed sets (priorities, contact kinds, decisions) are text here, checked by the
domain; the API passes its enums' values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from uuid import UUID

from application.commands import Command


@dataclass(frozen=True)
class IssueTicket(Command):
    """A citizen takes a ticket on a service line (priority: elderly, disabled, pregnant)."""

    house_code: str
    prefix: str
    priority: str | None = None


@dataclass(frozen=True)
class CallNextTicket(Command):
    """The agent at a counter calls the next ticket of these lines (all lines when empty)."""

    house_code: str
    counter: int
    employee_number: str
    prefixes: tuple[str, ...] = ()


def _ticket_step(step: str) -> tuple[str, Mapping[str, object]]:
    return ("TicketStep", {"step": step})


@dataclass(frozen=True)
class TicketCommand(Command):
    """A step on one of today's tickets of the house, known by its label."""

    house_code: str
    label: str


@dataclass(frozen=True)
class RecallTicket(TicketCommand):
    """Announce the called ticket again."""

    recorded_as = _ticket_step("recall")


@dataclass(frozen=True)
class MarkNoShow(TicketCommand):
    """The called citizen did not come."""

    recorded_as = _ticket_step("no_show")


@dataclass(frozen=True)
class ParkTicket(TicketCommand):
    """Set the ticket being served aside."""

    recorded_as = _ticket_step("park")


@dataclass(frozen=True)
class RecycleTicket(TicketCommand):
    """Send a called or no-show ticket to the back of its line."""

    recorded_as = _ticket_step("recycle")


@dataclass(frozen=True)
class RecordWalkAway(TicketCommand):
    """The citizen left before being served."""

    recorded_as = _ticket_step("walk_away")


@dataclass(frozen=True)
class EndVisit(TicketCommand):
    """The service is over."""

    recorded_as = _ticket_step("end_visit")


@dataclass(frozen=True)
class ResumeTicket(Command):
    """Take a parked ticket up again at the agent's counter."""

    house_code: str
    label: str
    counter: int
    employee_number: str


@dataclass(frozen=True)
class TransferTicket(Command):
    """Send a called ticket to another line, or to another counter of its line."""

    house_code: str
    label: str
    to_prefix: str | None = None
    to_counter: int | None = None


@dataclass(frozen=True)
class VisitTicket:
    """The visit, and the ticket a queue command issued or moved."""

    visit_id: UUID
    ticket: str


@dataclass(frozen=True)
class RecordContact(Command):
    """Information given, or the citizen redirected to a partner's own office, during a visit."""

    house_code: str
    label: str
    kind: str
    partner_code: str
    topic: str


@dataclass(frozen=True)
class ContactRecorded:
    """The visit a contact was recorded on."""

    visit_id: UUID


@dataclass(frozen=True)
class LodgeRequest(Command):
    """Lodge a request for a partner's service for the citizen served at the agent's counter."""

    house_code: str
    label: str
    employee_number: str
    citizen_id: UUID
    partner_code: str
    service_code: str
    documents: tuple[str, ...]
    citizen_present: bool = True


@dataclass(frozen=True)
class RequestChanged:
    """The request a command lodged or moved on, and its receipt number."""

    request_id: UUID
    receipt: str

    @property
    def id(self) -> UUID:
        """The object's id."""
        return self.request_id


_REQUEST_STEP = {
    "house_code": None,
    "partner_code": None,
    "reason": "",
    "partner_reference": "",
    "decision": "",
    "documents": (),
}


def _request_step(step: str) -> tuple[str, Mapping[str, object]]:
    return ("RequestStep", {**_REQUEST_STEP, "step": step})


@dataclass(frozen=True)
class HouseRequestCommand(Command):
    """A step the house takes on one of its requests (its staff, for the citizen)."""

    request_id: UUID
    house_code: str


@dataclass(frozen=True)
class CompleteRequest(HouseRequestCommand):
    """An immediate service is done at the counter."""

    recorded_as = _request_step("complete")


@dataclass(frozen=True)
class ForwardRequest(HouseRequestCommand):
    """Send a forwarded service's file to the partner."""

    recorded_as = _request_step("forward")


@dataclass(frozen=True)
class ResubmitRequest(HouseRequestCommand):
    """Send the corrected file again, with any documents added."""

    documents: tuple[str, ...] = ()
    recorded_as = _request_step("resubmit")


@dataclass(frozen=True)
class WithdrawRequest(HouseRequestCommand):
    """The citizen gives the request up, before any decision."""

    reason: str
    recorded_as = _request_step("withdraw")


@dataclass(frozen=True)
class PartnerRequestCommand(Command):
    """A partner's step on a file it was sent: by the partner, or recorded by the house's staff.

    `partner_code` is the partner's own user acting; `house_code` the house's supervisor
    recording an answer the partner gave on paper. One of them names who acts.
    """

    request_id: UUID
    house_code: str | None
    partner_code: str | None


@dataclass(frozen=True)
class AcknowledgeRequest(PartnerRequestCommand):
    """The partner received the file, under its reference."""

    partner_reference: str
    recorded_as = _request_step("acknowledge")


@dataclass(frozen=True)
class ReturnForCorrection(PartnerRequestCommand):
    """The partner sends the file back to be corrected."""

    reason: str
    recorded_as = _request_step("return_for_correction")


@dataclass(frozen=True)
class RecordPartnerDecision(PartnerRequestCommand):
    """The partner's decision on the file: accepted, refused or closed."""

    decision: str
    reason: str
    recorded_as = _request_step("decide")
