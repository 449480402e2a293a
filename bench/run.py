"""Run the benchmarks: `python -m bench.run [--quick]`.

Starts a throwaway PostgreSQL (fsync on), measures the raw baselines and Dar's RegisterPartner
pipeline side by side, then does the same on the embedded SQLite store, and writes
`bench/results.json` and `bench/RESULTS.md`.
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import sqlite3
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from api.bootstrap import bootstrap
from bench.dar_clients import DarCommandClient, DarReader, fill_dar_log
from bench.load import measure_rate, measure_throughput
from bench.raw import (
    PgInsertClient,
    PgReader,
    SqliteInsertClient,
    fill_pg_table,
    reset_pg_table,
    sqlite_connect,
    sqlite_synchronous,
)
from bench.report import RunInfo, format_table, write_json, write_markdown
from bench.stats import Measurement, Row
from infrastructure.settings import Settings
from tests.support.postgres import PostgresServer, start_postgres
from tests.support.stores import PostgresDatabases

TX_PER_S = "tx/s"
ROWS_PER_S = "rows/s"
RAW_DATABASE = "bench_raw"
BENCH_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Options:
    """How long and how often to measure, and where to write the results."""

    duration: float
    warmup: float
    repetitions: int
    clients: tuple[int, ...]
    read_rows: int
    read_page: int
    out_dir: Path


def parse_args(argv: Sequence[str]) -> Options:
    """The options from the command line; `--quick` shortens every default."""
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="0.5 s x 3 runs, 10,000-row reads")
    parser.add_argument("--duration", type=float, help="seconds per run (default 2.0)")
    parser.add_argument("--warmup", type=float, help="discarded warm-up seconds (default 0.5)")
    parser.add_argument("--repetitions", type=int, help="runs per figure (default 5)")
    parser.add_argument("--clients", default="1,4,16", help="client counts (default 1,4,16)")
    parser.add_argument("--read-rows", type=int, help="rows per sequential read (default 50000)")
    parser.add_argument("--read-page", type=int, default=1000, help="rows per page (1000)")
    parser.add_argument("--out-dir", type=Path, default=BENCH_DIR, help="where results go")
    args = parser.parse_args(argv)
    quick = bool(args.quick)
    return Options(
        duration=args.duration or (0.5 if quick else 2.0),
        warmup=args.warmup if args.warmup is not None else (0.2 if quick else 0.5),
        repetitions=args.repetitions or (3 if quick else 5),
        clients=tuple(int(c) for c in str(args.clients).split(",")),
        read_rows=args.read_rows or (10_000 if quick else 50_000),
        read_page=int(args.read_page),
        out_dir=Path(args.out_dir),
    )


def _announce(measurement: Measurement) -> Measurement:
    m = measurement
    print(
        f"  {m.name:<30} clients={m.clients:<3} median={m.median:>10,.0f} {m.unit}"
        f"  (min {m.low:,.0f}, max {m.high:,.0f})",
        flush=True,
    )
    return m


def pg_commands(raw_url: str, databases: PostgresDatabases, clients: int, o: Options) -> list[Row]:
    """Raw single-row commits and Dar's RegisterPartner at `clients` concurrent clients."""
    reset_pg_table(raw_url)
    raw_samples = measure_throughput(
        lambda _: PgInsertClient(raw_url), clients, o.duration, o.repetitions, o.warmup
    )
    raw = _announce(Measurement("pg_raw_insert", clients, TX_PER_S, raw_samples))
    settings = databases.create().model_copy(update={"postgres_pool_size": clients})
    dar = bootstrap(settings)
    try:
        dar_samples = measure_throughput(
            lambda i: DarCommandClient(dar, i), clients, o.duration, o.repetitions, o.warmup
        )
    finally:
        dar.close()
    name = "pg_dar_register_partner"
    measured = _announce(Measurement(name, clients, TX_PER_S, dar_samples))
    return [Row.of_baseline(raw), Row(measured, raw)]


