"""Rows of the deliveries read model and the ports that write and read them.

Tables: each partner's last reported status (with the moment it last changed), the partners
each house works with, the business day of each remittance, and every item due to a partner's
system (a captured payment, a refund paid back, a file sent or sent again) with whether the
partner confirmed it. The delivery process reads the
items still waiting; agents read the statuses.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from uuid import UUID

PAYMENT = "payment"
REFUND = "refund"
FILE = "file"


@dataclass(frozen=True)
class PartnerStatusRow:
    """A partner's system as last reported."""

    partner_id: UUID
    partner_code: str
    reachable: bool
    since: datetime  # when the status last changed (not when it was last repeated)
    reported_at: datetime | None  # None: never reported (reachable is then assumed)
    reported_by: str | None
    note: str | None
    house_id: UUID | None  # the reporting supervisor's house; None: the partner itself
    position: int


@dataclass(frozen=True)
class HousePartnerRow:
    """A house works with a partner (a grant was recorded between them)."""

    house_id: UUID
    partner_id: UUID
    position: int


@dataclass(frozen=True)
class SubjectRow:
    """A payment or a forwarded file that will (or did) go to a partner's system."""

    subject_id: UUID
    kind: str  # PAYMENT or FILE
    partner_code: str
    house_id: UUID
    service_code: str
    amount_millimes: int | None
    sent: int  # deliverable sendings so far (a captured payment: 1; a file: each sending)
    receipt: str | None = None  # a payment's receipt, once captured
    house_code: str | None = None  # a payment's house code (a file's is not in its events)


@dataclass(frozen=True)
class RemittanceDayRow:
    """The business day of a remittance (entries name their remittance by id)."""

    remittance_id: UUID
    business_date: date


@dataclass(frozen=True)
class DeliveryRow:
    """One item due to a partner's system, under its idempotency key."""

    key: str
    kind: str
    subject_id: UUID
    submission: int
    partner_code: str
    house_id: UUID
    service_code: str
    amount_millimes: int | None
    taken_at: datetime
    position: int  # where it became due
    confirmed_position: int | None  # where the partner's confirmation was recorded
    partner_receipt: str | None
    reference: str | None  # a capture's receipt, a refund's `RECEIPT/REFUND_ID`; None: a file
    house_code: str | None  # a capture's or refund's house code, as statements name it
    refund_id: str | None  # a refund's id within its payment
    remittance_date: date | None  # the day of the remittance the capture or refund went into


class DeliveriesWriter(Protocol):
    """Writes the deliveries tables inside the runner's transaction."""

    def status(self, partner_code: str) -> PartnerStatusRow | None:
        """The partner's status as last written."""
        ...

    def put_status(self, row: PartnerStatusRow) -> None:
        """The partner's status now."""
        ...

    def put_house_partner(self, row: HousePartnerRow) -> None:
        """A house works with a partner."""
        ...

    def subject(self, subject_id: UUID) -> SubjectRow | None:
        """A payment or a file known to the read model."""
        ...

    def put_subject(self, row: SubjectRow) -> None:
        """A payment or forwarded file, new or sent once more."""
        ...

    def remittance_day(self, remittance_id: UUID) -> date | None:
        """The business day of a remittance, once opened."""
        ...

    def put_remittance_day(self, row: RemittanceDayRow) -> None:
        """A remittance opened for its business day."""
        ...

    def add_delivery(self, row: DeliveryRow) -> None:
        """An item now due to the partner."""
        ...

    def confirm(self, subject_id: UUID, up_to: int, receipt: str, position: int) -> None:
        """The partner confirmed the subject's sendings up to `up_to` (earlier ones too).

        A payment's or a file's sendings only: a refund is confirmed by its key.
        """
        ...

    def confirm_key(self, key: str, receipt: str, position: int) -> None:
        """The partner confirmed the item of this key."""
        ...


class DeliveriesReader(Protocol):
    """Reads the deliveries tables."""

    def waiting(
        self, *, limit: int, after_position: int = 0, partners: Collection[str] | None = None
    ) -> list[DeliveryRow]:
        """Items not confirmed, in the order they became due, a page at a time (these partners')."""
        ...

    def statuses(self) -> list[PartnerStatusRow]:
        """Every partner's reported status."""
        ...

    def house_partners(self, house_id: UUID) -> list[UUID]:
        """The partners a house works with."""
        ...

    def waiting_counts(self, house_id: UUID | None = None) -> dict[str, int]:
        """Items not confirmed, per partner code (of one house, or of all)."""
        ...

    def delivery(self, key: str) -> DeliveryRow | None:
        """One item by its key."""
        ...

    def version(self) -> int:
        """The log position of the last change to these tables."""
        ...
