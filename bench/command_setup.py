"""The commands `bench.command_profile` measures, the library's path it compares with, raw costs."""

from __future__ import annotations

import functools
import itertools
import time
from datetime import date
from datetime import time as time_of_day
from typing import Any
from uuid import uuid4

import psycopg
from eventsourcing.application import Application, project_aggregate
from eventsourcing.persistence import JSONTranscoder, Mapper

from api.bootstrap import Dar, bootstrap
from api.cli import prepare
from api.demo import HOUSE
from application.counter.commands import CallNextTicket, EndVisit, IssueTicket, LodgeRequest
from application.houses.commands import OpenCounter
from application.partners.commands import RegisterPartner
from bench.raw import PG_CREATE, PG_DROP, PG_INSERT, STATE, TOPIC
from bench.stages import StageTimes
from infrastructure.settings import Settings
from tests.support.load_day import HouseDay, Loads, MovableClock, business_days

# Each lodging is on a ticket of its own; lines alternate. A business day has LODGINGS_A_DAY of
# them at this counter (a day's queue, and so its snapshot, grows as on a busy day, no further).
LINES = (("A", "STEG", "BILL_PAYMENT"), ("B", "CNAM", "ENTITLEMENT_ATTESTATION"))
COUNTER, AGENT = 1, "A17"
LODGINGS_A_DAY = 60


class PartnerLoop:
    """`RegisterPartner` of a new partner per step: the minimal command."""

    def __init__(self, dar: Dar) -> None:
        self._dar = dar
        self._numbers = itertools.count(1)

    def _command(self) -> RegisterPartner:
        n = next(self._numbers)
        return RegisterPartner(str(uuid4()), "bench", f"P{n}", "شريك", f"Partenaire {n}")

    def step(self) -> tuple[float, float]:
        """One command; its wall-clock and CPU seconds."""
        command = self._command()
        started, used = time.perf_counter(), time.thread_time()
        self._dar.partners.register_partner(command)
        return time.perf_counter() - started, time.thread_time() - used

    def timed_step(self, times: StageTimes) -> None:
        """One command, its stages timed."""
        command = self._command()
        with times.command():
            self._dar.partners.register_partner(command)

    def warm_up(self, commands: int) -> None:
        """Commands whose time is not counted (connections, caches)."""
        for _ in range(commands):
            self.step()


class LodgeLoop:
    """A ticket issued and called at counter 1, a request lodged on it (timed), the visit ended."""

    def __init__(self, dar: Dar, day: HouseDay, clock: MovableClock) -> None:
        self._dar = dar
        self._day = day
        self._clock = clock
        self._keys = itertools.count(1)
        self._lines = itertools.cycle(LINES)
        self._days = iter(business_days(date(2026, 1, 5), 10_000))
        self._lodged = 0

    @classmethod
    def open(cls, settings: Settings) -> tuple[Dar, LodgeLoop]:
        """The demo house, its returning citizens, counter 1 opened by A17."""
        prepare(settings, demo=True)
        clock = MovableClock()
        dar = bootstrap(settings, clock, projector=False)
        day = HouseDay(dar, clock, Loads())
        day.prepare()
        loop = cls(dar, day, clock)
        loop._next_day()
        return dar, loop

    def _next_day(self) -> None:
        """The next business day's morning: counter 1 opened by A17."""
        self._clock.at(next(self._days), time_of_day(7, 45))
        opening = OpenCounter(self._key(), f"agent:{AGENT}", HOUSE, COUNTER, AGENT)
        self._dar.houses.open_counter(opening)

    def _key(self) -> str:
        return f"profile-{next(self._keys)}"

    def _lodging(self) -> tuple[LodgeRequest, str]:
        if self._lodged == LODGINGS_A_DAY:
            self._lodged = 0
            self._next_day()
        self._lodged += 1
        prefix, partner, service = next(self._lines)
        counter = self._dar.counter
        counter.issue_ticket(IssueTicket(self._key(), "kiosk:haidra", HOUSE, prefix))
        call = CallNextTicket(self._key(), f"agent:{AGENT}", HOUSE, COUNTER, AGENT, (prefix,))
        label = counter.call_next(call).values["ticket"]
        citizens = self._day._citizens  # noqa: SLF001 - the returning citizens it registered
        lodge = LodgeRequest(
            command_id=self._key(),
            actor=f"agent:{AGENT}",
            house_code=HOUSE,
            label=label,
            employee_number=AGENT,
            citizen_id=citizens[next(self._keys) % len(citizens)],
            partner_code=partner,
            service_code=service,
            documents=(),
        )
        return lodge, label

    def _end(self, label: str) -> None:
        end = EndVisit(self._key(), f"agent:{AGENT}", HOUSE, label)
        self._dar.counter.end_visit(end)

    def step(self) -> tuple[float, float]:
        """One lodging; its wall-clock and CPU seconds (not the ticket's other commands')."""
        lodge, label = self._lodging()
        started, used = time.perf_counter(), time.thread_time()
        self._dar.requests.lodge(lodge)
        spent = time.perf_counter() - started, time.thread_time() - used
        self._end(label)
        return spent

    def timed_step(self, times: StageTimes) -> None:
        """One lodging, its stages timed."""
        lodge, label = self._lodging()
        with times.command():
            self._dar.requests.lodge(lodge)
        self._end(label)

    def warm_up(self, commands: int) -> None:
        """Lodgings whose time is not counted."""
        for _ in range(commands):
            self.step()


def library_path(dar: Dar) -> None:
    """The library's transcoder, save and replay, and a snapshot looked for at every load.

    What Dar ran before, in place of its own path.
    """
    store = dar.store
    transcoder = JSONTranscoder()
    store.register_transcodings(transcoder)
    store.mapper = Mapper(transcoder)  # the library's mapper, as before Dar's
    store.events.mapper = store.mapper
    if store.snapshots is not None:
        store.snapshots.mapper = store.mapper
    store.save = functools.partial(Application.save, store)  # type: ignore[method-assign]
    repository: Any = store.repository
    repository.get = functools.partial(repository.get, projector_func=_library_replay)
    repository.get_of = lambda aggregate_id, _: repository.get(aggregate_id)  # snapshot looked for


def _library_replay(aggregate: Any, events: Any) -> Any:  # noqa: ANN401 - the library's
    """The library's `project_aggregate` itself (Dar's repository replaces only that one)."""
    return project_aggregate(aggregate, events)


def raw_pg_micros(url: str, commands: int, runs: int) -> tuple[tuple[float, ...], ...]:
    """µs of a raw single-row INSERT+COMMIT, and of a raw one-row SELECT, on the same server."""
    with psycopg.connect(url) as conn:
        conn.execute(PG_DROP)
        conn.execute(PG_CREATE)
        conn.commit()
        inserts, selects = [], []
        for _ in range(runs):
            started = time.perf_counter()
            for _ in range(commands):
                conn.execute(PG_INSERT, (uuid4(), 1, TOPIC, STATE))
                conn.commit()
            inserts.append(1e6 * (time.perf_counter() - started) / commands)
            started = time.perf_counter()
            for _ in range(commands):
                conn.execute("SELECT state FROM raw_events LIMIT 1").fetchone()
            selects.append(1e6 * (time.perf_counter() - started) / commands)
        conn.rollback()
    return tuple(inserts), tuple(selects)
