"""Commands at 1, 4 and 16 clients on PostgreSQL, against raw INSERT+COMMIT in the same run.

`python -m bench.command_clients [--quick]` starts a throwaway PostgreSQL (fsync on,
synchronous_commit on) and measures, for each client count, one after the other:

- `pg_command_raw_insert`: plain psycopg, BEGIN; one-row INSERT into a table shaped like Dar's
  events; COMMIT; each client a thread with its own connection (the baseline);
- `pg_command_minimal`: a minimal command through Dar's command runner and event store: one new
  aggregate (a partner), one event, its command key (no read before the save);
- `pg_command_lodge_request`: `lodgeRequest` through the counter's application service (the house,
  queue, agent, counter room, citizen and catalogue read; the policy check and its declared
  reads; the visit and the new request saved). Each client serves its own counter: it lodges on
  its ticket's visit, and every `LODGES_PER_VISIT` lodges ends the visit and calls a new ticket
  (those steps are not timed, but they take the client's time: the rate understates lodgeRequest).
  The counters' visits end at different lodgings: ended all at once, sixteen agents would call on
  the one line together and race for its queue (a ticket rotation then took seconds, and once
  timed with the lodging it was the whole of lodgeRequest's p99: docs/group-commit.md);
- `pg_command_minimal_single` (unless `--no-single`): the minimal command with group commit off
  (one transaction per append), to show what group commit changes.

Each figure is the median of its repetitions: commands per second, and the p50 and p99 latency of
one command (ms, each repetition's percentile over all its commands). The figures take turns within
each repetition (raw, minimal, minimal without group commit, lodgeRequest, then again), so that a
ratio compares runs seconds apart on a machine whose load drifts. Dar is bootstrapped without
the in-process projector (in production the projection worker runs apart), its pool as large as
the clients. Rows are merged into `bench/results.json` (`bench.report.merge_json`).
"""

from __future__ import annotations

import argparse
import functools
import itertools
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Protocol
from uuid import UUID, uuid4

from api.bootstrap import Dar, bootstrap
from api.cli import prepare
from api.demo import HOUSE
from application.commands import Command
from application.counter.commands import CallNextTicket, EndVisit, IssueTicket, LodgeRequest
from application.houses.commands import AccreditAgent, AddCounter, EnrollAgent, OpenCounter
from application.partners.service import PartnerChanged
from application.store import Decision
from bench.raw import PgInsertClient, reset_pg_table
from bench.report import merge_json, print_rows
from bench.run import RAW_DATABASE, _raw_database, _server_version
from bench.stats import Measurement, Row
from domain.partners.partner import Partner, PartnerNames
from domain.shared.acts import Act
from domain.shared.errors import DarError
from domain.shared.time import TUNIS
from tests.support.load_day import HouseDay, Loads, MovableClock
from tests.support.postgres import start_postgres
from tests.support.stores import PostgresDatabases

BENCH_DIR = Path(__file__).resolve().parent
TX_PER_S, MS = "tx/s", "ms"
ACTOR = "bench"
NAME_AR = "شريك"
LODGES_PER_VISIT = 20
DAY = date(2026, 1, 6)  # a Tuesday, a business day at Haidra
EXPIRES = date(2030, 12, 31)
PARTNER, SERVICE = "STEG", "BILL_PAYMENT"

__all__ = ["RAW_DATABASE", "main"]


class Step(Protocol):
    """One client: `step()` runs one measured operation, `ready()` what must come before it."""

    def ready(self) -> None:
        """Untimed housekeeping before the next operation (it still takes the client's time)."""
        ...

    def step(self) -> None:
        """One operation."""
        ...

    def close(self) -> None:
        """Release what it holds."""
        ...


@dataclass(frozen=True)
class Sample:
    """One repetition: operations per second and each operation's latency (seconds)."""

    rate: float
    latencies: tuple[float, ...]

    def percentile(self, p: float) -> float:
        """The p-th percentile latency in ms (nearest rank)."""
        ordered = sorted(self.latencies)
        index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))
        return ordered[index] * 1000


