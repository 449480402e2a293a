"""Governance statistics on PostgreSQL: query latency, and rebuild rate against a raw read.

`python -m bench.statistics [--houses 34] [--days 20] [--tickets 60] [--runs 3] [--queries 200]`

The log: `houses` houses in the 24 governorates (municipalities of their own), each with its
grants, then `days` business days at each through the domain's aggregates (the simulator will
feed it later): tickets on two lines arriving with a morning peak, called, served, some absent
then recalled, some walking away; contacts; requests done on the spot or forwarded and decided
days later; cash and card payments, a few refunded. Saved house-day by house-day.

Measured in one run on the suite's throwaway PostgreSQL (fsync on):
- the raw read rate: a plain psycopg keyset read of the events table (`pg_statistics_raw_read`);
- the statistics rebuilt from zero alone (`pg_statistics_rebuild`, ratio to the raw read;
  target >= 0.3);
- the statistics report (`StatisticsReport.figures`, as `serviceStatistics` and `dar stats
  export` run it: an area's days read as the writer kept them, weeks and months merged from the
  cells) for nation / governorate / municipality / house by day, week and month over the whole
  period, p50 and p99 in ms, in a process whose heap is frozen first as the server's is
  (`gc.freeze()` once started, api/http.py)
  (`pg_statistics_query_p50`, `pg_statistics_query_p99`; target p99 <= 50 ms), against a plain
  read of the same cells' rows (`pg_statistics_cells_read_p50` / `_p99`).
Rows are merged into bench/results.json.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import math
import random
import statistics as stats
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any
from uuid import uuid4

import psycopg
from psycopg import sql

from api.bootstrap import Dar, bootstrap
from bench.projection_rebuild import pg_raw_read, rate, rebuild_all
from bench.report import merge_json, print_rows
from bench.stats import Measurement, Row
from domain.counter.queue import Queue, visit_id
from domain.counter.request import CitizenRequest, Reliance
from domain.counter.visit import Visit
from domain.delegation.grant import CollectionTerms, Convention, DelegationGrant, Validity
from domain.houses.calendar import BusinessCalendar
from domain.houses.house import House, HouseNames
from domain.partners.partner import Partner, PartnerNames, partner_id
from domain.payments.payment import Method, Origin, Payment, Reported
from domain.shared.acts import Act
from domain.shared.errors import DarError
from domain.shared.money import Money
from domain.shared.time import TUNIS
from infrastructure.eventstore.pg_setup import read_schema
from infrastructure.readmodels.statistics import LINE_DAYS
from infrastructure.reference.places import business_calendar, governorates
from infrastructure.settings import Settings
from infrastructure.statistics_report import StatisticsFilter, StatisticsReport
from projections.statistics.figures import GroupBy, Period
from tests.support.clock import TestClock
from tests.support.load_day import business_days
from tests.support.postgres import start_postgres
from tests.support.stores import PostgresDatabases

BENCH_DIR = Path(__file__).resolve().parent
FIRST_DAY = date(2026, 2, 2)
PARTNERS = {"STEG": ("BILL_PAYMENT", "NEW_CONNECTION"), "CNAM": ("ATTESTATION", "REIMBURSEMENT")}
HOUR_WEIGHTS = {8: 5, 9: 8, 10: 7, 11: 5, 12: 3, 13: 3, 14: 4, 15: 3, 16: 1}
RELIANCE = Reliance(grant_id=uuid4(), grant_version=1, agent_id=uuid4(), agent_version=1)
_keys = itertools.count(1)


def act(at: datetime, actor: str = "agent:bench") -> Act:
    """An act of the bench's history under a fresh command id."""
    return Act(actor=actor, command_id=f"b{next(_keys)}", at=at)


def tunis(day: date, hour: int, minute: float) -> datetime:
    """`hour` o'clock plus `minute` minutes of `day` in Tunis, as UTC."""
    moment = datetime.combine(day, clock_time(hour), TUNIS) + timedelta(minutes=minute)
    return moment.astimezone(UTC)


