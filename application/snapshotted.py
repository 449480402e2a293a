"""Which aggregates are snapshotted, and how often: one line per class.

A stream is snapshotted when it lives long enough that replaying it would grow without bound
(a house's identity, a grant amended monthly, a register, an agent) or when one stream is long
for what it is (a busy line's queue: up to 999 tickets, several events each, in a day; a page of a
receipt book: 100 numbers, each a capture's next read of it). A load then replays at most
about one interval of events after the latest snapshot. A snapshot is written every `interval`
events by the save that reaches a multiple of it, and by a load that replayed that many.

Kept apart from the snapshot code on purpose: changing an interval keeps the snapshots taken.
"""

from __future__ import annotations

from eventsourcing.domain import Aggregate

from domain.counter.queue import Queue
from domain.delegation.grant import DelegationGrant
from domain.delegation.register import GrantRegister
from domain.houses.agent import Agent
from domain.houses.house import House
from domain.payments.receipts import ReceiptPage
from domain.payments.remittance import Remittance

SNAPSHOT_INTERVALS: dict[type[Aggregate], int] = {
    House: 50,
    DelegationGrant: 20,
    GrantRegister: 20,
    Agent: 20,
    Queue: 100,
    ReceiptPage: 20,
    Remittance: 50,  # a busy day's captures of one partner at one house
}
