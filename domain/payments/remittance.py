"""A partner's remittance from a house for one business day: what the house owes the partner.

Every capture and every refund paid back is entered, in the same save as the payment's own event,
into the remittance of its partner at its house for the Tunis day it is recorded on. Closing the
remittance fixes the day's captured less refunded, in millimes; from then on it takes no entry. A
capture or refund recorded on a day whose remittance is closed already is entered in the next
day's remittance (which cannot be closed yet: no day is closed before it starts), and is marked
there as carried in. Each entry is thus in exactly one remittance: never lost, never twice.

The stream lives as long as its day: one opening, one entry per capture or refund of the partner
at the house that day, one closing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from uuid import UUID

from domain.shared.acts import Act, DarAggregate
from domain.shared.errors import DarError, InvalidTransitionError
from domain.shared.ids import natural_id
from domain.shared.money import Money


def remittance_id(house_code: str, partner_code: str, day: date) -> UUID:
    """The remittance of a partner from a house (by codes) for a business day."""
    return natural_id("remittance", house_code, partner_code, day.isoformat())


class EntryKind(StrEnum):
    """Money in (a capture) or money out (a refund paid back)."""

    CAPTURE = "capture"
    REFUND = "refund"


class RemittanceClosedError(InvalidTransitionError):
    """The remittance is closed: its amount is fixed and it takes no more entries."""

    code = "REMITTANCE_CLOSED"


class RemittanceDayAheadError(DarError):
    """A business day is closed once it has started, never ahead of time."""

    code = "REMITTANCE_DAY_AHEAD"


@dataclass(frozen=True)
class Entry:
    """One capture or refund in a remittance; `reference` is the receipt (and `/R1` of a refund)."""

    payment_id: UUID
    reference: str
    kind: EntryKind
    method: str
    amount: Money
    recorded_on: date

    @property
    def signed(self) -> Money:
        """What it adds to the remittance: a capture adds, a refund takes away."""
        return self.amount if self.kind is EntryKind.CAPTURE else -self.amount


def refund_reference(receipt: str, refund_id: str) -> str:
    """A refund's reference: its payment's receipt and its number, `HAIDRA-2026-P000001/R1`."""
    return f"{receipt}/{refund_id}"


class Remittance(DarAggregate):
    """One partner's takings at one house on one business day, open until closed."""

    class Opened(DarAggregate.Created):
        house_id: UUID
        house_code: str
        partner_code: str
        business_date: date

    class Entered(DarAggregate.Event):
        payment_id: UUID
        reference: str
        kind: str
        method: str
        amount_millimes: int
        recorded_on: date

        def apply(self, aggregate: Remittance) -> None:
            """A capture or refund counted in this remittance (its totals only: see `entry`)."""
            if self.kind == EntryKind.CAPTURE.value:
                aggregate.captured += Money(self.amount_millimes)
            else:
                aggregate.refunded += Money(self.amount_millimes)
            aggregate.entries += 1
            aggregate.carried_in += int(self.recorded_on < aggregate.business_date)

        @property
        def entry(self) -> Entry:
            """The entry this event recorded."""
            return Entry(
                self.payment_id,
                self.reference,
                EntryKind(self.kind),
                self.method,
                Money(self.amount_millimes),
                self.recorded_on,
            )

    class Closed(DarAggregate.Event):
        captured_millimes: int
        refunded_millimes: int
        entries: int

        def apply(self, aggregate: Remittance) -> None:
            """The amount is fixed: captured less refunded."""
            aggregate.closed = True

    def __init__(
        self, house_id: UUID, house_code: str, partner_code: str, business_date: date
    ) -> None:
        self.house_id = house_id
        self.house_code = house_code
        self.partner_code = partner_code
        self.business_date = business_date
        # totals only, so that a payment's load stays small however busy the day; the entries
        # themselves are read from the events when someone asks (`Remittance.Entered.entry`)
        self.captured = Money.zero()
        self.refunded = Money.zero()
        self.entries = 0
        self.carried_in = 0
        self.closed = False

    @classmethod
    def open(
        cls, house_id: UUID, house_code: str, partner_code: str, day: date, act: Act
    ) -> Remittance:
        """The day's remittance of a partner from a house, with nothing in it yet."""
        return cls._create(
            cls.Opened,
            id=remittance_id(house_code, partner_code, day),
            timestamp=act.at,
            actor=act.actor,
            command_id=act.command_id,
            house_id=house_id,
            house_code=house_code,
            partner_code=partner_code,
            business_date=day,
        )

    @property
    def next_day(self) -> date:
        """The business day whose remittance takes what arrives once this one is closed."""
        return self.business_date + timedelta(days=1)

    @property
    def net(self) -> Money:
        """Captured less refunded: what the house remits to the partner."""
        return self.captured - self.refunded

    def enter(self, entry: Entry, act: Act) -> None:
        """Count a capture or a refund in this remittance (only while it is open)."""
        if self.closed:
            raise RemittanceClosedError("this remittance is closed")
        self._record(
            self.Entered,
            act,
            payment_id=entry.payment_id,
            reference=entry.reference,
            kind=entry.kind.value,
            method=entry.method,
            amount_millimes=entry.amount.millimes,
            recorded_on=entry.recorded_on,
        )

    def close(self, today: date, act: Act) -> None:
        """Fix the remittance: once its day has started, and only once."""
        if self.business_date > today:
            raise RemittanceDayAheadError(f"{self.business_date} has not started yet")
        if self.closed:
            raise RemittanceClosedError(f"the remittance of {self.business_date} is closed")
        self._record(
            self.Closed,
            act,
            captured_millimes=self.captured.millimes,
            refunded_millimes=self.refunded.millimes,
            entries=self.entries,
        )
