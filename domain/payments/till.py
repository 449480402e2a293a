"""An agent's till: the cash drawer of one shift, from its float to its count.

A till is opened by an agent at a house with a float, and lives for that agent's shift: every
cash payment the agent takes and every cash refund paid back from the agent's drawer is recorded
against it, in the same save as the payment's own event, so the till always knows what it
should hold (expected cash = float + cash in - cash out) without any read model. The agent (or
the house's supervisor) closes it with the cash counted by denomination; a difference from the
expected cash is a discrepancy, recorded with its reason and reviewed by a supervisor who is not
the person who closed it (four eyes, as refunds).

Which till is open is the `TillRegister`'s to say: one per agent, house and business day, it
names the shifts opened that day and the one still open. An agent holds at most one open till a
day; a till left open past midnight stays open (its cash is counted when it is closed), and the
next day's cash goes to a new till.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from uuid import UUID

from domain.shared.acts import Act, DarAggregate
from domain.shared.errors import DarError, InvalidTransitionError, ValidationError
from domain.shared.ids import natural_id
from domain.shared.money import MAX_MILLIMES, Money

MAX_REASON = 500
MAX_PIECES = 1_000_000  # of one denomination in one drawer: far above any real count

# Tunisian notes and coins, in millimes (5 TND is both a note and a coin: one denomination).
# Data, not rules: a new note is one more entry. (To confirm: the 1 and 2 millime coins are
# rarely seen; they are kept so that a drawer holding any bill amount can be counted exactly.)
NOTES = (50_000, 20_000, 10_000, 5_000)
COINS = (5_000, 2_000, 1_000, 500, 200, 100, 50, 20, 10, 5, 2, 1)
DENOMINATIONS = tuple(sorted({*NOTES, *COINS}, reverse=True))


class TillStatus(StrEnum):
    """Where a till stands."""

    OPEN = "open"
    CLOSED = "closed"  # counted; balanced, or with a discrepancy waiting for review
    REVIEWED = "reviewed"  # closed with a discrepancy, reviewed by a supervisor


class NoOpenTillError(DarError):
    """Cash is taken or paid back only against the agent's open till: open one first."""

    code = "NO_OPEN_TILL"


class TillAlreadyOpenError(DarError):
    """The agent has a till open today already: close it before opening another."""

    code = "TILL_ALREADY_OPEN"


class TillStateError(InvalidTransitionError):
    """The till is not in a state that allows this step."""


class NotEnoughCashError(DarError):
    """The till does not hold the cash this refund would pay out."""

    code = "NOT_ENOUGH_CASH"


class DiscrepancyUnexplainedError(DarError):
    """A till whose count differs from the expected cash is closed only with a reason."""

    code = "DISCREPANCY_UNEXPLAINED"


class SameReviewerError(DarError):
    """A discrepancy is reviewed by a supervisor other than the person who closed the till."""

    code = "SAME_REVIEWER"


def till_register_id(house_code: str, employee_number: str, day: date) -> UUID:
    """The register of an agent's tills at a house on a business day."""
    return natural_id("till-register", house_code, employee_number, day.isoformat())


def till_id(house_code: str, employee_number: str, day: date, shift: int) -> UUID:
    """The till of an agent's `shift`-th shift (from 1) of a business day at a house."""
    return natural_id("till", house_code, employee_number, day.isoformat(), str(shift))


@dataclass(frozen=True)
class Count:
    """Cash counted in a drawer: how many pieces of each denomination (millimes → pieces)."""

    pieces: Mapping[int, int]

    @classmethod
    def of(cls, pieces: Mapping[int, int]) -> Count:
        """A count of known denominations, each a whole number of pieces (zeros dropped)."""
        for denomination, number in pieces.items():
            if denomination not in DENOMINATIONS:
                shown = ", ".join(str(Money(d)) for d in DENOMINATIONS)
                raise ValidationError("count", f"{Money(denomination)} TND is not one of {shown}")
            if not 0 <= number <= MAX_PIECES:
                raise ValidationError("count", f"0 to {MAX_PIECES} pieces of a denomination")
        kept = {d: n for d, n in sorted(pieces.items(), reverse=True) if n}
        return cls(kept)

    @classmethod
    def exactly(cls, amount: Money) -> Count:
        """The fewest pieces worth `amount` (a count that balances a till expecting it)."""
        left, pieces = amount.millimes, {}
        for denomination in DENOMINATIONS:
            pieces[denomination], left = divmod(left, denomination)
        return cls.of(pieces)

    @property
    def total(self) -> Money:
        """What the pieces are worth."""
        return Money(sum(d * n for d, n in self.pieces.items()))