def pg_reads(raw_url: str, databases: PostgresDatabases, o: Options) -> list[Row]:
    """Sequential reads of `read_rows` rows: plain psycopg, then Dar's recorder."""
    fill_pg_table(raw_url, o.read_rows)
    reader = PgReader(raw_url, o.read_rows, o.read_page)
    try:
        raw_samples = measure_rate(reader.read, o.repetitions)
    finally:
        reader.close()
    raw = _announce(Measurement("pg_raw_seq_read", 1, ROWS_PER_S, raw_samples))
    settings = databases.create()
    dar = bootstrap(settings)
    try:
        fill_dar_log(dar, settings, o.read_rows)
        dar_samples = measure_rate(DarReader(dar, o.read_rows, o.read_page).read, o.repetitions)
    finally:
        dar.close()
    measured = _announce(Measurement("pg_dar_seq_read", 1, ROWS_PER_S, dar_samples))
    return [Row.of_baseline(raw), Row(measured, raw)]


def _raw_database(server: PostgresServer) -> str:
    with psycopg.connect(server.admin_url(), autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {RAW_DATABASE}")
    return server.admin_url(RAW_DATABASE)


def _server_version(server: PostgresServer) -> str:
    with psycopg.connect(server.admin_url()) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "?"


def run_postgres(o: Options) -> tuple[list[Row], str]:
    """Every PostgreSQL figure, on a throwaway server with fsync on; and its version."""
    server = start_postgres(fsync=True)
    try:
        version = _server_version(server)
        print(f"PostgreSQL {version} on port {server.port}, fsync on", flush=True)
        raw_url = _raw_database(server)
        databases = PostgresDatabases(server)
        rows: list[Row] = []
        for clients in o.clients:
            rows += pg_commands(raw_url, databases, clients, o)
        rows += pg_reads(raw_url, databases, o)
        return rows, version
    finally:
        server.stop()


def run_sqlite(o: Options) -> tuple[list[Row], int]:
    """Raw sqlite3 commits and Dar's RegisterPartner on the embedded store, 1 client."""
    print(f"SQLite {sqlite3.sqlite_version}, WAL", flush=True)
    with tempfile.TemporaryDirectory(prefix="dar-bench-") as folder:
        raw_path = Path(folder) / "raw.sqlite"
        raw_samples = measure_throughput(
            lambda _: SqliteInsertClient(raw_path), 1, o.duration, o.repetitions, o.warmup
        )
        probe = sqlite_connect(raw_path)
        synchronous = sqlite_synchronous(probe)
        probe.close()
        raw = _announce(Measurement("sqlite_raw_insert", 1, TX_PER_S, raw_samples))
        dar = bootstrap(Settings(database_url=f"sqlite:///{Path(folder) / 'dar.sqlite'}"))
        try:
            dar_samples = measure_throughput(
                lambda i: DarCommandClient(dar, i), 1, o.duration, o.repetitions, o.warmup
            )
        finally:
            dar.close()
    measured = _announce(Measurement("sqlite_dar_register_partner", 1, TX_PER_S, dar_samples))
    return [Row.of_baseline(raw), Row(measured, raw)], synchronous


def _details(o: Options, pg_version: str, synchronous: int) -> str:
    return (
        f"{o.repetitions} runs x {o.duration:g} s per figure after a {o.warmup:g} s warm-up; "
        f"reads of {o.read_rows:,} rows in pages of {o.read_page}; "
        f"detected {os.cpu_count()} CPUs, PostgreSQL {pg_version}, "
        f"SQLite {sqlite3.sqlite_version} (synchronous={synchronous}), "
        f"Python {platform.python_version()}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run every benchmark, print the table and write the result files."""
    args = list(sys.argv[1:] if argv is None else argv)
    o = parse_args(args)
    pg_rows, pg_version = run_postgres(o)
    sqlite_rows, synchronous = run_sqlite(o)
    rows = pg_rows + sqlite_rows
    print()
    print(format_table(rows))
    o.out_dir.mkdir(parents=True, exist_ok=True)
    info = RunInfo(
        date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        command=shlex.join([".venv/bin/python", "-m", "bench.run", *args]),
        details=_details(o, pg_version, synchronous),
    )
    write_json(rows, o.out_dir / "results.json")
    write_markdown(rows, info, o.out_dir / "RESULTS.md")
    print(f"\nwrote {o.out_dir / 'results.json'} and {o.out_dir / 'RESULTS.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
