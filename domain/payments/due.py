"""What is due — a partner's bill, or the fee of one request — held by one payment at a time.

Two counters (or two houses) cannot take the same bill at once, nor a request's fee be paid twice:
a second payment is refused while the first is pending or captured; a payment that failed or was
cancelled lets it go.
"""

from __future__ import annotations

import re
from uuid import UUID

from domain.shared.acts import Act, DarAggregate
from domain.shared.errors import DarError, ValidationError
from domain.shared.ids import natural_id

_REFERENCE = re.compile(r"^[0-9A-Z-]{4,40}$")


class AlreadyPaidError(DarError):
    """The bill or fee is already paid, or being paid, through Dar."""

    code = "ALREADY_PAID"


def checked_reference(reference: str) -> str:
    """A bill reference as printed on the bill: 4 to 40 digits, capital letters or '-'."""
    text = reference.strip().upper()
    if not _REFERENCE.match(text):
        raise ValidationError("reference", "4 to 40 digits, capital letters or '-'")
    return text


def due_id(subject: str) -> UUID:
    """What is due, by its subject: `bill:STEG/1234…` or `request:<id>`."""
    return natural_id("due", subject)


def bill_subject(partner_code: str, reference: str) -> str:
    """The subject of a partner's bill."""
    return f"bill:{partner_code}/{reference}"


def fee_subject(request_id: UUID) -> str:
    """The subject of a request's fee."""
    return f"request:{request_id}"


class Due(DarAggregate):
    """Which payment, if any, holds a bill or a request's fee."""

    class Opened(DarAggregate.Created):
        subject: str

    class Held(DarAggregate.Event):
        payment_id: UUID

        def apply(self, aggregate: Due) -> None:
            """A payment is taking it."""
            aggregate.holder = self.payment_id

    class Released(DarAggregate.Event):
        payment_id: UUID

        def apply(self, aggregate: Due) -> None:
            """That payment failed or was cancelled: it is free again."""
            aggregate.holder = None

    def __init__(self, subject: str) -> None:
        self.subject = subject
        self.holder: UUID | None = None

    @classmethod
    def open(cls, subject: str, act: Act) -> Due:
        """The record, opened by the first payment of it."""
        return cls._create(
            cls.Opened,
            id=due_id(subject),
            timestamp=act.at,
            actor=act.actor,
            command_id=act.command_id,
            subject=subject,
        )

    def hold(self, payment_id: UUID, act: Act) -> None:
        """Taken by this payment; refused while another holds it."""
        if self.holder is not None:
            raise AlreadyPaidError(f"{self.subject} is already paid or being paid")
        self._record(self.Held, act, payment_id=payment_id)

    def release(self, payment_id: UUID, act: Act) -> None:
        """Let it go when its payment failed or was cancelled."""
        if self.holder == payment_id:
            self._record(self.Released, act, payment_id=payment_id)
