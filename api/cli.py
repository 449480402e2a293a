"""The `dar` command line."""

from __future__ import annotations

from typing import Annotated

import typer

from api.bootstrap import bootstrap
from infrastructure.eventstore.factory import is_postgres
from infrastructure.eventstore.pg_setup import setup_database
from infrastructure.reference import load_reference_partners
from infrastructure.settings import Settings

app = typer.Typer(help="Dar, the back office of the municipal digital services houses.")
db_app = typer.Typer(help="Database administration.")
app.add_typer(db_app, name="db")


@app.command()
def run() -> None:
    """Open the store (SQLite under ./var/ by default) and load the reference data."""
    settings = Settings()
    dar = bootstrap(settings)
    try:
        added = load_reference_partners(dar.partners)
        position = dar.store.position()
    finally:
        dar.close()
    target = "PostgreSQL" if is_postgres(settings.database_url) else settings.database_url
    typer.echo(f"Dar store ready ({target}): {added} partners registered now, log at {position}.")


@db_app.command("setup")
def db_setup(
    admin_url: Annotated[
        str, typer.Option(envvar="DAR_ADMIN_DATABASE_URL", help="a role that may create roles")
    ],
) -> None:
    """Create the PostgreSQL roles, schemas, event tables and grants (safe to run again)."""
    settings = Settings()
    if not is_postgres(settings.database_url):
        typer.echo("DAR_DATABASE_URL is not PostgreSQL: the embedded store needs no setup.")
        raise typer.Exit(code=2)
    setup_database(admin_url, settings)
    typer.echo("PostgreSQL set up for Dar.")
