"""A house's receipt book for a year: payment receipts numbered 1, 2, 3… without a gap.

A number exists only in a committed event of the book, saved in the same transaction as the
capture that uses it: two captures racing for the next number clash on the book's version, and the
loser decides again with the following number. Nothing is reserved, so nothing is skipped.
"""

from __future__ import annotations

from uuid import UUID

from domain.shared.acts import Act, DarAggregate
from domain.shared.ids import natural_id


def receipt_book_id(house_code: str, year: int) -> UUID:
    """The book of a house (by code) for a calendar year."""
    return natural_id("receipts", house_code, str(year))


def receipt_number(house_code: str, year: int, number: int) -> str:
    """The printed number: `HAIDRA-2026-P000042`."""
    return f"{house_code.upper()}-{year}-P{number:06d}"


class ReceiptBook(DarAggregate):
    """The numbers issued so far by a house in a year."""

    class Opened(DarAggregate.Created):
        house_code: str
        year: int

    class Issued(DarAggregate.Event):
        number: int
        payment_id: UUID

        def apply(self, aggregate: ReceiptBook) -> None:
            """One more receipt."""
            aggregate.last = self.number

    def __init__(self, house_code: str, year: int) -> None:
        self.house_code = house_code
        self.year = year
        self.last = 0

    @classmethod
    def open(cls, house_code: str, year: int, act: Act) -> ReceiptBook:
        """The book, opened by its first receipt."""
        return cls._create(
            cls.Opened,
            id=receipt_book_id(house_code, year),
            timestamp=act.at,
            actor=act.actor,
            command_id=act.command_id,
            house_code=house_code,
            year=year,
        )

    def issue(self, payment_id: UUID, act: Act) -> str:
        """The next number, for this payment."""
        self._record(self.Issued, act, number=self.last + 1, payment_id=payment_id)
        return receipt_number(self.house_code, self.year, self.last)