class HouseHistory:
    """One house's business days, recorded through its aggregates, saved day by day."""

    def __init__(self, dar: Dar, number: int, rng: random.Random) -> None:
        self.dar, self.rng = dar, rng
        governorate = governorates()[number % len(governorates())]
        start = tunis(FIRST_DAY - timedelta(days=3), 8, 0)
        self.house = House.register(
            code=f"h{number:03d}",
            names=HouseNames(f"دار الخدمات {number}", f"Maison {number}"),
            municipality=f"Commune {number}",
            governorate=governorate.code,
            act=act(start, "admin:bench"),
        )
        grants = [
            DelegationGrant.grant(
                grant_id=uuid4(),
                partner_id=partner_id(code),
                house_id=self.house.id,
                convention=Convention(f"CONV-{code}", "1", date(2026, 1, 1)),
                services=frozenset(services),
                validity=Validity(date(2026, 1, 1), date(2030, 12, 31)),
                collection=CollectionTerms(allowed=True, ceiling_millimes=1_000_000),
                act=act(start, "admin:bench"),
            )
            for code, services in PARTNERS.items()
        ]
        dar.store.save(self.house, *grants)
        self.open_files: list[tuple[date, CitizenRequest]] = []

    def day(self, day: date, tickets: int) -> int:
        """The house's business day; the events saved."""
        changed: list[object] = []
        for prefix in ("A", "B"):
            changed.extend(self._line(day, prefix, tickets // 2))
        changed.extend(self._decisions(day))
        saved = self.dar.store.save(*changed)  # type: ignore[arg-type]
        return len(saved)

    def _line(self, day: date, prefix: str, tickets: int) -> list[object]:
        rng = self.rng
        queue = Queue.open(self.house.id, prefix, day, act(tunis(day, 8, 0), "kiosk:bench"))
        hours = rng.choices(list(HOUR_WEIGHTS), weights=list(HOUR_WEIGHTS.values()), k=tickets)
        changed: list[object] = [queue]
        for n, hour in enumerate(sorted(hours)):
            issued = tunis(day, hour, rng.uniform(0, 59))
            label = queue.issue(None, act(issued, "kiosk:bench"))
            called = issued + timedelta(minutes=rng.expovariate(1 / 18))
            if rng.random() < 0.04:  # gone before being called
                queue.walk_away(label, act(called))
                continue
            queue.call_ticket(label, 1 + n % 3, RELIANCE.agent_id, act(called))
            if rng.random() < 0.05:  # absent, recalled later
                queue.mark_no_show(label, act(called))
                queue.recycle(label, act(called))
                called += timedelta(minutes=10)
                queue.call_ticket(label, 1 + n % 3, RELIANCE.agent_id, act(called))
            ended = called + timedelta(minutes=rng.lognormvariate(1.8, 0.5))
            changed.extend(self._served(day, label, ended - timedelta(seconds=30)))
            queue.end_visit(label, act(ended))
        return changed

    def _served(self, day: date, label: str, at: datetime) -> list[object]:
        rng = self.rng
        visit = Visit.open(visit_id(self.house.id, day, label), self.house.id, day, label, act(at))
        partner = rng.choice(list(PARTNERS))
        if rng.random() < 0.3:
            kind = "redirection" if rng.random() < 0.3 else "information"
            visit.record_contact(kind, partner, "how to", act(at))
            return [visit]
        service = rng.choice(PARTNERS[partner])
        forwarded = service in {"NEW_CONNECTION", "REIMBURSEMENT"}
        request = CitizenRequest.lodge(
            request_id=uuid4(),
            house_id=self.house.id,
            visit_id=visit.id,
            citizen_id=uuid4(),
            citizen_present=True,
            service=(partner, service, "forwarded" if forwarded else "immediate"),
            documents=(),
            receipt=f"{self.house.code}-{next(_keys)}",
            due_on=day + timedelta(days=14) if forwarded else None,
            reliance=RELIANCE,
            act=act(at),
        )
        changed: list[object] = [visit, request]
        if forwarded:
            request.forward(act(at))
            self.open_files.append((day + timedelta(days=rng.randint(1, 12)), request))
            return changed
        request.complete(act(at))
        if service == "BILL_PAYMENT":
            changed.append(self._payment(request, partner, service, at))
        return changed

    def _payment(
        self, request: CitizenRequest, partner: str, service: str, at: datetime
    ) -> Payment:
        rng = self.rng
        origin = Origin(
            request.id, self.house.id, self.house.code, uuid4(), partner, service, None, RELIANCE
        )
        card = rng.random() < 0.3
        payment = Payment.initiate(
            payment_id=uuid4(),
            origin=origin,
            method=Method.CARD if card else Method.CASH,
            amount=Money(rng.randint(5_000, 300_000)),
            act=act(at),
        )
        receipt = f"R{next(_keys)}"
        if card:
            payment.apply_report(Reported.AUTHORISED, f"g{next(_keys)}", act(at))
            payment.request_capture(act(at))
            payment.confirm_capture(receipt, f"g{next(_keys)}", act(at))
        else:
            payment.take_cash(receipt, act(at))
        if rng.random() < 0.03:
            refund = f"F{next(_keys)}"
            payment.request_refund(refund, Money(1_000), "overcharged", act(at))
            payment.approve_refund(refund, act(at, "supervisor:S01"))
            payment.pay_back(refund, None, act(at, "supervisor:S01"))
        return payment

    def _decisions(self, day: date) -> list[object]:
        due = [r for d, r in self.open_files if d <= day]
        self.open_files = [(d, r) for d, r in self.open_files if d > day]
        for request in due:
            try:
                decision = "accepted" if self.rng.random() < 0.85 else "refused"
                request.decide(decision, "decided", act(tunis(day, 10, 0), "partner:bench"))
            except DarError:
                continue
        return list(due)


def fill(dar: Dar, houses: int, days: int, tickets: int) -> tuple[int, list[date]]:
    """The partners, the houses and their days; the log's head and the days."""
    start = tunis(FIRST_DAY - timedelta(days=4), 8, 0)
    partners = [
        Partner.register(code=c, names=PartnerNames("شريك", c), act=act(start, "system:bench"))
        for c in PARTNERS
    ]
    dar.store.save(*partners)
    rng = random.Random(17)
    histories = [HouseHistory(dar, n, rng) for n in range(houses)]
    calendar: BusinessCalendar = business_calendar()
    chosen = [d for d in business_days(FIRST_DAY, days * 2) if calendar.is_working_day(d)][:days]
    for day in chosen:
        for history in histories:
            history.day(day, tickets)
    return dar.store.position(), chosen


def percentile(samples: Sequence[float], percent: int) -> float:
    """The nearest-rank percentile."""
    ordered = sorted(samples)
    return ordered[max(1, math.ceil(percent * len(ordered) / 100)) - 1]


def latencies(call: Callable[[], object], count: int) -> list[float]:
    """Milliseconds of each of `count` calls."""
    found = []
    for _ in range(count):
        began = time.perf_counter()
        call()
        found.append((time.perf_counter() - began) * 1000)
    return found


def query_mix(dar: Dar, days: list[date]) -> list[Callable[[], object]]:
    """The questions the governance page asks: every grouping by day, week and month."""
    report = StatisticsReport(dar.read.statistics, 25)
    # the calendar weeks and months around the days, as the governance page asks for them
    first = days[0] - timedelta(days=days[0].weekday())
    last = days[-1] + timedelta(days=6 - days[-1].weekday())
    wanted = StatisticsFilter(first=min(first, days[0].replace(day=1)), last=last)
    return [
        (lambda g=g, p=p: report.figures(wanted, g, p))  # type: ignore[misc]
        for g in GroupBy
        for p in Period
    ]


def cells_read(
    conn: psycopg.Connection[Any], schema: str, days: list[date]
) -> Callable[[], object]:
    """The baseline: the line-day cells of the period read as rows, nothing merged."""
    query = sql.SQL("SELECT * FROM {0}.{1} WHERE day >= %s AND day <= %s").format(
        sql.Identifier(schema), sql.Identifier(LINE_DAYS.name)
    )
    return lambda: conn.execute(query, (days[0].isoformat(), days[-1].isoformat())).fetchall()


def rebuild_rows(dar: Dar, settings: Settings, runs: int) -> list[Row]:
    """The raw read and the statistics' rebuild, a sample of each in turn."""
    url = settings.owner_database_url or settings.database_url
    key = dar.read.statistics_key
    raw_samples: list[float] = []
    rebuilt: list[float] = []
    for _ in range(runs):
        raw_samples.extend(rate(lambda: pg_raw_read(url, settings.postgres_schema), 1).samples)
        rebuilt.extend(rate(lambda: rebuild_all(dar, [key]), 1).samples)
    raw = Measurement("pg_statistics_raw_read", 1, "events/s", tuple(raw_samples))
    measured = Measurement("pg_statistics_rebuild", 1, "events/s", tuple(rebuilt))
    return [Row.of_baseline(raw), Row(measured, baseline=raw)]


def query_rows(dar: Dar, settings: Settings, days: list[date], runs: int) -> list[Row]:
    """The report's latency over the query mix, and the plain read of the cells beside it."""
    timed: list[float] = []
    kinds = [f"{g.value}/{p.value}" for g in GroupBy for p in Period]
    for kind, call in zip(kinds, query_mix(dar, days), strict=True):
        call()  # warm
        these = latencies(call, runs)
        p50, p99 = percentile(these, 50), percentile(these, 99)
        print(f"    {kind:<20} p50 {p50:7.1f} ms  p99 {p99:7.1f} ms", flush=True)
        timed.extend(these)
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        base = latencies(cells_read(conn, read_schema(settings), days), len(timed))
    print(f"  {len(timed)} queries, mean {stats.mean(timed):.1f} ms", flush=True)
    rows = []
    for p in (50, 99):
        baseline = Measurement(f"pg_statistics_cells_read_p{p}", 1, "ms", (percentile(base, p),))
        measured = Measurement(f"pg_statistics_query_p{p}", 1, "ms", (percentile(timed, p),))
        rows += [Row.of_baseline(baseline), Row(measured, baseline)]
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    """Measure, print, and merge the rows into bench/results.json."""
    parser = argparse.ArgumentParser(prog="python -m bench.statistics", description=__doc__)
    parser.add_argument("--houses", type=int, default=34)
    parser.add_argument("--days", type=int, default=20)
    parser.add_argument("--tickets", type=int, default=60, help="tickets a house a day (60)")
    parser.add_argument("--runs", type=int, default=3, help="rebuilds and raw reads (3)")
    parser.add_argument("--queries", type=int, default=20, help="runs of each query (20)")
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "results.json")
    o = parser.parse_args(argv)
    server = start_postgres(fsync=True)
    try:
        settings = PostgresDatabases(server).create()
        dar = bootstrap(settings, TestClock())
        try:
            began = time.perf_counter()
            head, days = fill(dar, o.houses, o.days, o.tickets)
            took = time.perf_counter() - began
            print(f"{head:,} events: {o.houses} houses x {len(days)} days ({took:.0f} s)")
            dar.projections.prepare()
            rows = rebuild_rows(dar, settings, o.runs)
            gc.collect()  # as `dar run` does once started (api/http.py): the heap that stays is
            gc.freeze()  # frozen, so a full collection does not walk it during a query
            rows += query_rows(dar, settings, days, o.queries)
        finally:
            dar.close()
    finally:
        server.stop()
    print_rows(rows, decimals=1)
    merge_json(rows, o.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
