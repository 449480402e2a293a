"""Events replayed to load a long-lived aggregate, without and with snapshots: counted, not timed.

`python -m bench.snapshot_replay [--days 250] [--months 36] [--database-url sqlite:///var/bench-snapshots.sqlite]`

Builds, one command (one save) per event as the services do: a house whose two counters open and
close every business day, a grant amended every month, an agent accredited every month, and one
busy line's queue on one day (999 tickets issued, called and served). Then loads each through the
store's repository with snapshots off and on, counting the events the recorder returns.
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from application.store import EventStore
from domain.counter.queue import MAX_TICKETS_PER_DAY, Queue
from domain.delegation.grant import CollectionTerms, Convention, DelegationGrant, Validity
from domain.houses.agent import Agent
from domain.houses.house import House, HouseNames
from domain.shared.acts import Act
from infrastructure.eventstore.factory import store_environment
from infrastructure.settings import Settings

AGENTS = (uuid4(), uuid4())
START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


class Builder:
    """Saves each act as its own command, as the application services do."""

    def __init__(self, store: EventStore) -> None:
        self.store = store
        self.n = 0

    def act(self, at: datetime) -> Act:
        """The circumstances of the next act."""
        self.n += 1
        return Act(actor="bench", command_id=f"b{self.n}", at=at)

    def each(self, aggregate: Aggregate, times: int, step: Callable[[int], None]) -> None:
        """Save the aggregate, then run `step` that many times, saving after each."""
        self.store.save(aggregate)
        for i in range(times):
            step(i)
            self.store.save(aggregate)


def build_house(b: Builder, days: int) -> UUID:
    """A house changed every day (a local holiday each): longer than any real house's identity.

    Its counters' daily opening lives in the day's counter room since streams were bounded by
    the day; a house stream from before that change grows like this one.
    """
    house = House.register(
        code="bench-house",
        names=HouseNames("دار الخدمات", "Maison"),
        municipality="Haidra",
        governorate="Kasserine",
        act=b.act(START),
    )
    for number in (1, 2):
        house.add_counter(number, f"Guichet {number}", b.act(START))

    def day(i: int) -> None:
        at = START + timedelta(days=i)
        house.add_local_holiday(at.date(), f"Jour {i}", b.act(at))

    b.each(house, days, day)
    return house.id


def build_grant(b: Builder, months: int) -> UUID:
    """A grant amended every month."""
    grant = DelegationGrant.grant(
        grant_id=uuid4(),
        partner_id=uuid4(),
        house_id=uuid4(),
        convention=Convention("CONV-1", "1", date(2025, 12, 1)),
        services=frozenset({"BILL_PAYMENT"}),
        validity=Validity(START.date(), START.date() + timedelta(days=3650)),
        collection=CollectionTerms(allowed=True, ceiling_millimes=500_000),
        act=b.act(START),
    )

    def month(i: int) -> None:
        change = frozenset({"DUPLICATE"})
        added, removed = (change, frozenset()) if i % 2 == 0 else (frozenset(), change)
        grant.amend(added, removed, b.act(START + timedelta(days=30 * i)))

    b.each(grant, months, month)
    return grant.id


def build_agent(b: Builder, months: int) -> UUID:
    """An agent accredited anew every month."""
    agent = Agent.enroll(
        employee_number="BENCH-1", house_id=uuid4(), display_name="Agent", act=b.act(START)
    )
    partner = uuid4()

    def month(i: int) -> None:
        at = START + timedelta(days=30 * i)
        agent.accredit(partner, at.date() + timedelta(days=31), b.act(at))

    b.each(agent, months, month)
    return agent.id


def build_queue(b: Builder) -> UUID:
    """One line's day: 999 tickets issued, called and served."""
    queue = Queue.open(uuid4(), "A", START.date(), b.act(START))

    def ticket(i: int) -> None:
        at = START + timedelta(seconds=20 * i)
        label = queue.issue(None, b.act(at))
        b.store.save(queue)
        queue.call_ticket(label, 1 + i % 2, AGENTS[i % 2], b.act(at))
        b.store.save(queue)
        queue.end_visit(label, b.act(at))

    b.each(queue, MAX_TICKETS_PER_DAY, ticket)
    return queue.id


def replayed(store: EventStore, aggregate_id: UUID) -> int:
    """Events the recorder returns for one load of the aggregate."""
    counts: list[int] = []
    recorder: Any = store.recorder
    original = recorder.select_events

    def counting(originator_id: UUID, **kwargs: Any) -> Sequence[object]:  # noqa: ANN401
        found: Sequence[object] = original(originator_id, **kwargs)
        counts.append(len(found))
        return found

    recorder.select_events = counting
    try:
        store.repository.get(aggregate_id)
    finally:
        del recorder.select_events
    return sum(counts)


def main(argv: Sequence[str] | None = None) -> int:
    """Build the streams, then print the events replayed per load, without and with snapshots."""
    parser = argparse.ArgumentParser(prog="python -m bench.snapshot_replay", description=__doc__)
    parser.add_argument("--days", type=int, default=250)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'snapshots.sqlite'}"
        env = store_environment(Settings(database_url=url))
        with_snapshots = EventStore(env=env)
        without = EventStore(env={**env, "IS_SNAPSHOTTING_ENABLED": "n"})
        b = Builder(with_snapshots)
        months = args.months
        streams = {
            f"house, {args.days} days, 2 counters": build_house(b, args.days),
            f"grant, amended monthly for {months} months": build_grant(b, months),
            f"agent, accredited monthly for {months} months": build_agent(b, months),
            f"queue, {MAX_TICKETS_PER_DAY} tickets in one day": build_queue(b),
        }
        print(f"{'stream':48} {'without':>8} {'with':>6}")
        for name, aggregate_id in streams.items():
            before, after = replayed(without, aggregate_id), replayed(with_snapshots, aggregate_id)
            print(f"{name:48} {before:>8} {after:>6}")
        with_snapshots.close()
        without.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
