"""Captures and refunds entered in the partner's remittance, in the payment's own save.

The entry goes to the remittance of the day it is recorded on, or, when that one is closed, to
the next day's (not closed: no day is closed before it starts). The payment's event and the entry
commit together; a close committed meanwhile makes the save stale, and the decision taken again
finds the day closed.
"""

from __future__ import annotations

from datetime import date

from eventsourcing.domain import Aggregate

from application.store import EventStore
from domain.payments.payment import Payment
from domain.payments.remittance import (
    Entry,
    EntryKind,
    Remittance,
    refund_reference,
    remittance_id,
)
from domain.shared.acts import Act
from domain.shared.money import Money
from domain.shared.time import tunis_day


def open_remittance(store: EventStore, payment: Payment, day: date, act: Act) -> Remittance:
    """The payment's partner's remittance from its house for `day`, opened if new."""
    origin = payment.origin
    found = store.find(remittance_id(origin.house_code, origin.partner_code, day), Remittance)
    if found is not None:
        return found
    return Remittance.open(origin.house_id, origin.house_code, origin.partner_code, day, act)


def _enter(
    store: EventStore, payment: Payment, what: tuple[EntryKind, str, Money], act: Act
) -> list[Aggregate]:
    kind, reference, amount = what
    today = tunis_day(act.at)
    remittance = open_remittance(store, payment, today, act)
    if remittance.closed:
        remittance = open_remittance(store, payment, remittance.next_day, act)
    entry = Entry(payment.id, reference, kind, payment.method.value, amount, today)
    remittance.enter(entry, act)
    return [remittance]


def enter_capture(store: EventStore, payment: Payment, act: Act) -> list[Aggregate]:
    """The payment just captured, entered in its remittance."""
    receipt = payment.receipt or ""
    return _enter(store, payment, (EntryKind.CAPTURE, receipt, payment.captured), act)


def enter_refund(store: EventStore, payment: Payment, refund_id: str, act: Act) -> list[Aggregate]:
    """The refund just paid back, entered in its remittance."""
    refund = payment.refunds[refund_id]
    reference = refund_reference(payment.receipt or "", refund_id)
    return _enter(store, payment, (EntryKind.REFUND, reference, refund.amount), act)