class TillRegister(DarAggregate):
    """Which tills an agent opened at a house on a business day, and which is open."""

    class Opened(DarAggregate.Created):
        house_code: str
        employee_number: str
        business_date: date

    class ShiftOpened(DarAggregate.Event):
        till_id: UUID
        shift: int

        def apply(self, aggregate: TillRegister) -> None:
            """A till opened for the agent's next shift."""
            aggregate.shifts = self.shift
            aggregate.open_till = self.till_id

    class ShiftClosed(DarAggregate.Event):
        till_id: UUID

        def apply(self, aggregate: TillRegister) -> None:
            """The shift's till is closed."""
            aggregate.open_till = None

    def __init__(self, house_code: str, employee_number: str, business_date: date) -> None:
        self.house_code = house_code
        self.employee_number = employee_number
        self.business_date = business_date
        self.shifts = 0
        self.open_till: UUID | None = None

    @classmethod
    def start(cls, house_code: str, employee_number: str, day: date, act: Act) -> TillRegister:
        """The day's register, started by the agent's first till of the day."""
        return cls._create(
            cls.Opened,
            id=till_register_id(house_code, employee_number, day),
            timestamp=act.at,
            actor=act.actor,
            command_id=act.command_id,
            house_code=house_code,
            employee_number=employee_number,
            business_date=day,
        )

    def open_shift(self, house_id: UUID, float_: Money, act: Act) -> Till:
        """A new till for the agent's next shift; refused while one is open."""
        if self.open_till is not None:
            raise TillAlreadyOpenError("this agent's till is open already: close it first")
        shift = self.shifts + 1
        the_id = till_id(self.house_code, self.employee_number, self.business_date, shift)
        self._record(self.ShiftOpened, act, till_id=the_id, shift=shift)
        return Till.open(the_id, house_id, self, shift, float_, act)

    def close_shift(self, till: Till, act: Act) -> None:
        """The till of the open shift was closed."""
        if self.open_till == till.id:
            self._record(self.ShiftClosed, act, till_id=till.id)


