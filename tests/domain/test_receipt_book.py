"""The receipt book: pages of 100 consecutive numbers, each page opened after the last is full."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from domain.payments.receipts import PAGE_SIZE, ReceiptBook, ReceiptPage
from domain.shared.acts import Act
from domain.shared.errors import InvalidTransitionError

ACT = Act(actor="agent:A17", command_id="c", at=datetime(2026, 1, 6, 9, tzinfo=UTC))


def test_numbers_run_on_across_pages_without_a_gap() -> None:
    book = ReceiptBook.open("haidra", 2026, ACT)
    page: ReceiptPage | None = None
    numbers = []
    for _ in range(2 * PAGE_SIZE + 5):
        if page is None or page.full:
            page = book.open_page(page, ACT)
        numbers.append(page.issue(uuid4(), ACT))
    assert numbers == [f"HAIDRA-2026-P{n:06d}" for n in range(1, 2 * PAGE_SIZE + 6)]
    assert book.pages == 3
    assert page is not None
    assert (page.first, page.last) == (2 * PAGE_SIZE + 1, 2 * PAGE_SIZE + 5)


def test_a_page_is_opened_only_after_a_full_one_and_a_full_page_issues_nothing() -> None:
    book = ReceiptBook.open("haidra", 2026, ACT)
    first = book.open_page(None, ACT)
    first.issue(uuid4(), ACT)
    with pytest.raises(InvalidTransitionError):
        book.open_page(first, ACT)
    while not first.full:
        first.issue(uuid4(), ACT)
    with pytest.raises(InvalidTransitionError):
        first.issue(uuid4(), ACT)
    assert book.open_page(first, ACT).first == PAGE_SIZE + 1
