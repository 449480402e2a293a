"""`asOf` on a long history, and the journal's selective filter on a long log (issue 16).

`python -m bench.audit_asof [--events 10000] [--log 100000] [--reads 300] [--no-write]`

On each store (a SQLite file; PostgreSQL 15 with fsync on), builds one delegation grant with
`--events` events (amended again and again, one save per event; the store snapshots it every 20
events as in service and keeps the latest only) inside a log of `--log` events (other houses'
grants), then lets the audit index catch up. Measured in the same run:

- `asOf` at a random version, through `AuditReads.as_of` (the nearest kept state or snapshot at
  or before the version, then the events after it), against the raw baseline of reading the
  aggregate's snapshot row alone; the first read (cold: a replay from the first event that keeps
  a state every 20 versions) is shown apart;
- `asOf` at a random instant (the audit index's version at that instant, then the same read);
- one journal page narrowed to one small house (20 of the log's events) through the audit index
  and the payload decode, against finding the same page by scanning and decoding the log (what
  the journal would cost without the index).

Target: `asOf` p99 <= 10 ms. Rows go to `bench/results.json` (names `*_audit_asof_*` and
`*_audit_journal_*`, replaced by name) and a section of `bench/RESULTS.md`; the other entries stay.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid4

from api.bootstrap import Dar, bootstrap, projections
from application.audit.disclosure import Disclosure
from application.audit.history import AuditReads
from application.citizens.service import Reader
from domain.delegation.grant import CollectionTerms, Convention, DelegationGrant, Validity
from domain.shared.acts import Act
from infrastructure.readmodels.runner import ProjectionRunner
from infrastructure.settings import Settings
from projections.audit.view import JournalFilter
from tests.support.postgres import start_postgres
from tests.support.stores import PostgresDatabases

BENCH_DIR = Path(__file__).resolve().parent
SECTION = "## audit_asof (issue 16): asOf on a 10,000-event aggregate, the journal on a long log"
MARK = "_audit_"
TARGET_P99_MS = 10.0
START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def _grant(house: UUID, at: datetime, n: int) -> DelegationGrant:
    return DelegationGrant.grant(
        grant_id=uuid4(),
        partner_id=uuid4(),
        house_id=house,
        convention=Convention("CONV-1", "1", date(2025, 12, 1)),
        services=frozenset({"BILL_PAYMENT"}),
        validity=Validity(START.date(), START.date() + timedelta(days=3650)),
        collection=CollectionTerms(allowed=True, ceiling_millimes=500_000),
        act=Act(actor="bench", command_id=f"g{n}", at=at),
    )


def _amend(grant: DelegationGrant, i: int, at: datetime) -> None:
    change = frozenset({"DUPLICATE"})
    added, removed = (change, frozenset()) if i % 2 == 1 else (frozenset(), change)
    grant.amend(added, removed, Act(actor="bench", command_id=f"a{i}", at=at))


def build(dar: Dar, events: int, log: int) -> tuple[UUID, UUID, list[datetime]]:
    """The long grant, the small house's id, and the long grant's event times."""
    long = _grant(uuid4(), START, 0)
    times = [START]
    dar.store.save(long)
    for i in range(1, events):  # one save per event, as the services save a command's act
        at = START + timedelta(minutes=i)
        _amend(long, i, at)
        times.append(at)
        dar.store.save(long)
    small = uuid4()
    others, n = log - events, 0
    while n < others:  # other houses' grants, 50 events each; one small house of 20 events
        house = small if n == 0 else uuid4()
        size = 20 if n == 0 else 50
        grant = _grant(house, START, n)
        for i in range(1, size):
            _amend(grant, i, START + timedelta(days=i))
        dar.store.save(grant)
        n += size
    audit = [r for r in projections() if r.key == dar.read.audit_key]
    runner = ProjectionRunner(dar.store, dar.read.db, audit)
    runner.prepare()
    runner.catch_up()
    return long.id, small, times


def timed(call: Callable[[], object], reads: int) -> list[float]:
    """Milliseconds of each of `reads` calls."""
    out = []
    for _ in range(reads):
        t0 = time.perf_counter()
        call()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def scan(dar: Dar, house: UUID) -> list[int]:
    """The positions of the house's first 20 events, found by decoding the log from its start."""
    found: list[int] = []
    after = 0
    while len(found) < 20:
        page = dar.store.recorder.select_notifications(start=after + 1, limit=1000)
        if not page:
            break
        for n in page:
            event = dar.store.mapper.to_domain_event(n)
            if getattr(event, "house_id", None) == house:
                found.append(n.id)
        after = page[-1].id
    return found


