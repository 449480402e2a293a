"""Money recomputed from the log alone, and set against the payments read model.

Per partner, per house, per business day (the Tunis day each `Payment.Captured` and
`Payment.Refunded` event carries): the captures and the millimes captured, the refunds paid back
and their millimes, and captured − refunded. Only the payment events are read, through the event
store, in log order; no read model is consulted. A refund is counted on the day it was paid back,
whatever the day of its payment, as the day's collections count it.

The comparison takes the read model's figures for each house and day as a callable, so that this
module knows no read model: every (day, house, partner) where either side has a figure and the two
differ is a disagreement, naming both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

from eventsourcing.utils import get_topic

from application.store import EventStore
from domain.payments.payment import Payment

_READ = (Payment.Initiated, Payment.RefundRequested, Payment.Captured, Payment.Refunded)
_TOPICS = tuple(get_topic(cls) for cls in _READ)
_BATCH = 1_000


@dataclass(frozen=True)
class Figures:
    """A partner's money at a house on one day, in whole millimes."""

    captures: int = 0
    captured_millimes: int = 0
    refunded_millimes: int = 0

    @property
    def net_millimes(self) -> int:
        """Captured less refunded."""
        return self.captured_millimes - self.refunded_millimes


@dataclass(frozen=True)
class MoneyLine:
    """One (day, house, partner) recomputed from the log; `refunds` counts those paid back."""

    business_date: date
    house_id: UUID
    partner_code: str
    figures: Figures
    refunds: int


@dataclass(frozen=True)
class Disagreement:
    """A (day, house, partner) where the log and the read model give different figures."""

    business_date: date
    house_id: UUID
    partner_code: str
    from_log: Figures
    read_model: Figures


@dataclass
class _Sums:
    captures: int = 0
    captured: int = 0
    refunds: int = 0
    refunded: int = 0


@dataclass(frozen=True)
class _Origin:
    house_id: UUID
    partner_code: str


def days(day_from: date, day_to: date) -> Iterator[date]:
    """Every day from `day_from` to `day_to`, both included."""
    day = day_from
    while day <= day_to:
        yield day
        day += timedelta(days=1)


class MoneyFromLog:
    """Replays the payment events of the log into per-day sums."""

    def __init__(self, store: EventStore) -> None:
        self._store = store

    def _payment_events(self) -> Iterator[object]:
        recorder, mapper = self._store.recorder, self._store.mapper
        start: int | None = None
        while True:
            found = recorder.select_notifications(
                start=start, limit=_BATCH, topics=_TOPICS, inclusive_of_start=start is None
            )
            for notification in found:
                yield mapper.to_domain_event(notification)
            if len(found) < _BATCH:
                return
            start = found[-1].id

    def report(
        self, day_from: date, day_to: date, house_id: UUID | None = None
    ) -> tuple[list[MoneyLine], set[UUID]]:
        """The lines of the period (by day, house, partner), and every house that took payments."""
        origins: dict[UUID, _Origin] = {}
        refunds: dict[tuple[UUID, str], int] = {}
        sums: dict[tuple[date, UUID, str], _Sums] = {}

        def line(payment: UUID, day: date) -> _Sums | None:
            origin = origins[payment]
            if not day_from <= day <= day_to:
                return None
            if house_id is not None and origin.house_id != house_id:
                return None
            return sums.setdefault((day, origin.house_id, origin.partner_code), _Sums())

        for event in self._payment_events():
            match event:
                case Payment.Initiated():
                    origins[event.originator_id] = _Origin(event.house_id, event.partner_code)
                case Payment.RefundRequested():
                    refunds[event.originator_id, event.refund_id] = event.amount_millimes
                case Payment.Captured():
                    found = line(event.originator_id, event.business_date)
                    if found is not None:
                        found.captures += 1
                        found.captured += event.amount_millimes
                case Payment.Refunded():
                    found = line(event.originator_id, event.business_date)
                    if found is not None:
                        found.refunds += 1
                        found.refunded += refunds[event.originator_id, event.refund_id]
                case _:  # pragma: no cover - only the topics asked for are read
                    pass
        lines = [
            MoneyLine(day, house, partner, Figures(s.captures, s.captured, s.refunded), s.refunds)
            for (day, house, partner), s in sorted(sums.items(), key=lambda kv: _order(kv[0]))
        ]
        houses = {o.house_id for o in origins.values()}
        return lines, houses if house_id is None else {house_id}


def _order(key: tuple[date, UUID, str]) -> tuple[date, str, str]:
    return key[0], str(key[1]), key[2]


def disagreements(
    lines: Iterable[MoneyLine],
    houses: Iterable[UUID],
    day_from: date,
    day_to: date,
    read_model: Callable[[UUID, date], Mapping[str, Figures]],
) -> list[Disagreement]:
    """Every (day, house, partner) of these houses and days where the two sides differ."""
    from_log: dict[tuple[date, UUID], dict[str, Figures]] = {}
    for x in lines:
        from_log.setdefault((x.business_date, x.house_id), {})[x.partner_code] = x.figures
    found: list[Disagreement] = []
    for day in days(day_from, day_to):
        for house in sorted(houses, key=str):
            read = read_model(house, day)
            logged = from_log.get((day, house), {})
            for partner in sorted(set(read) | set(logged)):
                mine, theirs = logged.get(partner, Figures()), read.get(partner, Figures())
                if mine != theirs:
                    found.append(Disagreement(day, house, partner, mine, theirs))
    return found
