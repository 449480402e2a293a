"""`dar settlement import FILE`: a partner's or the acquirer's statement imported from a file.

The same command as GraphQL's `importStatement`, for statements larger than a request body: the
file is read as UTF-8 (CRLF line ends accepted), its text goes through the edge's text policy,
and it is recorded under the actor `admin:<operator>` with the file's digest as idempotency key,
so that importing the same file again changes nothing.
"""

from __future__ import annotations

from contextlib import closing
from pathlib import Path
from typing import Annotated

import typer

from api.bootstrap import bootstrap
from api.textpolicy import nfc, refused_character
from application.settlement.commands import ImportStatement
from domain.settlement.statement import StatementSource, digest
from domain.shared.errors import DarError, ValidationError
from infrastructure.settings import Settings

settlement_app = typer.Typer(help="Settlement: partners' and the acquirer's statements.")


def read_statement(path: Path) -> str:
    """The file's text, with newline line ends (a CRLF file is the usual spreadsheet export)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise typer.BadParameter(str(error), param_hint="FILE") from error
    return text.replace("\r\n", "\n")


def checked(text: str) -> str:
    """The text policy's characters (no length limit here: a file is not a request body)."""
    bad = refused_character(text)
    if bad is not None:
        raise ValidationError("statement", f"holds the character U+{ord(bad):04X}")
    return nfc(text)


@settlement_app.command("import")
def import_statement(
    file: Annotated[Path, typer.Argument(help="The statement, CSV (docs/settlement.md).")],
    partner: Annotated[str, typer.Option(help="The partner's code, e.g. STEG.")],
    source: Annotated[
        StatementSource, typer.Option(help="Who sent it: partner or acquirer.")
    ] = StatementSource.PARTNER,
    operator: Annotated[
        str, typer.Option(help="Who imports it (recorded as admin:<operator>).")
    ] = "cli",
) -> None:
    """Import a statement; the same file twice changes nothing."""
    try:
        text = checked(read_statement(file))
        key = f"statement:{partner}:{source.value}:{digest(text)[:32]}"
        command = ImportStatement(key, f"admin:{operator}", partner, source.value, text)
        with closing(bootstrap(Settings(), projector=False)) as dar:
            outcome = dar.settlement.import_statement(command)
    except DarError as error:
        typer.echo(f"{error.code}: {error.message}", err=True)
        raise typer.Exit(code=1) from error
    found = outcome.value
    before = found.already or outcome.replayed
    again = " (imported before: nothing changed)" if before else ""
    typer.echo(f"statement {found.statement_id}: {found.lines} lines, {found.days} days{again}")
