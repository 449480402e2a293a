"""A partner down for part of the day: every payment and file taken meanwhile reaches it once.

Haidra takes STEG and SONEDE bills in cash and forwards CNAM files while SONEDE is reported
unreachable (its simulated system is down too). The delivery process sends STEG's and CNAM's items
at once, leaves SONEDE's waiting without calling it, backs off from a partner whose system fails
although nobody reported it, and, once SONEDE is reported back, sends every item that waited. The
simulated partners receive each item exactly once; the log holds one confirmation per item. A
refund paid back is an item of its own, carrying Dar's reference and the remittance day. On
both stores, through the HTTP adapter, with the projections and the process run step by step.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from uuid import UUID

import pytest

from api.bootstrap import Dar
from application.deliveries.process import Round
from application.payments.commands import ApproveRefund, RequestRefund
from domain.partners.reachability import Reachability
from domain.payments.payment import Payment
from infrastructure.fixtures.loader import fixture_time
from infrastructure.settings import Settings
from tests.support.clock import TestClock
from tests.support.deliveries import (
    PARTNERS,
    confirmations,
    delivery_keys,
    forward_file,
    http_partners,
    partner_day,
    report,
    take_payment,
)
from tests.support.partner import SimulatedPartners, simulated_partners
from tests.support.steps import request_step

DOWN, UP = Reachability.UNREACHABLE, Reachability.REACHABLE


@pytest.fixture
def partners() -> Iterator[SimulatedPartners]:
    with simulated_partners() as server:
        yield server


@pytest.fixture
def day(
    store_settings: Settings, clock: TestClock, partners: SimulatedPartners
) -> Iterator[tuple[Dar, UUID]]:
    dar, citizen = partner_day(store_settings, clock, http_partners(partners.endpoints(*PARTNERS)))
    dar.projections.prepare()
    yield dar, citizen
    dar.close()


def step(dar: Dar) -> Round:
    """The read models catch up, then one round of the delivery process."""
    dar.projections.catch_up()
    return dar.delivery.run_round()


def test_a_partner_down_for_two_hours_then_back_receives_every_deferred_item_once(
    day: tuple[Dar, UUID], clock: TestClock, partners: SimulatedPartners
) -> None:
    dar, citizen = day
    clock.set(fixture_time("day 2 09:00"))
    report(dar, "SONEDE", DOWN, "sonede-down")
    partners.down.add("SONEDE")
    steg = [take_payment(dar, citizen, "STEG", f"4001-{n:04d}") for n in (1, 2)]
    sonede = [take_payment(dar, citizen, "SONEDE", f"77-{n:04d}") for n in (1, 2, 3)]
    files = [forward_file(dar, citizen) for _ in range(2)]

    first = step(dar)
    assert (first.confirmed, first.waiting) == (4, 3)
    assert sorted(partners.keys_of("STEG")) == sorted(f"payment:{p}" for p in steg)
    assert sorted(partners.keys_of("CNAM")) == sorted(f"file:{f}:1" for f in files)
    assert partners.keys_of("SONEDE") == [], "a partner reported unreachable was called"
    assert partners.refused == 0
    dar.projections.catch_up()
    assert dar.read.deliveries.waiting_counts() == {"SONEDE": 3}

    # CNAM's system fails while nobody reported it: the file waits, retried after a back-off
    partners.down.add("CNAM")
    late_file = forward_file(dar, citizen)
    assert step(dar).failed == 1
    assert step(dar).failed == 0, "retried before its back-off"
    assert partners.refused == 1
    partners.down.discard("CNAM")
    clock.advance(timedelta(seconds=2))
    assert step(dar).confirmed == 1

    clock.set(fixture_time("day 2 11:00"))
    partners.down.discard("SONEDE")
    report(dar, "SONEDE", UP, "sonede-up")
    assert step(dar).confirmed == 3
    assert step(dar) == Round(), "an item was sent again"

    expected = {f"payment:{p}" for p in [*steg, *sonede]} | {
        f"file:{f}:1" for f in [*files, late_file]
    }
    assert delivery_keys(dar) == expected
    received = Counter(key for _, key in partners.received)
    assert received == dict.fromkeys(expected, 1), "each item received exactly once"
    assert set(partners.accepted) == expected
    assert confirmations(dar) == Counter(
        {(p, 1): 1 for p in [*steg, *sonede]} | {(f, 1): 1 for f in [*files, late_file]}
    )
    assert dar.read.deliveries.waiting(limit=100) == []
    assert sorted(partners.keys_of("SONEDE")) == sorted(f"payment:{p}" for p in sonede)


def test_a_file_sent_again_after_a_correction_is_a_new_item(
    day: tuple[Dar, UUID], partners: SimulatedPartners
) -> None:
    dar, citizen = day
    file = forward_file(dar, citizen)
    assert step(dar).confirmed == 1
    request_step(
        dar,
        "return_for_correction",
        "back",
        "partner:cnam",
        file,
        house=None,
        partner="CNAM",
        reason="the prescription is unreadable",
    )
    request_step(dar, "resubmit", "again", "agent:A17", file, documents=("Facture",))
    assert step(dar).confirmed == 1
    assert step(dar) == Round()
    assert list(partners.accepted) == [f"file:{file}:1", f"file:{file}:2"]
    assert confirmations(dar) == Counter({(file, 1): 1, (file, 2): 1})


def refund(dar: Dar, payment: UUID, amount: int, key: str) -> str:
    """A17 asks, the supervisor approves: the refund is paid back in cash; its id."""
    asked = RequestRefund(f"{key}-ask", "agent:A17", "haidra", payment, amount, "erreur")
    refund_id = dar.payments.request_refund(asked).value.refund_id
    approve = ApproveRefund(f"{key}-ok", "supervisor:S01", "haidra", payment, refund_id)
    dar.payments.approve_refund(approve)
    return refund_id


def test_a_refund_paid_back_reaches_the_partner_once_with_its_reference_and_day(
    day: tuple[Dar, UUID], clock: TestClock, partners: SimulatedPartners
) -> None:
    dar, citizen = day
    clock.set(fixture_time("day 2 09:00"))
    payment_id = take_payment(dar, citizen, "SONEDE", "77-0009")
    assert step(dar).confirmed == 1
    report(dar, "SONEDE", DOWN, "sonede-down")
    partners.down.add("SONEDE")
    first = refund(dar, payment_id, 1_000, "r1")
    second = refund(dar, payment_id, 500, "r2")
    assert step(dar).waiting == 2
    partners.down.discard("SONEDE")
    report(dar, "SONEDE", UP, "sonede-up")
    assert step(dar).confirmed == 2
    assert step(dar) == Round(), "a refund was sent again"

    payment = dar.store.load(payment_id, Payment, "payment")
    receipt = payment.receipt
    keys = [
        f"payment:{payment_id}",
        f"refund:{payment_id}:{first}",
        f"refund:{payment_id}:{second}",
    ]
    assert Counter(key for _, key in partners.received) == dict.fromkeys(keys, 1)
    bodies = [partners.accepted[k][1] for k in keys]
    assert [(b["kind"], b["reference"], b["amountMillimes"], b["refundId"]) for b in bodies] == [
        ("payment", receipt, payment.captured.millimes, None),
        ("refund", f"{receipt}/{first}", 1_000, first),
        ("refund", f"{receipt}/{second}", 500, second),
    ]
    assert {b["remittanceDate"] for b in bodies} == {"2026-01-06"}
    assert confirmations(dar) == Counter(
        {(payment_id, 1): 1, (payment_id, first): 1, (payment_id, second): 1}
    )
    assert payment.refund_receipts == {
        first: partners.accepted[keys[1]][0],
        second: partners.accepted[keys[2]][0],
    }


def test_the_items_of_a_partner_without_an_endpoint_wait_unread(
    store_settings: Settings, clock: TestClock, partners: SimulatedPartners
) -> None:
    only_steg = http_partners(partners.endpoints("STEG"))
    dar, citizen = partner_day(store_settings, clock, only_steg)
    try:
        dar.projections.prepare()
        clock.set(fixture_time("day 2 09:00"))
        steg = take_payment(dar, citizen, "STEG", "4001-0001")
        sonede = take_payment(dar, citizen, "SONEDE", "77-0001")
        assert step(dar) == Round(confirmed=1)  # SONEDE's item neither sent, failed nor read
        assert partners.keys_of("STEG") == [f"payment:{steg}"]
        assert partners.keys_of("SONEDE") == []
        dar.projections.catch_up()  # STEG's confirmation applied: SONEDE's item alone waits
        waiting = dar.read.deliveries.waiting(limit=10)
        assert [row.key for row in waiting] == [f"payment:{sonede}"]
    finally:
        dar.close()
