"""Money: Tunisian dinars counted in whole millimes (1 TND = 1,000 millimes), never floats.

TND is ISO 4217 code 788, with three decimals. Amounts are written "12.345": digits, at most
three decimals, no sign unless negatives are allowed, no exponent, no thousands separator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import total_ordering

from domain.shared.errors import ValidationError

CURRENCY = "TND"
CURRENCY_NUMBER = 788
MILLIMES_PER_DINAR = 1000
# The largest amount Dar accepts: a billion dinars, far above any bill, fee or fine.
MAX_MILLIMES = 1_000_000_000 * MILLIMES_PER_DINAR
_AMOUNT = re.compile(r"(-?)(0|[1-9][0-9]{0,9})(?:\.([0-9]{1,3}))?")


@total_ordering
@dataclass(frozen=True)
class Money:
    """An amount in TND, held as an integer number of millimes."""

    millimes: int

    def __post_init__(self) -> None:
        if isinstance(self.millimes, bool) or not isinstance(self.millimes, int):
            msg = "money is a whole number of millimes"
            raise TypeError(msg)
        if abs(self.millimes) > MAX_MILLIMES:
            raise ValidationError("amount", "above the largest amount Dar accepts")

    @classmethod
    def parse(cls, text: str, *, negative: bool = False, field: str = "amount") -> Money:
        """A decimal string in dinars ("12.345"); refuses every other form."""
        found = _AMOUNT.fullmatch(text) if isinstance(text, str) else None
        if found is None:
            msg = 'a decimal string in dinars with at most three decimals, such as "12.345"'
            raise ValidationError(field, msg)
        sign, dinars, decimals = found.groups()
        if sign and not negative:
            raise ValidationError(field, "must not be negative")
        millimes = int(dinars) * MILLIMES_PER_DINAR + int((decimals or "").ljust(3, "0"))
        if millimes > MAX_MILLIMES:
            raise ValidationError(field, "above the largest amount Dar accepts")
        return cls(-millimes if sign else millimes)

    @classmethod
    def zero(cls) -> Money:
        """No money."""
        return cls(0)

    def __str__(self) -> str:
        """The decimal form, always three decimals: "12.345", "-0.500"."""
        sign = "-" if self.millimes < 0 else ""
        dinars, millimes = divmod(abs(self.millimes), MILLIMES_PER_DINAR)
        return f"{sign}{dinars}.{millimes:03d}"

    def __add__(self, other: Money) -> Money:
        return Money(self.millimes + other.millimes)

    def __sub__(self, other: Money) -> Money:
        return Money(self.millimes - other.millimes)

    def __lt__(self, other: Money) -> bool:
        return self.millimes < other.millimes

    def __neg__(self) -> Money:
        return Money(-self.millimes)


def total(amounts: list[Money]) -> Money:
    """The exact sum of many amounts."""
    return Money(sum(a.millimes for a in amounts))
