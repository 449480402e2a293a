"""µs per command by stage, and the log read + decode: `python -m bench.command_profile`.

Two commands, one client, on SQLite and on PostgreSQL (fsync on):
- the minimal command: `RegisterPartner` (one new aggregate, one event, its key; its decision
  looks the partner up first);
- `lodgeRequest` at the demo house of Haidra (house, queue, agent, citizen, catalogue service,
  delegation policy, visit: the loads, the policy check and its declared reads), each one on a
  ticket just issued and called, ended after it (only the lodging is measured).

Each command is first timed as a whole without instruments (`--commands` per repetition,
median of `--runs`), in wall-clock and in this thread's CPU time (on a shared machine the CPU time
is Dar's own work; the wall-clock adds the waits for the server and for a core), then again with
a timer on each stage (`bench.stages`): the stages' µs add up to the instrumented command. Both
paths are measured side by side, their repetitions in turns: the library's command path (its
`JSONTranscoder`, `Application.save`, `project_aggregate`: what Dar ran before) and Dar's. The
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
from bench.log_read import raw_database, read_rows
from bench.report import merge_json, print_rows
from bench.stages import LABELS, StageTimes, exclusive, instrument
from bench.stats import Measurement, Row
from infrastructure.settings import Settings
from tests.support.postgres import start_postgres
from tests.support.stores import PostgresDatabases

BENCH_DIR = Path(__file__).resolve().parent
US = "µs"


Step = Callable[[], tuple[float, float]]
SERVER = frozenset({"snapshot read", "events read", "recorder call"})  # waits: wall-clock


def timed_runs(steps: dict[str, Step], commands: int, runs: int) -> dict[str, list[list[float]]]:
    """Wall-clock and CPU µs per command of each path, `runs` repetitions taken in turns."""
    found: dict[str, list[list[float]]] = {path: [[], []] for path in steps}
    for _ in range(runs):
        for path, step in steps.items():
            spent = [step() for _ in range(commands)]
            found[path][0].append(1e6 * sum(wall for wall, _ in spent) / commands)
            found[path][1].append(1e6 * sum(cpu for _, cpu in spent) / commands)
    return found


def profiled(dar: Dar, loop: Callable[[StageTimes], None], commands: int) -> StageTimes:
    """The stages' times over `commands` instrumented commands."""
    times = StageTimes()
    instrument(dar, times)
    for _ in range(commands):
        loop(times)
    return times


PATHS = ("library", "dar")


def measure_command(
    store: str, name: str, open_dar: Callable[[], tuple[Dar, PartnerLoop | LodgeLoop]], o: Options
) -> list[Row]:
    """The command's total and stages on the library's path and on Dar's, side by side."""
    opened = {path: open_dar() for path in PATHS}
    try:
        library_path(opened["library"][0])
        for _, loop in opened.values():
            loop.warm_up(o.warmup)
        totals = timed_runs({p: loop.step for p, (_, loop) in opened.items()}, o.commands, o.runs)
        stages = {
            p: profiled(dar, loop.timed_step, o.commands) for p, (dar, loop) in opened.items()
        }
    finally:
        for dar, _ in opened.values():
            dar.close()
    rows: list[Row] = []
    for path in PATHS:
        walls, cpus = totals[path]
        wall = Measurement(f"{store}_command_us_{name}_{path}", 1, US, tuple(walls))
        cpu = Measurement(f"{store}_command_cpu_us_{name}_{path}", 1, US, tuple(cpus))
        rows += [Row.of_baseline(wall), Row.of_baseline(cpu)]
        print_table(f"{store} {name} ({path} path)", wall, cpu, stages[path])
        rows += [
            Row(
                Measurement(
                    f"{store}_command_stage_{name}_{path}_{key(stage)}",
                    1,
                    US,
                    (us if stage in SERVER else cpu_us,),
                ),
                wall if stage in SERVER else cpu,
            )
            for stage, (us, cpu_us) in exclusive(stages[path]).items()
        ]
    return rows


def key(stage: str) -> str:
    """A stage's name as part of a row name."""
    return stage.replace(" ", "_").replace("-", "_")


def print_table(title: str, wall: Measurement, cpu: Measurement, times: StageTimes) -> None:
    """The stages of one command: wall-clock and CPU µs and calls per command, and their sums."""
    print(
        f"\n{title}: {wall.median:,.0f} µs per command, {cpu.median:,.0f} µs of CPU "
        f"(uninstrumented, median of {len(wall.samples)})",
        flush=True,
    )
    print(f"  {'stage (instrumented)':<48} {'wall µs':>9} {'CPU µs':>9} {'calls':>6}")
    stages = exclusive(times)
    for stage, (us, cpu_us) in stages.items():
        calls = times.per_command(stage)
        print(f"  {LABELS[stage]:<48} {us:>9,.1f} {cpu_us:>9,.1f} {calls:>6.1f}")
    walls, cpus = sum(us for us, _ in stages.values()), sum(c for _, c in stages.values())
    print(f"  {'sum of the stages':<48} {walls:>9,.1f} {cpus:>9,.1f}")


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
        raw_url = raw_database(server)
        insert_us, select_us = raw_pg_micros(raw_url, o.commands, o.runs)
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
        return raw + commands + read_rows(raw_url, databases, o.read_rows, o.reads)
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