def _run_once(clients: Sequence[Step], duration: float) -> Sample:
    started: list[float] = []
    barrier = threading.Barrier(
        len(clients), action=lambda: started.append(time.perf_counter()), timeout=60
    )

    def work(client: Step) -> tuple[list[float], float]:
        barrier.wait()
        deadline = started[0] + duration
        timings: list[float] = []
        while time.perf_counter() < deadline:
            client.ready()
            begun = time.perf_counter()
            client.step()
            timings.append(time.perf_counter() - begun)
        return timings, time.perf_counter()

    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        results = [f.result() for f in [pool.submit(work, c) for c in clients]]
    latencies = tuple(t for timings, _ in results for t in timings)
    elapsed = max(end for _, end in results) - started[0]
    return Sample(rate=len(latencies) / elapsed, latencies=latencies)


def measure_interleaved(
    figures: dict[str, Callable[[int], Step]],
    clients: int,
    duration: float,
    repetitions: int,
    warmup: float,
) -> dict[str, list[Sample]]:
    """Each figure's samples, the figures taking turns within each repetition.

    Every figure gets `clients` clients and a discarded warm-up; then each repetition runs every
    figure once, one after the other, so that each ratio compares runs a few seconds apart (the
    machine is shared: its load drifts over minutes).
    """
    pools = {name: [make(i) for i in range(clients)] for name, make in figures.items()}
    samples: dict[str, list[Sample]] = {name: [] for name in figures}
    try:
        for pool in pools.values():
            if warmup > 0:
                _run_once(pool, warmup)
        for _ in range(repetitions):
            for name, pool in pools.items():
                samples[name].append(_run_once(pool, duration))
    finally:
        for pool in pools.values():
            for client in pool:
                client.close()
    return samples


class MinimalCommand:
    """One new partner, one event, its command key, through the command runner."""

    def __init__(self, dar: Dar, client: int) -> None:
        self._dar = dar
        self._client = client
        self._numbers = itertools.count(1)
        self._names = PartnerNames(NAME_AR, "Partenaire")

    def ready(self) -> None:
        """Nothing comes before a minimal command."""

    def step(self) -> None:
        """Run one minimal command."""
        code = f"M{self._client}_{next(self._numbers)}"

        def decide(act: Act) -> Decision[PartnerChanged]:
            partner = Partner.register(code, self._names, act)
            return Decision(aggregates=[partner], value=PartnerChanged(partner.id))

        outcome = self._dar.runner.run(
            Command(command_id=str(uuid4()), actor=ACTOR), decide, returns=PartnerChanged
        )
        if outcome.replayed:  # pragma: no cover - every command is new
            msg = "the benchmark's commands are all new"
            raise RuntimeError(msg)

    def close(self) -> None:
        """Nothing to release: the Dar instance is shared and closed by its owner."""


class BenchClock:
    """The server clock of the run: 09:00 at Haidra on `DAY`, a millisecond later per reading."""

    def __init__(self) -> None:
        self._now = datetime.combine(DAY, clock_time(9, 0), TUNIS).astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """The time, always later than the previous reading."""
        with self._lock:
            self._now += timedelta(milliseconds=1)
            return self._now


def agent_of(counter: int) -> str:
    """The employee number of the agent serving `counter` (A17 and A18 are the demo's)."""
    return f"A{16 + counter}"


def ready_house(dar: Dar, counters: int) -> list[UUID]:
    """Haidra with `counters` counters open, each with its accredited agent; the citizens."""
    house_day = HouseDay(dar, MovableClock(), Loads())  # its clock moves only in `run`
    house_day.prepare()  # A18 enrolled and accredited, the returning citizens registered
    houses = dar.houses
    for counter in range(3, counters + 1):
        agent = agent_of(counter)
        houses.add_counter(AddCounter(f"bench-counter-{counter}", ACTOR, HOUSE, counter, "G"))
        houses.enroll_agent(EnrollAgent(f"bench-enrol-{agent}", ACTOR, agent, HOUSE, agent))
        houses.accredit_agent(
            AccreditAgent(f"bench-accredit-{agent}", ACTOR, agent, PARTNER, EXPIRES)
        )
    for counter in range(1, counters + 1):
        agent = agent_of(counter)
        houses.open_counter(
            OpenCounter(f"bench-open-{counter}", f"agent:{agent}", HOUSE, counter, agent)
        )
    return list(house_day._citizens)  # noqa: SLF001 - the citizens it registered


