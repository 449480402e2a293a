"""GraphQL objects are filled from rows by name, each value converted to its declared type."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import pytest
import strawberry

from api.graphql.enums import Method
from api.graphql.rows import from_row
from domain.shared.money import Money

PAYMENT = UUID("7d1c3b8e-0f5e-4c43-9a57-1d2f8f0c2a11")


@dataclass(frozen=True)
class Row:
    payment_id: UUID
    house_id: UUID | None
    method: str
    amount_millimes: int
    documents: tuple[str, ...]
    note: str | None


@strawberry.type
class Shown:
    id: strawberry.ID
    house_id: strawberry.ID | None
    method: Method
    amount: Money
    documents: list[str]
    note: str | None


def test_a_row_fills_its_object_by_name_converted_to_the_declared_types() -> None:
    row = Row(PAYMENT, None, "cash", 1500, ("CIN",), "paid")
    shown = from_row(Shown, row, id=row.payment_id)
    assert (shown.id, shown.house_id, shown.method, shown.amount) == (
        strawberry.ID(str(PAYMENT)),
        None,
        Method.CASH,
        Money(1500),
    )
    assert (shown.documents, shown.note) == (["CIN"], "paid")


def test_a_field_the_row_does_not_have_and_that_is_not_given_is_an_error() -> None:
    row = Row(PAYMENT, None, "cash", 1500, (), None)
    with pytest.raises(AttributeError, match="id"):
        from_row(Shown, row)
