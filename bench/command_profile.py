"""µs per command by stage, and the log read + decode: `python -m bench.command_profile`.

Two commands, one client, on SQLite and on PostgreSQL (fsync on):
- the minimal command: `RegisterPartner` (one new aggregate, one event, its key; its decision
  looks the partner up first);
- `lodgeRequest` at the demo house of Haidra (house, queue, agent, citizen, catalogue service,
  delegation policy, visit: the loads, the policy check and its declared reads), each one on a
  ticket just issued and called, ended after it (only the lodging is measured).

Each command is first timed as a whole without instruments (`--commands` per repetition,
median of `--runs`), then again with a timer on each stage (`bench.stages`): the stages' µs add up
to the instrumented command. Both are measured twice in the same run: on the library's command
path (its `JSONTranscoder` and `Application.save`, what Dar used before) and on Dar's. The
PostgreSQL server's own cost is measured beside them: a raw single-row INSERT+COMMIT and a raw
one-row SELECT on the same server, with plain psycopg.

Then the log read + decode on PostgreSQL: `--read-rows` events read in notification order in
pages of 1000 (as `bench.run` fills and reads them) by plain psycopg (the baseline), and by Dar
decoding every event: the recorder's `select_notifications` and the mapper (the audit, export
and simulation readers), and the projections' `EventLog` and `Decoder`; each also with the
library's transcoder.

Rows go to `bench/results.json` through `bench.report.merge_json`.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from api.bootstrap import Dar, bootstrap
from bench.command_setup import LodgeLoop, PartnerLoop, library_path, raw_pg_micros
from bench.log_read import read_rows
from bench.report import merge_json, print_rows
from bench.stages import LABELS, StageTimes, exclusive, instrument
from bench.stats import Measurement, Row
from infrastructure.settings import Settings
from tests.support.postgres import start_postgres
from tests.support.stores import PostgresDatabases

BENCH_DIR = Path(__file__).resolve().parent
US = "µs"


def timed_runs(step: Callable[[], float], commands: int, runs: int) -> tuple[float, ...]:
    """µs per command of `runs` repetitions of `commands` commands, without instruments."""
    return tuple(1e6 * sum(step() for _ in range(commands)) / commands for _ in range(runs))


def profiled(dar: Dar, loop: Callable[[StageTimes], None], commands: int) -> StageTimes:
    """The stages' times over `commands` instrumented commands."""
    times = StageTimes()
    instrument(dar, times)
    for _ in range(commands):
        loop(times)
    return times


def measure_command(
    store: str, name: str, open_dar: Callable[[], tuple[Dar, PartnerLoop | LodgeLoop]], o: Options
) -> list[Row]:
    """The command's total and stages, on the library's path and on Dar's, in one run."""
    rows: list[Row] = []
    for path in ("library", "dar"):
        dar, loop = open_dar()
        try:
            if path == "library":
                library_path(dar)
            loop.warm_up(o.warmup)
            total = Measurement(
                f"{store}_command_us_{name}_{path}",
                1,
                US,
                timed_runs(loop.step, o.commands, o.runs),
            )
            times = profiled(dar, loop.timed_step, o.commands)
        finally:
            dar.close()
        stages = exclusive(times)
        rows.append(Row.of_baseline(total))
        print_table(f"{store} {name} ({path} path)", total.median, times)
        rows += [
            Row(
                Measurement(f"{store}_command_stage_{name}_{path}_{key(stage)}", 1, US, (us,)),
                total,
            )
            for stage, us in stages.items()
        ]
    return rows


def key(stage: str) -> str:
    """A stage's name as part of a row name."""
    return stage.replace(" ", "_").replace("-", "_")


