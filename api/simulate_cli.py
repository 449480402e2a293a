"""`dar simulate`: generate the history of many houses through the real command path.

Into the configured store (SQLite or PostgreSQL, as `dar run`), preferably empty: the houses of
`api/simulation/world.py`, each working day of the business calendar from `--start`. The same seed
gives the same log (its digest is printed at the end); interrupted, the same command carries on
where the log stops (see `api/simulation/executor.py`).
"""

from __future__ import annotations

import time as timer
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from api.bootstrap import bootstrap
from api.simulation.digest import LogDigest, log_digest
from api.simulation.executor import OtherSimulationError
from api.simulation.gateway import SimulatorGateway
from api.simulation.run import Simulation, working_days
from api.simulation.sources import ScheduledClock
from api.simulation.world import houses
from domain.shared.errors import DarError
from domain.shared.time import TUNIS
from infrastructure.reference.places import business_calendar
from infrastructure.settings import Settings

FIRST_DAY = date(2026, 1, 5)  # Haidra's house started serving in January 2026
MAX_HOUSES = 999


@dataclass(frozen=True)
class Simulated:
    """What a run did: commands run now and found recorded, events written, the log's digest."""

    commands: int
    setup_commands: int  # of `commands`, those that set the houses up
    replayed: int
    events: int
    seconds: float
    digest: LogDigest


class _EventsPerSecond(ProgressColumn):
    """Events written per second so far."""

    def render(self, task: Task) -> Text:
        """The events written over the elapsed time."""
        events, elapsed = int(task.fields.get("events", 0)), task.elapsed or 0.0
        return Text(f"{events / elapsed:,.0f} events/s" if elapsed and events else "… events/s")


def simulate_store(  # noqa: PLR0913 - the command's options
    settings: Settings,
    *,
    houses_count: int,
    days: int,
    seed: int,
    start: date = FIRST_DAY,
    visits: int = 60,
    progress: bool = False,
    gateway: SimulatorGateway | None = None,
) -> Simulated:
    """Run (or carry on) the simulation into the configured store.

    The simulator plays the payment gateway (`gateway`, or one of its own, which tests replace).
    """
    calendar = business_calendar()
    first = working_days(calendar, start, days)
    clock = ScheduledClock(datetime.combine(first[0], time.min, TUNIS))
    secret = settings.gateway_secret.get_secret_value().encode()
    played = gateway or SimulatorGateway(secret, seed)
    with closing(bootstrap(settings, clock, projector=False, gateway=played)) as dar:
        run = Simulation(
            dar,
            clock,
            seed=seed,
            houses=houses(houses_count),
            days=first,
            visits=visits,
            calendar=calendar,
            gateway=played,
        )
        began, position = timer.perf_counter(), dar.store.position()
        if progress:
            _with_progress(run, position)
        else:
            run.simulate()
        seconds = timer.perf_counter() - began
        written = dar.store.position() - position
        tally = run.run.tally
        digest = log_digest(dar.store)
        return Simulated(tally.run, run.setup_commands, tally.found, written, seconds, digest)


def _with_progress(run: Simulation, position: int) -> None:
    total = sum(len(p.visits) for p in run.plans())
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        _EventsPerSecond(),
        TimeElapsedColumn(),
    )
    with Progress(*columns) as bar:
        task = bar.add_task("visits", total=total, events=0)

        def advanced() -> None:
            bar.update(task, advance=1, events=run.run.tally.position - position)

        run.on_visit = advanced
        run.simulate()


def simulate(  # noqa: PLR0913 - one option each
    *,
    houses_count: Annotated[
        int, typer.Option("--houses", min=1, max=MAX_HOUSES, help="houses, Haidra first")
    ] = 1,
    days: Annotated[int, typer.Option(min=1, help="working days to simulate")] = 5,
    seed: Annotated[int, typer.Option(min=0, help="the same seed gives the same history")] = 1,
    start: Annotated[
        str, typer.Option(help="first day, YYYY-MM-DD (the first working day from it)")
    ] = FIRST_DAY.isoformat(),
    visits: Annotated[int, typer.Option(min=1, help="citizens per house per day, about")] = 60,
    progress: Annotated[bool, typer.Option(help="show a progress bar")] = True,
) -> None:
    """Generate the history of houses through the real commands (resumable, deterministic)."""
    try:
        first = date.fromisoformat(start)
    except ValueError as error:
        raise typer.BadParameter("a date as YYYY-MM-DD", param_hint="--start") from error
    try:
        done = simulate_store(
            Settings(),
            houses_count=houses_count,
            days=days,
            seed=seed,
            start=first,
            visits=visits,
            progress=progress,
        )
    except DarError as error:  # e.g. a house of the same code recorded otherwise
        hint = "simulate into an empty store, or carry on with the same options"
        typer.echo(f"refused: {error} ({hint})", err=True)
        raise typer.Exit(code=1) from error
    except OtherSimulationError as error:
        typer.echo(f"refused: {error}", err=True)
        raise typer.Exit(code=1) from error
    rate = done.commands / done.seconds if done.seconds else 0.0
    typer.echo(
        f"{done.commands} commands run ({done.replayed} found already recorded), "
        f"{done.events} events written in {done.seconds:.1f} s ({rate:,.0f} commands/s)."
    )
    typer.echo(f"log: {done.digest.events} events, sha256 {done.digest.sha256}")
