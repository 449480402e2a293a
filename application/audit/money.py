"""Money recomputed from the log alone, and set against the payments read model.

Per partner, per house, per business day (the Tunis day each `Payment.Captured` and
`Payment.Refunded` event carries): the captures and the millimes captured, the refunds paid back
and their millimes, and captured less refunded. Only the payment events are read, through the event
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

from application.audit.replay import logged
from application.store import EventStore
from domain.payments.payment import Payment

_READ = (Payment.Initiated, Payment.RefundRequested, Payment.Captured, Payment.Refunded)
_TOPICS = tuple(get_topic(cls) for cls in _READ)


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

    def report(
        self, day_from: date, day_to: date, house_id: UUID | None = None, up_to: int | None = None
    ) -> tuple[list[MoneyLine], set[UUID]]:
        """The lines of the period (by day, house, partner), and every house that took payments.

        Only the events up to the position `up_to` (all, if None) are read.
        """
        tally = _Tally(day_from, day_to, house_id)
        for _, event in logged(self._store, _TOPICS, up_to):
            tally.add(event)
        lines = [
            MoneyLine(day, house, partner, Figures(s.captures, s.captured, s.refunded), s.refunds)
            for (day, house, partner), s in sorted(tally.sums.items(), key=lambda kv: _order(kv[0]))
        ]
        houses = {o.house_id for o in tally.origins.values()}
        return lines, houses if house_id is None else {house_id}


class _Tally:
    """The sums of one period, as the payment events arrive in log order."""

    def __init__(self, day_from: date, day_to: date, house_id: UUID | None) -> None:
        self._from, self._to, self._house = day_from, day_to, house_id
        self.origins: dict[UUID, _Origin] = {}
        self.sums: dict[tuple[date, UUID, str], _Sums] = {}
        self._refunds: dict[tuple[UUID, str], int] = {}

    def add(self, event: object) -> None:
        """One payment event: who it is for, a refund's amount, a capture, a refund paid back."""
        match event:
            case Payment.Initiated():
                self.origins[event.originator_id] = _Origin(event.house_id, event.partner_code)
            case Payment.RefundRequested():
                self._refunds[event.originator_id, event.refund_id] = event.amount_millimes
            case Payment.Captured():
                found = self._line(event.originator_id, event.business_date)
                if found is not None:
                    found.captures += 1
                    found.captured += event.amount_millimes
            case Payment.Refunded():
                found = self._line(event.originator_id, event.business_date)
                if found is not None:
                    found.refunds += 1
                    found.refunded += self._refunds[event.originator_id, event.refund_id]
            case _:  # pragma: no cover - only the topics asked for are read
                pass

    def _line(self, payment: UUID, day: date) -> _Sums | None:
        """The sums the payment's event adds to, if in the period (and the house asked)."""
        origin = self.origins[payment]
        if not self._from <= day <= self._to:
            return None
        if self._house is not None and origin.house_id != self._house:
            return None
        return self.sums.setdefault((day, origin.house_id, origin.partner_code), _Sums())


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
