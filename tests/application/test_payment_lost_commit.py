"""A lost reply to the COMMIT that records a capture (PostgreSQL): no second charge, one receipt.

The gateway took the money; Dar records the capture and its receipt number, and the reply to
that COMMIT is lost. The runner finds the command recorded and returns its outcome: the gateway is
not asked again, the receipt book has one number, the payment one capture.
"""

from __future__ import annotations

from collections.abc import Iterator
from uuid import UUID

import pytest

from domain.payments.payment import Payment, PaymentStatus
from infrastructure.payments.signing import parse_notification
from infrastructure.settings import Settings
from tests.application.test_lost_reply import through
from tests.support.payments import bill_request, pay_by_card, payments_ready
from tests.support.postgres import PostgresServer
from tests.support.proxy import CommitCuttingProxy


@pytest.fixture
def proxy(postgres_server: PostgresServer) -> Iterator[CommitCuttingProxy]:
    with CommitCuttingProxy(postgres_server.port) as running:
        yield running


def test_a_lost_commit_reply_on_capture_charges_once(
    pg_settings: Settings, proxy: CommitCuttingProxy
) -> None:
    dar, gateway, citizen = payments_ready(through(pg_settings, proxy.port))
    try:
        outcome = pay_by_card(dar, bill_request(dar, citizen), "4040-1", "card")
        payment_id = UUID(outcome.values["payment_id"])
        session = dar.payments.current(payment_id).session_id
        assert session is not None
        gateway.inner.pay(session)
        gateway.before_capture = lambda _: proxy.arm()  # lose the reply of the capture's COMMIT
        (authorised,) = gateway.inner.take_deliveries()
        dar.payments.apply_notification(parse_notification(authorised.body))
        assert proxy.cuts == 1  # the reply was really lost
        paid = dar.store.load(payment_id, Payment, "payment")
        assert paid.status is PaymentStatus.CAPTURED
        assert gateway.capture_calls == [payment_id]
        order = gateway.inner.order(payment_id)
        assert order is not None
        assert order.captures == 1
        captures = [e for e in dar.store.events.get(payment_id) if isinstance(e, Payment.Captured)]
        assert len(captures) == 1
        assert dar.payments.receipts_issued("haidra", 2026) == 1
    finally:
        dar.close()