class LodgeClient:
    """Lodges requests at its own counter on its ticket's visit (see the module)."""

    def __init__(self, dar: Dar, counter: int, citizens: Sequence[UUID]) -> None:
        self._dar = dar
        self._counter = counter
        self._agent = agent_of(counter)
        self._citizens = itertools.cycle(citizens)
        self._keys = itertools.count(1)
        # The counters' visits end at different lodgings, as agents' do: started in step, all
        # of them would end their visits and call their next tickets on the one line at once.
        self._lodged = (counter * 7) % LODGES_PER_VISIT
        self._label = self._next_ticket()

    def _key(self) -> str:
        return f"bench-{self._counter}-{next(self._keys)}"

    def close(self) -> None:
        """Nothing to release: the Dar instance is shared and closed by its owner."""

    def _retry(self, command: Callable[[], object]) -> object:
        for _ in range(50):
            try:
                return command()
            except DarError:  # a conflict on the shared queue, or no ticket waiting yet
                continue
        msg = "a housekeeping step of the lodge benchmark kept failing"
        raise RuntimeError(msg)

    def _next_ticket(self) -> str:
        actor = f"agent:{self._agent}"
        while True:
            self._retry(
                lambda: self._dar.counter.issue_ticket(
                    IssueTicket(self._key(), "kiosk:haidra", HOUSE, "A")
                )
            )
            try:
                called = self._dar.counter.call_next(
                    CallNextTicket(self._key(), actor, HOUSE, self._counter, self._agent)
                )
            except DarError:
                continue  # another client took the ticket first: issue another
            return str(called.values["ticket"])

    def ready(self) -> None:
        """After `LODGES_PER_VISIT` lodgings, end the visit and call a new ticket."""
        if self._lodged >= LODGES_PER_VISIT:
            label = self._label
            self._retry(
                lambda: self._dar.counter.end_visit(
                    EndVisit(self._key(), f"agent:{self._agent}", HOUSE, label)
                )
            )
            self._label = self._next_ticket()
            self._lodged = 0

    def step(self) -> None:
        """Lodge one request on the ticket's visit."""
        self._dar.requests.lodge(
            LodgeRequest(
                command_id=self._key(),
                actor=f"agent:{self._agent}",
                house_code=HOUSE,
                label=self._label,
                employee_number=self._agent,
                citizen_id=next(self._citizens),
                partner_code=PARTNER,
                service_code=SERVICE,
                documents=(),
            )
        )
        self._lodged += 1


@dataclass(frozen=True)
class Options:
    """How long and how often to measure."""

    duration: float
    warmup: float
    repetitions: int
    clients: tuple[int, ...]
    single: bool
    out_dir: Path


def parse_args(argv: Sequence[str]) -> Options:
    """The options; `--quick` shortens every default."""
    parser = argparse.ArgumentParser(prog="python -m bench.command_clients", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="0.5 s x 3 runs")
    parser.add_argument("--duration", type=float, help="seconds per run (default 2.0)")
    parser.add_argument("--warmup", type=float, help="discarded warm-up seconds (default 0.5)")
    parser.add_argument("--repetitions", type=int, help="runs per figure (default 5)")
    parser.add_argument("--clients", default="1,4,16", help="client counts (default 1,4,16)")
    parser.add_argument("--no-single", action="store_true", help="skip group commit off")
    parser.add_argument("--out-dir", type=Path, default=BENCH_DIR)
    args = parser.parse_args(argv)
    quick = bool(args.quick)
    return Options(
        duration=args.duration or (0.5 if quick else 2.0),
        warmup=args.warmup if args.warmup is not None else (0.2 if quick else 0.5),
        repetitions=args.repetitions or (3 if quick else 5),
        clients=tuple(int(c) for c in str(args.clients).split(",")),
        single=not args.no_single,
        out_dir=Path(args.out_dir),
    )


