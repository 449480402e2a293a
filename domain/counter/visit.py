"""A visit: what happened for the citizen behind one ticket, beyond the queue.

Information given and redirections to a partner's own office are recorded as contacts (no file);
requests lodged during the visit are numbered in it, which makes their receipt numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from uuid import UUID

from domain.shared.acts import Act, DarAggregate
from domain.shared.errors import ValidationError


class ContactKind(StrEnum):
    """A contact without a file."""

    INFORMATION = "information"
    REDIRECTION = "redirection"  # sent to the partner's own office


@dataclass(frozen=True)
class Contact:
    """Information given, or a redirection, about a partner and a topic."""

    kind: ContactKind
    partner_code: str
    topic: str


class Visit(DarAggregate):
    """The visit of the citizen holding a ticket."""

    class Opened(DarAggregate.Created):
        house_id: UUID
        day: date
        ticket: str

    class ContactRecorded(DarAggregate.Event):
        kind: str
        partner_code: str
        topic: str

        def apply(self, aggregate: Visit) -> None:
            """One more contact."""
            aggregate.contacts.append(
                Contact(ContactKind(self.kind), self.partner_code, self.topic)
            )

    class RequestNumbered(DarAggregate.Event):
        request_id: UUID
        receipt: str

        def apply(self, aggregate: Visit) -> None:
            """One more request lodged in this visit."""
            aggregate.requests.append(self.request_id)

    def __init__(self, house_id: UUID, day: date, ticket: str) -> None:
        self.house_id = house_id
        self.day = day
        self.ticket = ticket
        self.contacts: list[Contact] = []
        self.requests: list[UUID] = []

    @classmethod
    def open(cls, visit: UUID, house_id: UUID, day: date, ticket: str, act: Act) -> Visit:
        """The visit's record, opened by its first contact or request."""
        return cls._create(
            cls.Opened,
            id=visit,
            timestamp=act.at,
            actor=act.actor,
            command_id=act.command_id,
            house_id=house_id,
            day=day,
            ticket=ticket,
        )

    def record_contact(self, kind: str, partner_code: str, topic: str, act: Act) -> None:
        """Information given, or the citizen redirected, about a partner's topic."""
        try:
            contact = ContactKind(kind)
        except ValueError:
            raise ValidationError("kind", "information or redirection") from None
        if not topic.strip() or len(topic) > 200:
            raise ValidationError("topic", "must be 1 to 200 characters")
        self._record(
            self.ContactRecorded,
            act,
            kind=contact.value,
            partner_code=partner_code,
            topic=topic.strip(),
        )

    def number_request(self, request_id: UUID, house_code: str, act: Act) -> str:
        """The receipt number of a request lodged now in this visit."""
        receipt = f"{house_code.upper()}-{self.day:%Y%m%d}-{self.ticket}-{len(self.requests) + 1}"
        self._record(self.RequestNumbered, act, request_id=request_id, receipt=receipt)
        return receipt
