"""`dar audit …`: an auditor's tools over the log, all read-only (a read-only role suffices).

`verify` checks the hash chain against the stored events and against checkpoint files kept
outside Dar; `export-checkpoint` writes the head of a chain that verifies; `export` writes a
period's or a house's events with their chain hashes, for the reference verifier
(tools/verify_export.py) to check offline. See docs/audit.md.
"""

from __future__ import annotations

from contextlib import closing
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from api.auth import Role
from api.bootstrap import bootstrap
from api.graphql.privacy import DATA_MATRIX
from application.audit.disclosure import Disclosure
from application.audit.history import AuditReads
from application.citizens.service import Reader
from domain.houses.house import house_id
from domain.shared.errors import ValidationError
from infrastructure.audit.chain import Checkpoint, Verification, verify
from infrastructure.audit.export import Payloads, Selection, selector, write_export
from infrastructure.audit.log import open_stored_log
from infrastructure.clock import SystemClock
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
    purpose: Annotated[
        str | None,
        typer.Option(help="a declared purpose: personal data the auditor's role admits for it"),
    ] = None,
) -> None:
    """Export events with their chain hashes, payloads and a checkpoint, for offline checks.

    Payloads show personal data as `history` does for the auditor role and the purpose named
    (sealed otherwise); a purposeful export is recorded in the access log like any such read.
    """
    settings = Settings()
    selection = _selection(from_day, to_day, house)
    with closing(bootstrap(settings, projector=False)) as dar:
        reader = Reader(actor=EXPORT_ACTOR, categories=DATA_MATRIX[Role.AUDITOR])
        disclosure = Disclosure(dar.citizens, dar.vault, reader, purpose, "export")
        with open_stored_log(settings) as log, out.open("w", encoding="utf-8") as file:
            summary = write_export(
                log,
                file,
                selector(dar.store.mapper, selection),
                now=SystemClock().now(),
                selection=selection,
                payloads=_payloads(AuditReads(dar.store), disclosure),
            )
        disclosure.record()
    typer.echo(f"{summary.events} events and {summary.links} other links written to {out}")


EXPORT_ACTOR = "auditor:export"


class _Unrecorded:
    """The disclosure, one event at a time; the read is recorded once, after the export."""

    def __init__(self, disclosure: Disclosure) -> None:
        self.particulars = disclosure.particulars
        self.scopes = disclosure.scopes

    def record(self) -> None:
        """Nothing yet: the export records its read once it is written."""


def _payloads(reads: AuditReads, disclosure: Disclosure) -> Payloads:
    quiet = _Unrecorded(disclosure)

    def decoded(position: int) -> dict[str, Any] | None:
        try:
            [event] = reads.events([position], quiet)
        except Exception:  # noqa: BLE001 - an altered event is exported as its bytes alone
            return None
        return {"payload": event.payload, "withheld": list(event.withheld)}

    return decoded


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
