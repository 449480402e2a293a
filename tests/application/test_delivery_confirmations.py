"""A partner's confirmation is recorded once per item, whatever key or retry brings it.

On both stores, through the confirmation commands the delivery process runs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from uuid import UUID

import pytest

from api.bootstrap import Dar
from application.deliveries.confirmations import (
    DELIVERY_ACTOR,
    ConfirmFileDelivery,
    ConfirmPaymentByPartner,
    ConfirmRefundByPartner,
    DeliveryConfirmations,
)
from application.payments.commands import ApproveRefund, RequestRefund
from domain.counter.request import RequestStateError
from domain.payments.payment import PaymentStateError
from infrastructure.settings import Settings
from tests.support.clock import TestClock
from tests.support.deliveries import confirmations, forward_file, partner_day, take_payment
from tests.support.payments import bill_request, pay_by_card


@pytest.fixture
def day(store_settings: Settings) -> Iterator[tuple[Dar, UUID]]:
    dar, citizen = partner_day(store_settings, TestClock(), partners=None)
    yield dar, citizen
    dar.close()


def test_a_payment_is_confirmed_once_whatever_the_key(day: tuple[Dar, UUID]) -> None:
    dar, citizen = day
    payment = take_payment(dar, citizen, "STEG", "4001-0001")
    confirm = DeliveryConfirmations(dar.store, dar.runner)
    position = confirm.payment(ConfirmPaymentByPartner("k1", DELIVERY_ACTOR, payment, "STEG-1"))
    assert position > 0
    assert (
        confirm.payment(ConfirmPaymentByPartner("k1", DELIVERY_ACTOR, payment, "STEG-1"))
        == position
    )
    assert confirm.payment(ConfirmPaymentByPartner("k1", DELIVERY_ACTOR, payment, "STEG-9")) == 0
    assert confirm.payment(ConfirmPaymentByPartner("k2", DELIVERY_ACTOR, payment, "STEG-1")) == 0
    assert confirmations(dar) == Counter({(payment, 1): 1})


def test_a_payment_not_captured_is_not_confirmed(day: tuple[Dar, UUID]) -> None:
    dar, citizen = day
    outcome = pay_by_card(dar, bill_request(dar, citizen), "4001-0002", "card-1")
    payment = UUID(outcome.values["payment_id"])
    confirm = DeliveryConfirmations(dar.store, dar.runner)
    with pytest.raises(PaymentStateError):
        confirm.payment(ConfirmPaymentByPartner("k3", DELIVERY_ACTOR, payment, "STEG-2"))
    assert confirmations(dar) == Counter()


def test_a_file_is_confirmed_per_sending_it_was_sent(day: tuple[Dar, UUID]) -> None:
    dar, citizen = day
    file = forward_file(dar, citizen)
    confirm = DeliveryConfirmations(dar.store, dar.runner)
    with pytest.raises(RequestStateError):
        confirm.file(ConfirmFileDelivery("k4", DELIVERY_ACTOR, file, 2, "CNAM-1"))
    assert confirm.file(ConfirmFileDelivery("k5", DELIVERY_ACTOR, file, 1, "CNAM-1")) > 0
    assert confirm.file(ConfirmFileDelivery("k6", DELIVERY_ACTOR, file, 1, "CNAM-1")) == 0
    assert confirmations(dar) == Counter({(file, 1): 1})


def test_a_refund_is_confirmed_once_and_only_once_paid_back(day: tuple[Dar, UUID]) -> None:
    dar, citizen = day
    payment = take_payment(dar, citizen, "STEG", "4001-0003")
    asked = RequestRefund("ask-1", "agent:A17", "haidra", payment, 1_000, "erreur")
    refund = dar.payments.request_refund(asked).value.refund_id
    confirm = DeliveryConfirmations(dar.store, dar.runner)
    with pytest.raises(PaymentStateError):  # asked for, not paid back yet
        confirm.refund(ConfirmRefundByPartner("k7", DELIVERY_ACTOR, payment, refund, "STEG-3"))
    approve = ApproveRefund("ok-1", "supervisor:S01", "haidra", payment, refund)
    dar.payments.approve_refund(approve)
    command = ConfirmRefundByPartner("k8", DELIVERY_ACTOR, payment, refund, "STEG-3")
    assert confirm.refund(command) > 0
    assert confirm.refund(ConfirmRefundByPartner("k9", DELIVERY_ACTOR, payment, refund, "X")) == 0
    assert confirmations(dar) == Counter({(payment, refund): 1}), "the capture is not confirmed"
