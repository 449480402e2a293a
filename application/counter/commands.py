"""Commands of the queue and the visits."""

from __future__ import annotations

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


@dataclass(frozen=True)
class TicketStep(Command):
    """A step on one of today's tickets: recall, no-show, park, recycle, walk away, end."""

    house_code: str
    label: str
    step: str


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
class RecordContact(Command):
    """Information given, or the citizen redirected to a partner's own office, during a visit."""

    house_code: str
    label: str
    kind: str
    partner_code: str
    topic: str


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
class RequestStep(Command):
    """A step on a request by house staff (house_code) or by its partner (partner_code)."""

    request_id: UUID
    step: str
    house_code: str | None = None
    partner_code: str | None = None
    reason: str = ""
    partner_reference: str = ""
    decision: str = ""
    documents: tuple[str, ...] = ()
