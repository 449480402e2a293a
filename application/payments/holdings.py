"""What a payment holds and gives back: its receipt number, the bill or fee it holds, refunds.

Shared by the commands taken at the counter and by the gateway's follow-up: both receipt a
capture, let a due go and pay a refund back, each inside its own decision.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate

from application.payments.remittances import enter_refund
from application.store import EventStore
from domain.counter.request import CitizenRequest, RequestStatus
from domain.payments.due import Due, bill_subject, due_id, fee_subject
from domain.payments.payment import Payment
from domain.payments.receipts import ReceiptBook, ReceiptPage, receipt_book_id
from domain.shared.acts import Act
from domain.shared.errors import NotFoundError
from domain.shared.time import tunis_day


def payment_of_house(store: EventStore, payment_id: UUID, house_code: str | None) -> Payment:
    """The payment, if taken at that house (any house when None): others are not found."""
    payment = store.load(payment_id, Payment, "payment")
    if house_code is not None and payment.origin.house_code != house_code:
        raise NotFoundError("no payment is known under this id")
    return payment


def next_receipt(store: EventStore, payment: Payment, act: Act) -> tuple[str, list[Aggregate]]:
    """The next number of the house's book for the year, and the book's changed parts."""
    code, year = payment.origin.house_code, tunis_day(act.at).year
    book = store.find(receipt_book_id(code, year), ReceiptBook)
    if book is None:
        book = ReceiptBook.open(code, year, act)
    current = book.current_page
    page = None if current is None else store.load(current, ReceiptPage, "page")
    if page is None or page.full:
        page = book.open_page(page, act)
        return page.issue(payment.id, act), [book, page]
    return page.issue(payment.id, act), [page]


def receipts_issued(store: EventStore, house_code: str, year: int) -> int:
    """How many receipt numbers the house issued in the year (the last number)."""
    book = store.find(receipt_book_id(house_code, year), ReceiptBook)
    if book is None or book.current_page is None:
        return 0
    return store.load(book.current_page, ReceiptPage, "page").last


def release_due(store: EventStore, payment: Payment, act: Act) -> list[Aggregate]:
    """The bill or fee the payment held, let go."""
    origin = payment.origin
    subject = (
        bill_subject(origin.partner_code, origin.bill_reference)
        if origin.bill_reference is not None
        else fee_subject(origin.request_id)
    )
    held = store.find(due_id(subject), Due)
    if held is None or held.holder != payment.id:
        return []
    held.release(payment.id, act)
    return [held]


def paid_back(store: EventStore, payment: Payment, refund_id: str, act: Act) -> list[Aggregate]:
    """The refund paid back; refunded in full, the bill or fee may be paid again."""
    if not payment.pay_back(refund_id, None, act):
        return []
    entered = enter_refund(store, payment, refund_id, act)
    if payment.refunded == payment.captured:
        return [payment, *entered, *release_due(store, payment, act)]
    return [payment, *entered]


def completed_by_capture(store: EventStore, payment: Payment, act: Act) -> list[Aggregate]:
    """A bill-payment request completed by its payment's capture (saved with the capture).

    A request for a service paid from a bill (its payment names a bill reference) is done when
    the bill is paid: the capture completes it, in the same save, if it is still lodged. Staff
    cannot complete such a request by hand (`RequestService.complete` refuses it), so a
    completed bill-payment request always has a captured payment. A later capture (the bill
    paid again after a full refund, or taken by the gateway after a cancellation) finds it
    completed already and changes nothing.
    """
    if payment.origin.bill_reference is None:
        return []
    request = store.find(payment.origin.request_id, CitizenRequest)
    if request is None or request.status is not RequestStatus.LODGED:
        return []
    request.complete(act)
    return [request]
