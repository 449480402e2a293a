"""What the delivery process needs from outside: the partners' systems and its work list."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol
from uuid import UUID


class ItemKind(StrEnum):
    """What is delivered."""

    PAYMENT = "payment"  # a payment captured for the partner
    REFUND = "refund"  # a refund of such a payment, paid back to the citizen
    FILE = "file"  # a forwarded file, sent (or sent again) to the partner


@dataclass(frozen=True)
class Deliverable:
    """One item due to a partner's system, under the idempotency key the partner dedupes by."""

    key: str
    kind: ItemKind
    subject_id: UUID  # the payment (of a capture or a refund), or the request whose file it is
    submission: int  # 1 for a payment or a refund; the file's sending number
    partner_code: str
    house_id: UUID
    service_code: str
    amount_millimes: int | None
    taken_at: datetime
    position: int  # where it became due in the log
    # a capture's receipt, a refund's `RECEIPT/REFUND_ID` (as in remittances); None for a file
    reference: str | None = None
    house_code: str | None = None  # a capture's or refund's house, as statements name it
    refund_id: str | None = None  # a refund's id within its payment
    remittance_date: date | None = None  # the business day of the remittance it was entered into


class PartnerUnreachableError(Exception):
    """The partner's system did not answer, or answered with an error: the item waits."""


class PartnerPort(Protocol):
    """A partner's system, reached by Dar."""

    def partners(self) -> frozenset[str]:
        """The codes of the partners this port can reach (the others' items are not sent)."""
        ...

    def deliver(self, item: Deliverable) -> str:
        """Hand the item over; the partner's receipt for it.

        The partner answers a key it has seen with the receipt it gave the first time. Raises
        `PartnerUnreachableError` when there is no answer or no receipt.
        """
        ...


class Worklist(Protocol):
    """The items waiting and the partners reported down (the deliveries read model)."""

    def waiting(
        self, *, limit: int, partners: Collection[str], after_position: int = 0
    ) -> list[Deliverable]:
        """Items of these partners not confirmed yet, in the order they became due."""
        ...

    def unreachable(self) -> frozenset[str]:
        """Codes of the partners reported unreachable."""
        ...

    def position(self) -> int:
        """The log position the work list reflects (its projection's tracking position)."""
        ...
