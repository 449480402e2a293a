"""A house's receipt book for a year: payment receipts numbered 1, 2, 3… without a gap.

The book is kept in pages of 100 numbers, each its own aggregate, so that issuing a number never
replays more than one page (a house issues tens of thousands a year). The book records only which
pages were opened; a page opens, with the number after the last of the page before, once that one
is full.

A number exists only in a committed event of its page, saved in the same transaction as the
capture that uses it: two captures racing for the next number clash on the page's version (or,
opening the next page, on the book's), and the loser decides again with the following number.
Nothing is reserved, so nothing is skipped.
"""

from __future__ import annotations

from typing import Self
from uuid import UUID

from domain.shared.acts import Act, DarAggregate
from domain.shared.errors import InvalidTransitionError
from domain.shared.ids import natural_id

PAGE_SIZE = 100


def receipt_book_id(house_code: str, year: int) -> UUID:
    """The book of a house (by code) for a calendar year."""
    return natural_id("receipts", house_code, str(year))


def receipt_page_id(house_code: str, year: int, page: int) -> UUID:
    """One page of that book (pages count from 0)."""
    return natural_id("receipt-page", house_code, str(year), str(page))


def receipt_number(house_code: str, year: int, number: int) -> str:
    """The printed number: `HAIDRA-2026-P000042`."""
    return f"{house_code.upper()}-{year}-P{number:06d}"


class ReceiptBook(DarAggregate):
    """The pages opened so far by a house in a year."""

    @staticmethod
    def book_id(house_code: str, year: int) -> UUID:
        """The id of the book of this series."""
        return receipt_book_id(house_code, year)

    @staticmethod
    def page_id(house_code: str, year: int, page: int) -> UUID:
        """The id of a page of this series."""
        return receipt_page_id(house_code, year, page)

    @staticmethod
    def page_class() -> type[ReceiptPage]:
        """The pages of this series."""
        return ReceiptPage

    class Opened(DarAggregate.Created):
        house_code: str
        year: int

    class PageOpened(DarAggregate.Event):
        page: int

        def apply(self, aggregate: ReceiptBook) -> None:
            """One more page."""
            aggregate.pages = self.page + 1

    def __init__(self, house_code: str, year: int) -> None:
        self.house_code = house_code
        self.year = year
        self.pages = 0

    @classmethod
    def open(cls, house_code: str, year: int, act: Act) -> Self:
        """The book, opened by its first receipt."""
        return cls._create(
            cls.Opened,
            id=cls.book_id(house_code, year),
            timestamp=act.at,
            actor=act.actor,
            command_id=act.command_id,
            house_code=house_code,
            year=year,
        )

    @property
    def current_page(self) -> UUID | None:
        """The id of the page numbers are issued from now (None before the first)."""
        if self.pages == 0:
            return None
        return self.page_id(self.house_code, self.year, self.pages - 1)

    def open_page(self, after: ReceiptPage | None, act: Act) -> ReceiptPage:
        """The next page, starting after the full page before it (or at 1)."""
        if after is not None and not after.full:
            raise InvalidTransitionError("the current page still has numbers")
        page = self.pages
        self._record(self.PageOpened, act, page=page)
        return self.page_class().open(self, page, 1 if after is None else after.last + 1, act)


class ReceiptPage(DarAggregate):
    """Up to 100 consecutive numbers of a book."""

    class Opened(DarAggregate.Created):
        house_code: str
        year: int
        page: int
        first: int

    class Issued(DarAggregate.Event):
        number: int
        payment_id: UUID

        def apply(self, aggregate: ReceiptPage) -> None:
            """One more receipt."""
            aggregate.last = self.number

    def __init__(self, house_code: str, year: int, page: int, first: int) -> None:
        self.house_code = house_code
        self.year = year
        self.page = page
        self.first = first
        self.last = first - 1

    @staticmethod
    def number_text(house_code: str, year: int, number: int) -> str:
        """The printed number of this series."""
        return receipt_number(house_code, year, number)

    @classmethod
    def open(cls, book: ReceiptBook, page: int, first: int, act: Act) -> ReceiptPage:
        """A page of `book`, its numbers starting at `first`."""
        return cls._create(
            cls.Opened,
            id=book.page_id(book.house_code, book.year, page),
            timestamp=act.at,
            actor=act.actor,
            command_id=act.command_id,
            house_code=book.house_code,
            year=book.year,
            page=page,
            first=first,
        )

    @property
    def full(self) -> bool:
        """No number left on this page."""
        return self.last - self.first + 1 >= PAGE_SIZE

    def issue(self, payment_id: UUID, act: Act) -> str:
        """The next number, for this payment."""
        if self.full:
            raise InvalidTransitionError("this page of the receipt book is full")
        self._record(self.Issued, act, number=self.last + 1, payment_id=payment_id)
        return self.number_text(self.house_code, self.year, self.last)
