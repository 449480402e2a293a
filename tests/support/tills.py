"""Tills for tests: an agent's till opened before it takes cash, closed with a count."""

from __future__ import annotations

import itertools
from uuid import UUID

from api.bootstrap import Dar
from application.payments.till_commands import CloseTill, OpenTill
from domain.payments.till import Count
from domain.shared.money import Money

FLOAT = 50_000  # 50 TND of change in the drawer
_keys = itertools.count(1)


def open_till(
    dar: Dar, employee: str = "A17", float_millimes: int = FLOAT, house: str = "haidra"
) -> UUID:
    """The agent opens its till at the house (the agent acting for itself)."""
    command = OpenTill(
        f"till-open-{next(_keys)}", f"agent:{employee}", house, employee, float_millimes
    )
    return dar.tills.open_till(command).value.till_id


def counted(amount_millimes: int) -> tuple[tuple[int, int], ...]:
    """The fewest notes and coins worth the amount, as a close command lists them."""
    return tuple(Count.exactly(Money(amount_millimes)).pieces.items())


def close_balanced(dar: Dar, till: UUID, employee: str = "A17", house: str = "haidra") -> None:
    """The agent counts exactly what its till should hold, and closes it."""
    expected = dar.tills.current(till).expected.millimes
    command = CloseTill(
        f"till-close-{next(_keys)}",
        f"agent:{employee}",
        house,
        till,
        counted(expected),
        None,
        employee,
    )
    dar.tills.close_till(command)
