"""Custom scalars, mapped in the schema's configuration."""

from __future__ import annotations

from typing import NewType

import strawberry
from strawberry.types.scalar import ScalarDefinition

from domain.shared.errors import ValidationError
from domain.shared.money import Money

MAX_POSITION = 2**53 - 1  # exact in every JSON reader

Position = NewType("Position", int)


def _parse_position(value: object) -> Position:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_POSITION:
        raise ValidationError("position", "must be a whole number from 0")
    return Position(value)


POSITION = strawberry.scalar(
    name="Position",
    description="A position in Dar's event log (an integer; GraphQL's Int is too small).",
    serialize=int,
    parse_value=_parse_position,
)


def _parse_money(value: object) -> Money:
    """Only a decimal string: a JSON number would already have been rounded by some client."""
    if not isinstance(value, str):
        msg = 'money is a decimal string with at most three decimals, such as "12.345"'
        raise ValidationError("amount", msg)
    return Money.parse(value)


MONEY = strawberry.scalar(
    name="Money",
    description=(
        'An amount in Tunisian dinars (TND, ISO 4217 788) as a decimal string, "12.345": at most'
        " three decimals, no exponent, no sign; numbers are refused."
    ),
    serialize=str,
    parse_value=_parse_money,
)

SCALARS: dict[object, ScalarDefinition] = {Position: POSITION, Money: MONEY}
