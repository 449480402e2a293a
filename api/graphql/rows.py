"""GraphQL objects built from read-model rows (and typed outcomes): fields copied by name.

An object type declares its fields; `from_row` fills each from the row's field of the same name,
converted to the declared GraphQL type: an `ID` from a UUID, an enum from its stored value, a
list from a tuple, `Money` from the row's `<name>_millimes` (or a `Money` of that name). None
stays None. A type whose `id` is the row's `house_id` declares it so
(`house_id: strawberry.ID = strawberry.field(name="id")`); a field that is computed is given by
name (`from_row(Request, row, id=row.request_id, age_days=…)`) and converted the same way.
Fields with a resolver of their own are left to it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, Self, TypeVar

import strawberry
from strawberry.types.base import StrawberryList, StrawberryOptional, get_object_definition
from strawberry.types.enum import StrawberryEnumDefinition

from application.store import Outcome
from domain.shared.money import Money

V = TypeVar("V")
A_contra = TypeVar("A_contra", contravariant=True)
Convert = Callable[[Any], Any]
Plan = tuple[tuple[str, str | None, Convert | None], ...]
PLANS: dict[type, Plan] = {}


def _as_id(value: object) -> strawberry.ID:
    return strawberry.ID(str(value))


def _converter(kind: object) -> Convert | None:
    """How a row's value becomes a value of the declared type (None: as it is)."""
    if isinstance(kind, StrawberryOptional):
        inner = _converter(kind.of_type)
        return None if inner is None else (lambda v: None if v is None else inner(v))
    if kind is strawberry.ID:
        return _as_id
    if isinstance(kind, StrawberryEnumDefinition):
        return kind.wrapped_cls
    if isinstance(kind, StrawberryList):
        return list
    return _as_money if kind is Money else None


def _as_money(value: Money | int) -> Money:
    return value if isinstance(value, Money) else Money(value)


def _plan(cls: type) -> Plan:
    """Each field of `cls` filled from a row: its name, its name in millimes, its conversion."""
    if cls not in PLANS:
        PLANS[cls] = tuple(
            (
                f.python_name,
                f"{f.python_name}_millimes" if f.type is Money else None,
                _converter(f.type),
            )
            for f in get_object_definition(cls, strict=True).fields
            if f.base_resolver is None
        )
    return PLANS[cls]


def from_row(cls: type[V], row: object, /, **given: Any) -> V:  # noqa: ANN401 - any field's value
    """An object of `cls` with its fields from the row's same-named fields, or from `given`."""
    values = {}
    for name, millimes, convert in _plan(cls):
        if name in given:
            value = given[name]
        elif millimes is not None and not hasattr(row, name):
            value = getattr(row, millimes)
        else:
            value = getattr(row, name)
        values[name] = value if convert is None else convert(value)
    return cls(**values)


def answer(cls: type[V], outcome: Outcome[Any], /, **given: Any) -> V:  # noqa: ANN401 - any field's value
    """A mutation's answer: the outcome value's fields by name (or `given`), position, retry."""
    return from_row(
        cls, outcome.value, position=outcome.position, replayed=outcome.replayed, **given
    )


class Answer(Generic[A_contra]):
    """A mutation's answer to an outcome of `A_contra`, its fields named as the value's."""

    @classmethod
    def of(cls, outcome: Outcome[A_contra]) -> Self:
        """The answer to a command that did this."""
        return answer(cls, outcome)
