"""Custom scalars, mapped in the schema's configuration."""

from __future__ import annotations

from typing import NewType

import strawberry
from strawberry.types.scalar import ScalarDefinition

from domain.shared.errors import ValidationError

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

SCALARS: dict[object, ScalarDefinition] = {Position: POSITION}