class Till(DarAggregate):
    """One agent's cash drawer for one shift."""

    class Opened(DarAggregate.Created):
        house_id: UUID
        house_code: str
        employee_number: str
        business_date: date
        shift: int
        float_millimes: int

    class CashTaken(DarAggregate.Event):
        payment_id: UUID
        receipt: str
        amount_millimes: int

        def apply(self, aggregate: Till) -> None:
            """A cash payment went into the drawer."""
            aggregate.cash_in += Money(self.amount_millimes)
            aggregate.payments += 1

    class CashPaidOut(DarAggregate.Event):
        payment_id: UUID
        refund_id: str
        document: str
        amount_millimes: int

        def apply(self, aggregate: Till) -> None:
            """A cash refund left the drawer."""
            aggregate.cash_out += Money(self.amount_millimes)
            aggregate.refunds += 1

    class Closed(DarAggregate.Event):
        denominations: tuple[int, ...]
        pieces: tuple[int, ...]
        counted_millimes: int
        expected_millimes: int
        discrepancy_millimes: int
        reason: str | None

        def apply(self, aggregate: Till) -> None:
            """Counted and closed: its discrepancy, if any, waits for a supervisor."""
            aggregate.status = TillStatus.CLOSED
            aggregate.counted = Money(self.counted_millimes)
            aggregate.discrepancy = Money(self.discrepancy_millimes)
            aggregate.closed_by = self.actor

    class DiscrepancyReviewed(DarAggregate.Event):
        note: str

        def apply(self, aggregate: Till) -> None:
            """A supervisor reviewed the discrepancy."""
            aggregate.status = TillStatus.REVIEWED

    def __init__(  # noqa: PLR0913, PLR0917 - the created event's fields
        self,
        house_id: UUID,
        house_code: str,
        employee_number: str,
        business_date: date,
        shift: int,
        float_millimes: int,
    ) -> None:
        self.house_id = house_id
        self.house_code = house_code
        self.employee_number = employee_number
        self.business_date = business_date
        self.shift = shift
        self.opening_float = Money(float_millimes)
        self.cash_in = Money.zero()
        self.cash_out = Money.zero()
        self.payments = 0
        self.refunds = 0
        self.status = TillStatus.OPEN
        self.counted: Money | None = None
        self.discrepancy: Money | None = None
        self.closed_by: str | None = None

    @classmethod
    def open(  # noqa: PLR0913, PLR0917 - a till's identity and float
        cls,
        the_id: UUID,
        house_id: UUID,
        register: TillRegister,
        shift: int,
        float_: Money,
        act: Act,
    ) -> Till:
        """A till for the register's agent, holding its float."""
        if not 0 <= float_.millimes <= MAX_MILLIMES:
            raise ValidationError("float", "a float is zero or more")
        return cls._create(
            cls.Opened,
            id=the_id,
            timestamp=act.at,
            actor=act.actor,
            command_id=act.command_id,
            house_id=house_id,
            house_code=register.house_code,
            employee_number=register.employee_number,
            business_date=register.business_date,
            shift=shift,
            float_millimes=float_.millimes,
        )

    @property
    def expected(self) -> Money:
        """What the drawer should hold: float + cash in - cash out."""
        return self.opening_float + self.cash_in - self.cash_out

    @property
    def discrepancy_millimes(self) -> int:
        """Counted - expected at the close (0 before it, or when balanced)."""
        return 0 if self.discrepancy is None else self.discrepancy.millimes

    def take(self, payment_id: UUID, receipt: str, amount: Money, act: Act) -> None:
        """A cash payment, captured in the same save, goes into the drawer."""
        self._require_open()
        self._record(
            self.CashTaken,
            act,
            payment_id=payment_id,
            receipt=receipt,
            amount_millimes=amount.millimes,
        )

    def pay_out(
        self, payment_id: UUID, refund_id: str, document: str, amount: Money, act: Act
    ) -> None:
        """A cash refund, paid back in the same save, leaves the drawer (never beyond its cash)."""
        self._require_open()
        if amount > self.expected:
            raise NotEnoughCashError(f"the till holds {self.expected} TND, not {amount} TND")
        self._record(
            self.CashPaidOut,
            act,
            payment_id=payment_id,
            refund_id=refund_id,
            document=document,
            amount_millimes=amount.millimes,
        )

    def close(self, count: Count, reason: str | None, act: Act) -> None:
        """Close with the cash counted; a count off the expected cash needs a reason."""
        self._require_open()
        counted = count.total
        discrepancy = counted - self.expected
        text = (reason or "").strip() or None
        if text is not None and len(text) > MAX_REASON:
            raise ValidationError("reason", f"at most {MAX_REASON} characters")
        if discrepancy.millimes and text is None:
            msg = f"counted {counted} TND, expected {self.expected} TND: say why they differ"
            raise DiscrepancyUnexplainedError(msg)
        self._record(
            self.Closed,
            act,
            denominations=tuple(count.pieces),
            pieces=tuple(count.pieces.values()),
            counted_millimes=counted.millimes,
            expected_millimes=self.expected.millimes,
            discrepancy_millimes=discrepancy.millimes,
            reason=text,
        )

    def review(self, note: str, act: Act) -> None:
        """A supervisor, not the person who closed the till, reviews its discrepancy."""
        if self.status is not TillStatus.CLOSED or not self.discrepancy_millimes:
            raise TillStateError("only a till closed with a discrepancy is reviewed, once")
        if _person(self.closed_by or "") == _person(act.actor):
            raise SameReviewerError("the discrepancy must be reviewed by someone else")
        text = note.strip()
        if not text or len(text) > MAX_REASON:
            raise ValidationError("note", f"must be 1 to {MAX_REASON} characters")
        self._record(self.DiscrepancyReviewed, act, note=text)

    def _require_open(self) -> None:
        if self.status is not TillStatus.OPEN:
            raise TillStateError(f"the till is {self.status.value}")


def _person(actor: str) -> str:
    """Who acted, whatever role they acted in: `agent:A17` and `supervisor:A17` are one person."""
    return actor.partition(":")[2] or actor