def rows_of(name: str, clients: int, samples: list[Sample], raw: list[Sample] | None) -> list[Row]:
    """Throughput, p50 and p99 rows of one figure (a baseline when `raw` is None)."""
    figures: list[tuple[str, str, Callable[[Sample], float]]] = [
        (name, TX_PER_S, lambda s: s.rate),
        (f"{name}_p50", MS, lambda s: s.percentile(50)),
        (f"{name}_p99", MS, lambda s: s.percentile(99)),
    ]
    rows: list[Row] = []
    for (label, unit, of), base in zip(figures, _baselines(raw), strict=True):
        m = Measurement(label, clients, unit, tuple(round(of(s), 3) for s in samples))
        rows.append(Row.of_baseline(m) if base is None else Row(m, base))
    return rows


def _baselines(raw: list[Sample] | None) -> list[Measurement | None]:
    if raw is None:
        return [None, None, None]
    return [
        Measurement("raw", 0, TX_PER_S, tuple(s.rate for s in raw)),
        Measurement("raw_p50", 0, MS, tuple(s.percentile(50) for s in raw)),
        Measurement("raw_p99", 0, MS, tuple(s.percentile(99) for s in raw)),
    ]


def at_clients(raw_url: str, databases: PostgresDatabases, clients: int, o: Options) -> list[Row]:
    """Raw, minimal, lodgeRequest (and minimal without group commit) at `clients` clients."""
    reset_pg_table(raw_url)
    opened: list[Dar] = []

    def open_dar(*, group: bool, demo: bool = False) -> Dar:
        pool = max(clients, 2)
        update = {"postgres_pool_size": pool, "postgres_group_commit": group}
        settings = databases.create().model_copy(update=update)
        if demo:
            prepare(settings, demo=True)
        opened.append(bootstrap(settings, BenchClock(), projector=False))
        return opened[-1]

    try:
        figures: dict[str, Callable[[int], Step]] = {
            "pg_command_raw_insert": lambda _: PgInsertClient(raw_url),
            "pg_command_minimal": functools.partial(MinimalCommand, open_dar(group=True)),
        }
        if o.single:
            single = open_dar(group=False)
            figures["pg_command_minimal_single"] = functools.partial(MinimalCommand, single)
        lodging = open_dar(group=True, demo=True)
        citizens = ready_house(lodging, max(clients, 2))
        figures["pg_command_lodge_request"] = lambda i: LodgeClient(lodging, i + 1, citizens)
        samples = measure_interleaved(figures, clients, o.duration, o.repetitions, o.warmup)
    finally:
        for dar in opened:
            dar.close()
    raw = samples.pop("pg_command_raw_insert")
    rows = rows_of("pg_command_raw_insert", clients, raw, None)
    for name, measured in samples.items():
        rows += rows_of(name, clients, measured, raw)
    print_rows(rows, decimals=2)
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    """Run every figure on one throwaway server; print and merge the rows."""
    o = parse_args(list(sys.argv[1:] if argv is None else argv))
    server = start_postgres(fsync=True)
    try:
        print(f"PostgreSQL {_server_version(server)}, fsync on", flush=True)
        raw_url = _raw_database(server)
        databases = PostgresDatabases(server)
        rows: list[Row] = []
        for clients in o.clients:
            print(f"{clients} client(s)", flush=True)
            rows += at_clients(raw_url, databases, clients, o)
    finally:
        server.stop()
    print()
    print_rows(rows, decimals=2)
    merge_json(rows, o.out_dir / "results.json")
    print(f"\nmerged {len(rows)} rows into {o.out_dir / 'results.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
