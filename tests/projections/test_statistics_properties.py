"""Statistics applied event by event as the log grows equal statistics rebuilt from zero.

A generated history — a day's queue (tests/support/histories.py: tickets called, absent,
recycled, parked, transferred, walked away, ended), a grant's life, requests lodged, forwarded,
returned, decided and withdrawn, cash payments and their refunds — is appended in chunks, the
runner catching up after each; then the statistics are rebuilt from the start of the log. Every
table of the read model (cells, index rows, skipped events) must be the same, row for row.

Many examples on SQLite in memory (a fresh store each); a bounded number on PostgreSQL (one
store growing example by example).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from api.bootstrap import Dar, bootstrap
from domain.counter.queue import Queue
from domain.counter.request import CitizenRequest, Reliance
from domain.delegation.grant import DelegationGrant
from domain.payments.payment import Method, Origin, Payment
from domain.shared.acts import Act
from domain.shared.errors import DarError
from domain.shared.money import Money
from infrastructure.readmodels.statistics import ALL
from infrastructure.settings import Settings
from tests.support.histories import Draw, draws, history
from tests.support.rebuilt import assert_incremental_equals_rebuilt, memory_dar

_keys = itertools.count(1)
START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
RELIANCE = Reliance(grant_id=uuid4(), grant_version=1, agent_id=uuid4(), agent_version=1)
chunks = st.lists(st.integers(1, 40), min_size=1, max_size=8)


def act(at: datetime, actor: str = "agent:A17") -> Act:
    return Act(actor=actor, command_id=f"s{next(_keys)}", at=at)


class Counter:
    """Requests and payments of one house driven by draws; refused steps record nothing."""

    def __init__(self, house: UUID) -> None:
        self.house = house
        self.now = START
        self.requests: list[CitizenRequest] = []
        self.payments: list[Payment] = []

    def run(self, history_draws: list[Draw]) -> list[Any]:
        for op, a, b in history_draws:
            self.now += timedelta(hours=1 + a % 30)
            try:
                self._steps()[op % 9](a, b)
            except DarError:
                continue
        return [e for x in (*self.requests, *self.payments) for e in x.collect_events()]

    def _steps(self) -> list[Callable[[int, int], None]]:
        return [
            self._lodge,
            lambda a, _: self._request(a).complete(act(self.now)),
            lambda a, _: self._request(a).forward(act(self.now)),
            lambda a, _: self._request(a).return_for_correction("missing", act(self.now)),
            lambda a, _: self._request(a).resubmit(("Facture",), act(self.now)),
            lambda a, b: self._request(a).decide(
                ("accepted", "refused", "closed")[b % 3], "decided", act(self.now)
            ),
            lambda a, _: self._request(a).withdraw("changed mind", act(self.now)),
            self._pay,
            self._refund,
        ]

    def _lodge(self, a: int, b: int) -> None:
        mode = ("immediate", "forwarded")[a % 2]
        service = ("STEG", "BILL_PAYMENT") if a % 2 == 0 else ("CNAM", "REIMBURSEMENT_FILE")
        request = CitizenRequest.lodge(
            request_id=uuid4(),
            house_id=self.house,
            visit_id=uuid4(),
            citizen_id=uuid4(),
            citizen_present=True,
            service=(*service, mode),
            documents=(),
            receipt=f"R-{next(_keys)}",
            due_on=None if b % 3 == 0 else self.now.date() + timedelta(days=b % 20),
            reliance=RELIANCE,
            act=act(self.now),
        )
        self.requests.append(request)

    def _request(self, a: int) -> CitizenRequest:
        if not self.requests:
            raise DarError("no request yet")
        return self.requests[a % len(self.requests)]

    def _pay(self, a: int, b: int) -> None:
        origin = Origin(
            request_id=uuid4(),
            house_id=self.house,
            house_code="haidra",
            citizen_id=uuid4(),
            partner_code=("STEG", "SONEDE")[a % 2],
            service_code="BILL_PAYMENT",
            bill_reference=None,
            reliance=RELIANCE,
        )
        payment = Payment.initiate(
            payment_id=uuid4(),
            origin=origin,
            method=Method.CASH,
            amount=Money(1000 + b),
            act=act(self.now),
        )
        payment.take_cash(f"P{next(_keys)}", act(self.now))
        self.payments.append(payment)

    def _refund(self, a: int, b: int) -> None:
        if not self.payments:
            raise DarError("no payment yet")
        payment = self.payments[a % len(self.payments)]
        refund = f"R{next(_keys)}"
        payment.request_refund(refund, Money(1 + b % 500), "overcharged", act(self.now))
        payment.approve_refund(refund, act(self.now, "supervisor:S01"))
        payment.pay_back(refund, None, act(self.now, "supervisor:S01"))


def generated(
    queue_draws: list[Draw], grant_draws: list[Draw], counter_draws: list[Draw]
) -> list[Any]:
    """A history's events, in the order each aggregate recorded them, aggregates interleaved."""
    queue = history(Queue, queue_draws)
    grant = history(DelegationGrant, grant_draws)
    house = queue.house_id if isinstance(queue, Queue) else uuid4()
    streams = [queue.collect_events(), grant.collect_events(), Counter(house).run(counter_draws)]
    mixed: list[Any] = []
    for events in itertools.zip_longest(*streams):
        mixed.extend(e for e in events if e is not None)
    return mixed


def check(dar: Dar, events: list[Any], sizes: list[int]) -> None:
    """Appended chunk by chunk, caught up after each, then rebuilt: the same tables."""
    assert_incremental_equals_rebuilt(dar, events, sizes, ALL, "statistics")


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(draws, draws, draws, chunks)
def test_incremental_statistics_equal_rebuilt_ones_in_memory(
    queue_draws: list[Draw], grant_draws: list[Draw], counter_draws: list[Draw], sizes: list[int]
) -> None:
    for dar in memory_dar("stats"):
        check(dar, generated(queue_draws, grant_draws, counter_draws), sizes)


@pytest.mark.usefixtures("postgres_server")
def test_incremental_statistics_equal_rebuilt_ones_on_postgres(pg_settings: Settings) -> None:
    dar = bootstrap(pg_settings)
    dar.projections.prepare()

    @settings(
        max_examples=6,
        deadline=None,
        phases=(Phase.explicit, Phase.reuse, Phase.generate),  # bounded: no shrinking
        suppress_health_check=list(HealthCheck),
    )
    @given(draws, draws, draws, chunks)
    def example(
        queue_draws: list[Draw],
        grant_draws: list[Draw],
        counter_draws: list[Draw],
        sizes: list[int],
    ) -> None:
        check(dar, generated(queue_draws, grant_draws, counter_draws), sizes)

    try:
        example()
    finally:
        dar.close()


def test_an_event_the_statistics_cannot_place_is_counted_and_skipped(
    store_settings: Settings,
) -> None:
    dar = bootstrap(store_settings)
    try:
        dar.projections.prepare()
        orphan = Queue.open(uuid4(), "A", date(2026, 1, 6), act(START))
        orphan.collect_events()  # its opening never reaches the log
        orphan.issue(None, act(START))
        dar.store.save(*orphan.collect_events())
        dar.projections.catch_up()
        assert dar.read.statistics_key not in dar.projections.failures()  # the dashboard's is
        assert dar.read.db.tracked(dar.read.statistics_key) == 1
        (skipped,) = dar.read.statistics.skipped()
        assert (skipped.event_type, skipped.reason, skipped.count) == (
            "Queue.TicketIssued",
            "unknown queue",
            1,
        )
    finally:
        dar.close()