def print_table(title: str, total: float, times: StageTimes) -> None:
    """The stages of one command: µs and calls per command, and their sum."""
    print(f"\n{title}: {total:,.0f} µs per command uninstrumented", flush=True)
    stages = exclusive(times)
    for stage, us in stages.items():
        calls = times.per_command(stage)
        print(f"  {LABELS[stage]:<48} {us:>8,.1f} µs  {calls:>6.1f} calls")
    print(f"  {'sum of the stages (instrumented)':<48} {sum(stages.values()):>8,.1f} µs")


class Options(argparse.Namespace):
    """The command line."""

    commands: int
    runs: int
    warmup: int
    read_rows: int
    reads: int
    stores: str
    out_dir: Path


def sqlite_rows(o: Options, folder: Path) -> list[Row]:
    """Both commands on a fresh SQLite file each time."""
    counter = iter(range(1_000_000))

    def settings() -> Settings:
        return Settings(database_url=f"sqlite:///{folder / f'dar{next(counter)}.sqlite'}")

    def partners() -> tuple[Dar, PartnerLoop]:
        dar = bootstrap(settings())
        return dar, PartnerLoop(dar)

    def lodging() -> tuple[Dar, LodgeLoop]:
        return LodgeLoop.open(settings())

    return [
        *measure_command("sqlite", "register_partner", partners, o),
        *measure_command("sqlite", "lodge_request", lodging, o),
    ]


def pg_rows(o: Options) -> list[Row]:
    """Both commands, the server's own costs and the log read + decode on PostgreSQL."""
    server = start_postgres(fsync=True)
    try:
        databases = PostgresDatabases(server)
        insert_us, select_us = raw_pg_micros(databases.create(), o.commands, o.runs)
        raw = [
            Row.of_baseline(Measurement("pg_command_raw_insert_commit_us", 1, US, insert_us)),
            Row.of_baseline(Measurement("pg_command_raw_select_us", 1, US, select_us)),
        ]
        print(
            f"PostgreSQL raw: INSERT+COMMIT {statistics.median(insert_us):,.0f} µs, "
            f"one-row SELECT {statistics.median(select_us):,.0f} µs",
            flush=True,
        )

        def partners() -> tuple[Dar, PartnerLoop]:
            dar = bootstrap(databases.create())
            return dar, PartnerLoop(dar)

        def lodging() -> tuple[Dar, LodgeLoop]:
            return LodgeLoop.open(databases.create())

        commands = [
            *measure_command("pg", "register_partner", partners, o),
            *measure_command("pg", "lodge_request", lodging, o),
        ]
        return raw + commands + read_rows(server, databases, o.read_rows, o.reads)
    finally:
        server.stop()


def main(argv: Sequence[str] | None = None) -> int:
    """Measure, print and merge the rows into results.json."""
    parser = argparse.ArgumentParser(prog="python -m bench.command_profile", description=__doc__)
    parser.add_argument("--commands", type=int, default=300, help="commands per repetition")
    parser.add_argument("--runs", type=int, default=3, help="repetitions of the timing (3)")
    parser.add_argument("--warmup", type=int, default=100, help="commands before timing (100)")
    parser.add_argument("--read-rows", type=int, default=50_000, help="events read (50,000)")
    parser.add_argument("--reads", type=int, default=5, help="repetitions of each read (5)")
    parser.add_argument("--stores", default="sqlite,postgres", help="sqlite,postgres")
    parser.add_argument("--out-dir", type=Path, default=BENCH_DIR)
    o = parser.parse_args(argv, namespace=Options())
    stores = o.stores.split(",")
    rows: list[Row] = []
    if "sqlite" in stores:
        with tempfile.TemporaryDirectory(prefix="dar-profile-") as folder:
            rows += sqlite_rows(o, Path(folder))
    if "postgres" in stores:
        rows += pg_rows(o)
    print()
    print_rows([r for r in rows if "_stage_" not in r.measurement.name], decimals=1)
    merge_json(rows, o.out_dir / "results.json")
    print(f"\nmerged {len(rows)} rows into {o.out_dir / 'results.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
