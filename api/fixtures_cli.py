"""`dar fixtures …`: recorded events as YAML files, for integrators, demos and load tests.

`check` validates a file (errors name the file, the line and the field); `load` appends a
fixture's events to the store as recorded history, once and whole; `export` writes a house's or
a period's events as a fixture that `load` reads back. See docs/fixtures.md.
"""

from __future__ import annotations

from contextlib import closing
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from api.bootstrap import Dar, bootstrap
from api.scenarios import scenario_epoch, scenario_path
from application.store import EventStore
from domain.houses.house import house_id
from domain.shared.errors import ValidationError
from infrastructure.fixtures.append import FixtureConflictError, Loaded, load_into
from infrastructure.fixtures.export import Selection, export_fixture, tunis_day_start
from infrastructure.fixtures.loader import read_fixture
from infrastructure.fixtures.model import FixtureError
from infrastructure.settings import Environment, Settings

fixtures_app = typer.Typer(
    help="Event fixtures: check, load (as recorded history) and export YAML files of events."
)

FixtureFile = Annotated[Path, typer.Argument(help="a YAML fixture (format: docs/fixtures.md)")]


@fixtures_app.command("check")
def check(file: FixtureFile) -> None:
    """Validate a fixture without touching the store; exit 1 naming file, line and field."""
    try:
        fixture = read_fixture(file)
    except FixtureError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(code=1) from None
    except OSError as error:
        typer.echo(f"{file}: {error.strerror}", err=True)
        raise typer.Exit(code=1) from None
    typer.echo(f"{file}: {len(fixture.events)} events, valid.")


@fixtures_app.command("load")
def load(
    file: FixtureFile,
    *,
    epoch: Annotated[
        str | None, typer.Option(help="day 1 of the fixture (YYYY-MM-DD); default: its own")
    ] = None,
) -> None:
    """Append the fixture's events to the store as recorded history (once; whole or nothing).

    Development stores only: a fixture is history nobody did at a counter, and a production
    log must hold only what happened there.
    """
    settings = Settings()
    if settings.environment is not Environment.DEVELOPMENT:
        typer.echo(
            "dar fixtures load writes history nobody recorded at a counter: development stores "
            "only (DAR_ENVIRONMENT=development). Nothing was loaded.",
            err=True,
        )
        raise typer.Exit(code=2)
    with closing(bootstrap(settings, projector=False)) as dar:
        loaded = load_or_exit(dar.store, file, dar.clock.now(), _date(epoch, "--epoch"))
    if loaded.already_loaded:
        typer.echo(f"{file}: already loaded ({loaded.command_id}); nothing done.")
    else:
        typer.echo(f"{file}: {loaded.events} events loaded, up to position {loaded.position}.")


def load_or_exit(store: EventStore, file: Path, now: datetime, epoch: date | None) -> Loaded:
    """Load, or print why not and exit 1 (nothing was loaded)."""
    try:
        return load_into(store, file, now, epoch)
    except (FixtureError, FixtureConflictError) as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(code=1) from None
    except OSError as error:
        typer.echo(f"{file}: {error.strerror}", err=True)
        raise typer.Exit(code=1) from None


@fixtures_app.command("export")
def export(  # noqa: PLR0913 - one option per selection
    *,
    out: Annotated[Path, typer.Option(help="the YAML file to write")],
    house: Annotated[str | None, typer.Option(help="only this house's events (its code)")] = None,
    from_day: Annotated[
        str | None, typer.Option("--from", help="first day (YYYY-MM-DD, Tunis time)")
    ] = None,
    to_day: Annotated[
        str | None, typer.Option("--to", help="last day, included (YYYY-MM-DD)")
    ] = None,
    epoch: Annotated[
        str | None, typer.Option(help="day 1 of the times written; default: the first event's")
    ] = None,
    absolute: Annotated[
        bool, typer.Option(help="write absolute times (ISO 8601) instead of day N")
    ] = False,
) -> None:
    """Write recorded events as a fixture: symbols for ids, times relative to an epoch."""
    first, last = _date(from_day, "--from"), _date(to_day, "--to")
    try:
        house_uuid = house_id(house) if house else None
    except ValidationError as error:
        raise typer.BadParameter(error.message, param_hint="--house") from None
    selection = Selection(
        house_id=house_uuid,
        start=tunis_day_start(first) if first else None,
        end=tunis_day_start(last + timedelta(days=1)) if last else None,
    )
    settings = Settings()
    with closing(bootstrap(settings, projector=False)) as dar:
        exported = export_fixture(dar.store, selection, _date(epoch, "--epoch"), absolute=absolute)
    out.write_text(exported.text, encoding="utf-8")
    typer.echo(f"{out}: {exported.events} events written.")


def _date(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date YYYY-MM-DD", param_hint=option) from None


def check_scenario(name: str, *, demo: bool) -> None:
    """Refuse (before anything is recorded) a scenario that is unknown or lacks the demo."""
    if not demo:
        msg = "a scenario continues the demo house: add --demo"
        raise typer.BadParameter(msg, param_hint="--scenario")
    try:
        scenario_path(name)
    except LookupError as error:
        raise typer.BadParameter(str(error), param_hint="--scenario") from None


def load_scenario(dar: Dar, name: str, *, empty: bool) -> str:
    """Load a shipped scenario after the demo if the store was empty; what was done."""
    if not empty:
        return f"Scenario {name}: not loaded (only into an empty store; this one has a history)."
    path = scenario_path(name)
    now = dar.clock.now()
    epoch = scenario_epoch(path, now)
    loaded = load_or_exit(dar.store, path, now, epoch)
    return f"Scenario {name}: {loaded.events} events loaded, day 1 being {epoch.isoformat()}."
