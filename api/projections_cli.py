"""`dar projections …`: the operator's way to see, unblock and rebuild read models.

A projection stopped at an event it cannot apply retries by itself with back-off. An operator
can make it retry now (after a fix is deployed), or skip exactly that one event, with a reason
that is kept for ever in the read database beside who decided it and when. `rebuild` builds read
models again from the whole log in one pass, and switches readers to them when caught up.
"""

from __future__ import annotations

import getpass
import json
import re
from collections.abc import Iterator
from contextlib import closing, contextmanager
from typing import Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from api.bootstrap import Dar, bootstrap, projections
from api.projection_status import projection_report
from infrastructure.readmodels.failures import ActionRefusedError, retry_now, skip_failed_event
from infrastructure.readmodels.rebuild import RebuildFailedError, rebuild
from infrastructure.settings import Settings

projections_app = typer.Typer(help="Read models: where each stands, retry, skip, rebuild.")


@projections_app.command("status")
def status(
    *, as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False
) -> None:
    """Each projection's position and lag, the failing ones with their error, recent skips."""
    with closing(bootstrap(Settings(), projector=False)) as dar:
        report = projection_report(dar, messages=True)
    typer.echo(json.dumps(report, indent=2) if as_json else render(report))
    if report["failures"]:
        raise typer.Exit(code=1)  # scripts and monitors can tell


@projections_app.command("retry")
def retry(name: Annotated[str, typer.Argument(help="the projection, e.g. directory_v1")]) -> None:
    """Make a failed projection try its event again now (the runner picks it up within a second)."""
    key = resolve(name)
    with _operator(key) as dar:
        failure = retry_now(dar.read.db, key, dar.clock.now())
    typer.echo(f"{key} will try position {failure.position} again now.")


@projections_app.command("skip")
def skip(
    name: Annotated[str, typer.Argument(help="the projection, e.g. directory_v1")],
    *,
    position: Annotated[int, typer.Option(help="the failing position (refused if another)")],
    reason: Annotated[str, typer.Option(help="why this event may be passed over")],
    by: Annotated[str, typer.Option(help="who decides")] = "",
) -> None:
    """Pass over the one event a projection fails on; recorded with who, why and when."""
    key = resolve(name)
    with _operator(key) as dar:
        done = skip_failed_event(
            dar.read.db,
            key,
            position=position,
            reason=reason,
            by=by or getpass.getuser(),
            now=dar.clock.now(),
        )
    typer.echo(f"{key} skipped position {done.position} ({done.topic}); it reads on from there.")


@projections_app.command("rebuild")
def rebuild_command(
    name: Annotated[
        str | None, typer.Argument(help="the projection, e.g. queue_v1 (or queue)")
    ] = None,
    *,
    every: Annotated[bool, typer.Option("--all", help="every read model, in one pass")] = False,
) -> None:
    """Build read models again from the whole log; readers switch to them when caught up."""
    if (name is None) == (not every):
        raise typer.BadParameter("name one projection, or give --all", param_hint="NAME")
    key = resolve(name) if name else None
    dar = _operator_dar(key) if key else bootstrap(Settings(), projector=True)
    chosen = [r for r in projections() if every or r.key == key]
    try:
        with closing(dar):
            typer.echo(f"rebuilding {', '.join(r.key for r in chosen)} in one pass")
            with Progress(*_COLUMNS, transient=False) as bar:
                task = bar.add_task("events", total=None)
                done = rebuild(
                    dar.store,
                    dar.read.db,
                    chosen,
                    now=dar.clock.now,
                    progress=lambda at, head: bar.update(task, completed=at, total=head),
                )
    except RebuildFailedError as error:
        typer.echo(f"refused: {error}", err=True)
        raise typer.Exit(code=1) from error
    typer.echo(f"rebuilt {', '.join(done.projections)}: {done.events} events, at {done.position}.")


class _EventsPerSecond(ProgressColumn):
    """How fast the log is applied."""

    def render(self, task: Task) -> Text:
        """The task's speed in events per second."""
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f} events/s" if speed else "… events/s")


_COLUMNS = (
    TextColumn("{task.description}"),
    BarColumn(),
    MofNCompleteColumn(),
    _EventsPerSecond(),
    TextColumn("ETA"),
    TimeRemainingColumn(),
)


def render(report: dict[str, Any]) -> str:
    """The report as lines an operator reads."""
    failing = {f["projection"]: f for f in report["failures"]}
    lines = [f"log position {report['position']}: {report['status']}"]
    for key, lag in report["projections"].items():
        state = report.get("states", {}).get(key, "current")
        line = f"  {key:<16} {state:<10} lag {int(lag['positions'])} events, {lag['seconds']} s"
        failure = failing.get(key)
        if failure is not None:
            line += (
                f"  FAILED at {failure['position']} ({failure['topic']}): {failure['message']};"
                f" attempt {failure['attempts']}, next retry {failure['nextRetry']}"
            )
        lines.append(line)
    lines.extend(
        f"  skipped {done['projection']} at {done['position']} ({done['topic']}, "
        f"{done['error']}) by {done['skippedBy']} at {done['skippedAt']}: {done['reason']}"
        for done in report["skipped"]
    )
    deliveries = report.get("deliveries")
    if deliveries:
        down = ", ".join(deliveries["unreachable"]) or "none"
        lines.append(
            f"  deliveries to partners: {deliveries['waiting']} waiting, oldest "
            f"{deliveries['oldestSeconds']} s; reported unreachable: {down}"
        )
    return "\n".join(lines)


def resolve(name: str) -> str:
    """The tracking key a name means: a key (`queue_v1`), or a read model's name (`queue`).

    A read model's name alone means the version this Dar registers, its only one.
    """
    keys = [r.key for r in projections()]
    if name in keys:
        return name
    versions = [key for key in keys if re.fullmatch(re.escape(name) + r"_v\d+", key)]
    if len(versions) == 1:
        return versions[0]
    raise typer.BadParameter(f"no projection {name!r}; known: {', '.join(keys)}", param_hint="NAME")


def _operator_dar(name: str) -> Dar:
    """Dar with the projector's connection, for a projection that exists."""
    dar = bootstrap(Settings(), projector=True)
    if name not in dar.read.tracking_keys():
        dar.close()
        known = ", ".join(dar.read.tracking_keys())
        raise typer.BadParameter(f"no projection {name!r}; known: {known}", param_hint="NAME")
    return dar


@contextmanager
def _operator(name: str) -> Iterator[Dar]:
    """Dar for an operator's action on a projection, closed after; a refusal exits with 2."""
    with closing(_operator_dar(name)) as dar:
        try:
            yield dar
        except ActionRefusedError as error:
            typer.echo(f"refused: {error}", err=True)
            raise typer.Exit(code=2) from error