def measure(dar: Dar, events: int, log: int, reads: int) -> dict[str, list[float]]:
    """Each figure's samples in ms."""
    grant, small, times = build(dar, events, log)
    audit = AuditReads(dar.store)
    reader = Reader(actor="auditor:bench", categories=frozenset())

    def nothing() -> Disclosure:
        return Disclosure(dar.citizens, dar.vault, reader, None, "asOf")

    rng = random.Random(16)
    snapshots = dar.store.snapshots
    if snapshots is None:
        msg = "snapshots are off"
        raise RuntimeError(msg)

    def as_of() -> object:
        return audit.as_of(grant, rng.randint(1, events), nothing())

    cold = timed(lambda: audit.as_of(grant, events // 2 + 1, nothing()), 1)

    def raw() -> object:
        return snapshots.recorder.select_events(
            grant, desc=True, limit=1, lte=rng.randint(1, events)
        )

    def as_of_at() -> object:
        version = dar.read.audit.version_at(grant, rng.choice(times))
        return audit.as_of(grant, version, nothing())

    narrowed = JournalFilter(house_id=small)

    def journal() -> object:
        rows = dar.read.audit.journal(0, narrowed, limit=100)
        return audit.events([r.position for r in rows], nothing())

    out = {
        "asof_cold": cold,
        "asof_version": timed(as_of, reads),
        "raw_snapshot_row": timed(raw, reads),
        "asof_instant": timed(as_of_at, reads),
        "journal_small_house": timed(journal, max(20, reads // 10)),
        "scan_small_house": timed(lambda: scan(dar, small), 3),
    }
    if (
        len(
            audit.events(
                [r.position for r in dar.read.audit.journal(0, narrowed, limit=100)], nothing()
            )
        )
        != 20
        or dar.store.position() < log
    ):
        msg = "the log is not the one built"
        raise RuntimeError(msg)
    return out


def run_store(kind: str, o: argparse.Namespace) -> dict[str, list[float]]:
    """Build and measure on one store."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            settings = Settings(database_url=f"sqlite:///{Path(folder) / 'dar.sqlite'}")
            dar = bootstrap(settings)
            try:
                return measure(dar, o.events, o.log, o.reads)
            finally:
                dar.close()
    server = start_postgres(fsync=True)
    try:
        dar = bootstrap(PostgresDatabases(server).create())
        try:
            return measure(dar, o.events, o.log, o.reads)
        finally:
            dar.close()
    finally:
        server.stop()


def rows_of(store: str, s: dict[str, list[float]]) -> list[dict[str, object]]:
    """results.json rows: asOf p99 against the raw snapshot row's, the journal against the scan."""
    prefix = "pg" if store == "postgres" else "sqlite"
    base_p99 = percentile(s["raw_snapshot_row"], 99)
    scan = percentile(s["scan_small_house"], 50)
    figures = (
        ("asof_version_p99", percentile(s["asof_version"], 99), base_p99),
        ("asof_instant_p99", percentile(s["asof_instant"], 99), base_p99),
        ("journal_small_house_p50", percentile(s["journal_small_house"], 50), scan),
    )
    return [
        {
            "name": f"{prefix}{MARK}{name}",
            "clients": 1,
            "value": round(value, 3),
            "baseline": round(base, 3),
            "ratio": round(value / base, 3) if base else 0.0,
            "unit": "ms",
        }
        for name, value, base in figures
    ]


def markdown(results: dict[str, dict[str, list[float]]], o: argparse.Namespace, cmd: str) -> str:
    """The section of RESULTS.md."""
    lines = [
        SECTION,
        "",
        f"- command: `{cmd}`",
        (
            f"- one delegation grant of {o.events:,} events (snapshot every 20) in a log of "
            f"{o.log:,} events; {o.reads} reads each at random versions / instants; in process"
        ),
        "",
        "| store | figure | p50 ms | p99 ms | max ms |",
        "|---|---|---:|---:|---:|",
    ]
    labels = (
        ("asof_cold", "asOf, first read of the aggregate (cold: replay, keeping states)"),
        ("asof_version", "asOf at a version (AuditReads.as_of)"),
        ("asof_instant", "asOf at an instant (index version + as_of)"),
        ("raw_snapshot_row", "raw: read the snapshot row at or before the version"),
        ("journal_small_house", "journal page, one house's 20 events (index + decode)"),
        ("scan_small_house", "raw: find the same 20 by scanning and decoding the log"),
    )
    for store, s in results.items():
        for name, label in labels:
            v = s[name]
            lines.append(
                f"| {store} | {label} | {percentile(v, 50):.2f} | {percentile(v, 99):.2f} "
                f"| {max(v):.2f} |"
            )
    lines.append("")
    for store, s in results.items():
        p99 = percentile(s["asof_version"], 99)
        met = "met" if p99 <= TARGET_P99_MS else "**not met**"
        base = percentile(s["raw_snapshot_row"], 99)
        lines.append(
            f"- {store}: target asOf p99 <= {TARGET_P99_MS:g} ms: {met} ({p99:.2f} ms; "
            f"{p99 / base:.1f}x the raw snapshot row's p99)"
        )
    lines.append("")
    return "\n".join(lines)


def write(results: dict[str, dict[str, list[float]]], o: argparse.Namespace, cmd: str) -> None:
    """Merge the rows into results.json and the section into RESULTS.md, keeping the others'."""
    json_path, md_path = o.out_dir / "results.json", o.out_dir / "RESULTS.md"
    mine = [row for store, s in results.items() for row in rows_of(store, s)]
    names = {row["name"] for row in mine}  # only these: `*_audit_verify` rows are another bench's
    kept = [r for r in json.loads(json_path.read_text()) if r["name"] not in names]
    json_path.write_text(json.dumps(kept + mine, indent=2) + "\n")
    text = md_path.read_text()
    before, _, after = text.partition(SECTION)
    rest = after.split("\n## ", 1)[1] if "\n## " in after else ""
    merged = before.rstrip("\n") + "\n\n" + markdown(results, o, cmd)
    if rest:
        merged += "\n## " + rest
    md_path.write_text(merged)


def main(argv: Sequence[str] | None = None) -> int:
    """Measure, print, and record."""
    args = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="python -m bench.audit_asof", description=__doc__)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--log", type=int, default=100_000)
    parser.add_argument("--reads", type=int, default=300)
    parser.add_argument("--stores", default="sqlite,postgres")
    parser.add_argument("--out-dir", type=Path, default=BENCH_DIR)
    parser.add_argument("--no-write", action="store_true", help="print only")
    o = parser.parse_args(args)
    results = {store: run_store(store, o) for store in o.stores.split(",")}
    print(markdown(results, o, "bench.audit_asof"))
    if not o.no_write:
        write(results, o, " ".join([".venv/bin/python -m bench.audit_asof", *args]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
