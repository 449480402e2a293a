"""A house's refund documents for a year: cash refunds numbered 1, 2, 3… without a gap.

A separate series from the payment receipts (`HAIDRA-2026-R000001` beside `HAIDRA-2026-P…`),
kept the same way: a book of pages of 100 numbers, each number existing only in a committed
event of its page, saved with the refund it documents (see `domain.payments.receipts`).
"""

from __future__ import annotations

from uuid import UUID

from domain.payments.receipts import ReceiptBook, ReceiptPage
from domain.shared.acts import Act
from domain.shared.errors import InvalidTransitionError
from domain.shared.ids import natural_id


def refund_book_id(house_code: str, year: int) -> UUID:
    """The refund book of a house (by code) for a calendar year."""
    return natural_id("refunds", house_code, str(year))


def refund_page_id(house_code: str, year: int, page: int) -> UUID:
    """One page of that book (pages count from 0)."""
    return natural_id("refund-page", house_code, str(year), str(page))


def refund_document_number(house_code: str, year: int, number: int) -> str:
    """The printed number: `HAIDRA-2026-R000007`."""
    return f"{house_code.upper()}-{year}-R{number:06d}"


class RefundBook(ReceiptBook):
    """The pages of refund documents opened so far by a house in a year."""

    @staticmethod
    def book_id(house_code: str, year: int) -> UUID:
        """The refund book's id."""
        return refund_book_id(house_code, year)

    @staticmethod
    def page_id(house_code: str, year: int, page: int) -> UUID:
        """A refund page's id."""
        return refund_page_id(house_code, year, page)

    @staticmethod
    def page_class() -> type[ReceiptPage]:
        """Refund pages."""
        return RefundPage


class RefundPage(ReceiptPage):
    """Up to 100 consecutive refund document numbers."""

    class Documented(ReceiptPage.Event):
        number: int
        payment_id: UUID
        refund_id: str

        def apply(self, aggregate: RefundPage) -> None:
            """One more refund document."""
            aggregate.last = self.number

    @staticmethod
    def number_text(house_code: str, year: int, number: int) -> str:
        """The printed refund document number."""
        return refund_document_number(house_code, year, number)

    def document(self, payment_id: UUID, refund_id: str, act: Act) -> str:
        """The next number, for this refund of this payment."""
        if self.full:
            raise InvalidTransitionError("this page of the refund book is full")
        self._record(
            self.Documented, act, number=self.last + 1, payment_id=payment_id, refund_id=refund_id
        )
        return self.number_text(self.house_code, self.year, self.last)

    def issue(self, payment_id: UUID, act: Act) -> str:  # noqa: ARG002 - refused: see document
        """Refund documents name their refund: `document` numbers them."""
        raise InvalidTransitionError("a refund document is numbered for a refund")
