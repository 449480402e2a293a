"""Changing a read model's frozen row: a copy with some fields replaced.

Projections change rows event by event (a ticket called, a payment captured), so this runs once
per event of a rebuild. `dataclasses.replace` calls the class's `__init__` again, which for a
frozen dataclass sets every field through `object.__setattr__`; `changed` copies the instance's
fields in one dict instead. The rows have no `__post_init__` and no `init=False` fields, so both
give the same row.
"""

from __future__ import annotations

from typing import TypeVar

R = TypeVar("R")


def changed(row: R, **values: object) -> R:
    """A copy of the frozen dataclass `row` with `values` in place of its fields of those names.

    A name that is not one of its fields is refused, as `dataclasses.replace` refuses it.
    """
    fields = row.__dict__
    if not values.keys() <= fields.keys():
        unknown = ", ".join(sorted(values.keys() - fields.keys()))
        msg = f"{type(row).__name__} has no field {unknown}"
        raise TypeError(msg)
    copy = object.__new__(type(row))
    object.__setattr__(copy, "__dict__", {**fields, **values})
    return copy
