"""`dar audit …`: an auditor's tools over the log, all read-only (a read-only role suffices).

`verify` checks the hash chain against the stored events and against checkpoint files kept
outside Dar; `export-checkpoint` writes the head of a chain that verifies; `export` writes a
period's or a house's events with their chain hashes, for the reference verifier
(tools/verify_export.py) to check offline. See docs/audit.md.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer

from domain.houses.house import house_id
from domain.shared.errors import ValidationError
from infrastructure.audit.chain import Checkpoint, Verification, verify
from infrastructure.audit.export import Selection, selector, write_export
from infrastructure.audit.log import open_stored_log
from infrastructure.clock import SystemClock
from infrastructure.eventstore.factory import open_event_store
from infrastructure.settings import Settings

audit_app = typer.Typer(
    help="Auditors: verify the log's hash chain, export checkpoints and events."
)


def verify_store(settings: Settings, checkpoints: list[Checkpoint]) -> Verification:
    """Verify the configured store's chain, reading only."""
    with open_stored_log(settings) as log:
        return verify(log.walk(), checkpoints)


def _read_checkpoint(path: Path) -> Checkpoint:
    try:
        return Checkpoint.from_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise typer.BadParameter(str(error), param_hint="--checkpoint") from error


def _report(found: Verification) -> None:
    if found.intact:
        typer.echo(
            f"intact: {found.events} events, head {found.head_position} {found.head_hash.hex()}"
        )
        return
    typer.echo(f"broken at position {found.broken_at}: {found.reason}")
    raise typer.Exit(code=1)


@audit_app.command("verify")
def audit_verify(
    checkpoint: Annotated[
        list[Path] | None,
        typer.Option(help="a checkpoint file kept outside Dar (may be given several times)"),
    ] = None,
) -> None:
    """Check every event against its chain hash and each checkpoint; exit 1 where it breaks."""
    checkpoints = [_read_checkpoint(path) for path in checkpoint or []]
    _report(verify_store(Settings(), checkpoints))


@audit_app.command("export-checkpoint")
def audit_export_checkpoint(
    out: Annotated[Path, typer.Option(help="the checkpoint file to write")],
) -> None:
    """Verify the chain, then write its head (position, hash, time) as a small JSON file."""
    found = verify_store(Settings(), [])
    if not found.intact or found.head_position == 0:
        _report(found)
        typer.echo("the log is empty: no checkpoint to take")
        raise typer.Exit(code=1)
    checkpoint = Checkpoint(found.head_position, found.head_hash, SystemClock().now())
    out.write_text(checkpoint.to_json(), encoding="utf-8")
    typer.echo(f"checkpoint at position {checkpoint.position} written to {out}")


@audit_app.command("export")
def audit_export(
    out: Annotated[Path, typer.Option(help="the JSON Lines file to write")],
    from_day: Annotated[
        datetime | None,
        typer.Option("--from", formats=["%Y-%m-%d"], help="first business day (Tunis)"),
    ] = None,
    to_day: Annotated[
        datetime | None,
        typer.Option("--to", formats=["%Y-%m-%d"], help="last business day (Tunis)"),
    ] = None,
    house: Annotated[str | None, typer.Option(help="a house code: only its events in full")] = None,
) -> None:
    """Export events with their chain hashes and a checkpoint, for offline verification."""
    settings = Settings()
    selection = _selection(from_day, to_day, house)
    store = open_event_store(settings, create_tables=False)
    try:
        with open_stored_log(settings) as log, out.open("w", encoding="utf-8") as file:
            summary = write_export(
                log,
                file,
                selector(store.mapper, selection),
                now=SystemClock().now(),
                selection=selection,
            )
    finally:
        store.close()
    typer.echo(f"{summary.events} events and {summary.links} other links written to {out}")


def _selection(first: datetime | None, last: datetime | None, house: str | None) -> Selection:
    described = {"from": _day(first), "to": _day(last), "house": house or ""}
    try:
        houses = None if house is None else house_id(house)
    except ValidationError as error:
        raise typer.BadParameter(str(error), param_hint="--house") from None
    return Selection(
        first_day=None if first is None else first.date(),
        last_day=None if last is None else last.date(),
        house_id=houses,
        described={k: v for k, v in described.items() if v},
    )


def _day(value: datetime | None) -> str:
    return "" if value is None else date.isoformat(value.date())
