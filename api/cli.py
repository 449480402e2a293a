"""The `dar` command line."""

from __future__ import annotations

import os
import signal
import socket
import webbrowser
from contextlib import closing
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer
import uvicorn

from api.audit_cli import audit_app
from api.auth import Role, TokenService
from api.bootstrap import bootstrap
from api.delivery import start_delivering
from api.demo import HOUSE as DEMO_HOUSE
from api.demo import seed_demo
from api.fixtures_cli import check_scenario, fixtures_app, load_scenario
from api.login import page_link
from api.projections_cli import projections_app
from api.settlement_cli import settlement_app
from api.simulate_cli import simulate
from api.stats_cli import stats_app
from api.sweep import start_sweeping
from domain.houses.house import house_id
from domain.shared.errors import ValidationError
from infrastructure.eventstore.factory import is_postgres
from infrastructure.eventstore.pg_setup import setup_auditor_role, setup_database
from infrastructure.reference import load_reference_partners, load_reference_services
from infrastructure.settings import Environment, Settings
from infrastructure.vault.maintenance import (
    VacuumIncompleteError,
    VacuumUnavailableError,
    reindex,
    rotate_master_key,
    vacuum,
)
from infrastructure.vault.vault import open_vault

app = typer.Typer(help="Dar, the back office of the municipal digital services houses.")
db_app = typer.Typer(help="Database administration.")
app.add_typer(db_app, name="db")
vault_app = typer.Typer(help="Key vault maintenance.")
app.add_typer(vault_app, name="vault")
app.add_typer(projections_app, name="projections")
app.add_typer(audit_app, name="audit")
app.add_typer(fixtures_app, name="fixtures")
app.add_typer(settlement_app, name="settlement")
app.command(name="simulate")(simulate)
app.add_typer(stats_app, name="stats")


def prepare(settings: Settings, *, demo: bool = False, scenario: str | None = None) -> int:
    """Open the store and register the reference partners that are missing (and the demo).

    A scenario (it continues the demo) is loaded after the demo, into a store that was empty.
    """
    with closing(bootstrap(settings, projector=False)) as dar:
        empty = dar.store.position() == 0
        added = load_reference_partners(dar.partners)
        load_reference_services(dar.catalogue)
        if demo:
            recorded = seed_demo(dar)
            typer.echo(f"Demo house {DEMO_HOUSE}: {recorded} demo commands recorded now.")
        if scenario is not None:
            typer.echo(load_scenario(dar, scenario, empty=empty))
        return added


@app.command()
def run(
    *,
    serve: Annotated[bool, typer.Option(help="serve the API after preparing the store")] = True,
    demo: Annotated[
        bool, typer.Option(help="development: record the demo house of Haidra (idempotent)")
    ] = False,
    scenario: Annotated[
        str | None,
        typer.Option(help="with --demo: load a shipped scenario into an empty store"),
    ] = None,
) -> None:
    """Prepare the store (SQLite under ./var/ by default), then serve GraphQL at /graphql."""
    settings = Settings()
    if demo and settings.environment is not Environment.DEVELOPMENT:
        raise typer.BadParameter("the demo is for development only", param_hint="--demo")
    if scenario is not None:
        check_scenario(scenario, demo=demo)
    if serve:
        check_port_free(settings.host, settings.port)  # before anything is recorded
    added = prepare(settings, demo=demo, scenario=scenario)
    target = "PostgreSQL" if is_postgres(settings.database_url) else settings.database_url
    typer.echo(f"Dar store ready ({target}): {added} reference partners registered now.")
    if not serve:
        return
    typer.echo(f"GraphQL at http://{settings.host}:{settings.port}/graphql")
    typer.echo("Mint a development token with: .venv/bin/dar token --role admin --subject me")
    if demo:
        typer.echo(
            "Demo agent: .venv/bin/dar token --role agent --house haidra --subject A17 "
            "(supervisor: --role supervisor --subject S01)"
        )
        typer.echo(
            "The house's pages (a link each, with a development token): add --open --page counter "
            "--counter 1 (or --page supervisor, --page display) to those commands"
        )
        typer.echo(
            "The governance page (statistics, no house): dar token --role governance --open "
            "--page governance"
        )
        typer.echo(
            "The volunteer's page (a phone): dar token --role volunteer --house haidra "
            "--subject V-017 --open --page volunteer"
        )
    uvicorn.run(
        "api.asgi:app",
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_level="info",
        access_log=settings.access_log,  # off by default: the metrics count every request
        server_header=False,  # do not announce the server software
        ws_max_size=settings.max_body_bytes,  # a WebSocket frame is bounded like a request body
    )


def check_port_free(host: str, port: int) -> None:
    """Refuse to start (recording nothing) when the address cannot be bound.

    Checked by binding it once, as the server will; another process may still take it in
    between, and the server then fails as before, but the common case (a server already
    running) is caught before the store is touched.
    """
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind((host, port))
        except OSError as error:
            typer.echo(
                f"cannot listen on {host}:{port} ({error.strerror}): is Dar already running? "
                "Stop it or choose another port with DAR_PORT. Nothing was recorded.",
                err=True,
            )
            raise typer.Exit(code=1) from None


@app.command()
def project() -> None:
    """Run the projections in this process (production: the API runs without them).

    The API processes then run with DAR_EMBEDDED_PROJECTIONS=false.
    """
    settings = Settings()
    dar = bootstrap(settings, projector=True)
    stop = dar.projections.stop

    def on_signal(_: int, __: FrameType | None) -> None:
        stop()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    typer.echo("Dar projections running.")
    halt = start_sweeping(dar, settings)  # the settling sweep runs where the projections run
    halt_delivery = start_delivering(dar, settings)  # so does the delivery to partners
    try:
        dar.projections.run_forever()
    finally:
        halt_delivery()
        if halt is not None:
            halt()
        dar.close()


class Page(StrEnum):
    """The pages Dar serves under /pages/."""

    COUNTER = "counter"
    SUPERVISOR = "supervisor"
    DISPLAY = "display"
    GOVERNANCE = "governance"
    VOLUNTEER = "volunteer"


@app.command()
def token(  # noqa: PLR0913 - one option per claim
    *,
    role: Annotated[Role, typer.Option(help="the caller's role")],
    subject: Annotated[str, typer.Option(help="who: an agent id, an admin's name")] = "dev",
    house: Annotated[str | None, typer.Option(help="house code for house staff")] = None,
    partner: Annotated[str | None, typer.Option(help="partner code for the partner role")] = None,
    agent: Annotated[str | None, typer.Option(help="agent id (sets the subject)")] = None,
    hours: Annotated[int, typer.Option(min=1, max=168, help="validity")] = 12,
    open_page: Annotated[
        bool, typer.Option("--open", help="print a link that opens a page with the token")
    ] = False,
    page: Annotated[Page, typer.Option(help="with --open: which page")] = Page.COUNTER,
    counter: Annotated[
        int | None, typer.Option(min=1, help="with --open: the counter page's counter")
    ] = None,
    base_url: Annotated[
        str | None, typer.Option(help="with --open: Dar's address (default DAR_PUBLIC_URL)")
    ] = None,
) -> None:
    """Print a development token signed with DAR_TOKEN_SECRET (refused in production).

    With --open, print the link of a page of the token's house instead, the token in the
    link's fragment (`/pages/counter?house=…#token=…`), and open it where a display exists.
    """
    settings = Settings()
    if settings.environment is not Environment.DEVELOPMENT:
        typer.echo(
            "dar token mints development tokens only: in production the identity provider "
            "(DAR_OIDC_*) issues them.",
            err=True,
        )
        raise typer.Exit(code=2)
    if open_page and not house and page is not Page.GOVERNANCE:
        raise typer.BadParameter(
            "a page shows one house: name it with --house", param_hint="--open"
        )
    try:
        page_house = str(house_id(house)) if open_page and house else None
    except ValidationError as error:
        raise typer.BadParameter(error.message, param_hint="--house") from None
    service = TokenService(settings)
    minted = service.mint(
        agent or subject, role, house=house, partner=partner, ttl=timedelta(hours=hours)
    )
    if not open_page:
        typer.echo(minted)
        return
    base = base_url or settings.public_base_url
    link = page_link(base, page.value, page_house, minted, counter=counter)
    typer.echo(link)
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        webbrowser.open(link)  # a convenience: the printed link is what counts


@app.command()
def schema(
    *, write: Annotated[bool, typer.Option(help="write api/graphql/schema.graphql")] = False
) -> None:
    """Print the GraphQL schema (SDL), or write the committed copy."""
    from api.graphql.catalogue import SCHEMA_FILE, live_sdl  # noqa: PLC0415 - on demand

    _print_or_write(live_sdl(), SCHEMA_FILE if write else None)


@app.command()
def errors(*, write: Annotated[bool, typer.Option(help="write docs/errors.md")] = False) -> None:
    """Print the catalogue of error codes, or write docs/errors.md."""
    from api.graphql.catalogue import ERRORS_FILE, error_catalogue  # noqa: PLC0415

    _print_or_write(error_catalogue(), ERRORS_FILE if write else None)


@app.command("text-limits")
def text_limits(*, write: Annotated[bool, typer.Option(help="write docs/text.md")] = False) -> None:
    """Print the text policy and every text field's limit, or write docs/text.md."""
    from api.graphql.schema import build_schema  # noqa: PLC0415 - on demand
    from api.textpolicy import LIMITS_FILE, limits_document  # noqa: PLC0415

    text = limits_document(build_schema(Settings())._schema)  # noqa: SLF001 - graphql-core's
    _print_or_write(text, LIMITS_FILE if write else None)


def _print_or_write(text: str, file: Path | None) -> None:
    """Write a generated document to `file` (its folder made if missing), or print it."""
    if file is None:
        typer.echo(text, nl=False)
    else:
        file.parent.mkdir(exist_ok=True)
        file.write_text(text, encoding="utf-8")


@db_app.command("setup")
def db_setup(
    admin_url: Annotated[
        str, typer.Option(envvar="DAR_ADMIN_DATABASE_URL", help="a role that may create roles")
    ],
    auditor_url: Annotated[
        str | None,
        typer.Option(
            envvar="DAR_AUDITOR_DATABASE_URL",
            help="also a read-only role for `dar audit …`: its user and password, in a URL",
        ),
    ] = None,
) -> None:
    """Create the PostgreSQL roles, schemas, event tables and grants (safe to run again)."""
    settings = Settings()
    if not is_postgres(settings.database_url):
        typer.echo("DAR_DATABASE_URL is not PostgreSQL: the embedded store needs no setup.")
        raise typer.Exit(code=2)
    setup_database(admin_url, settings)
    typer.echo("PostgreSQL set up for Dar.")
    if auditor_url is not None:
        name = setup_auditor_role(admin_url, settings, auditor_url)
        typer.echo(f"Auditor role {name}: may read the events and their chain, nothing else.")


PRIVACY_FILE = Path(__file__).resolve().parent.parent / "docs" / "personal-data.md"
MATRIX_START, MATRIX_END = "<!-- matrix -->\n", "<!-- /matrix -->"


def privacy_document(current: str) -> str:
    """docs/personal-data.md with its role-by-data table regenerated."""
    from api.graphql.privacy import render_matrix  # noqa: PLC0415

    head, _, rest = current.partition(MATRIX_START)
    _, _, tail = rest.partition(MATRIX_END)
    return head + MATRIX_START + render_matrix() + MATRIX_END + tail


@app.command()
def privacy(
    *, write: Annotated[bool, typer.Option(help="update docs/personal-data.md")] = False
) -> None:
    """Print the role-by-data matrix, or regenerate it in docs/personal-data.md."""
    from api.graphql.privacy import render_matrix  # noqa: PLC0415

    if write:
        _print_or_write(privacy_document(PRIVACY_FILE.read_text(encoding="utf-8")), PRIVACY_FILE)
    else:
        typer.echo(render_matrix(), nl=False)


@vault_app.command("vacuum")
def vault_vacuum() -> None:
    """Rewrite the vault so no erased or re-wrapped key is left in its live files.

    PostgreSQL: VACUUM FULL of the vault tables as their owner (DAR_OWNER_DATABASE_URL); it locks
    them while it copies. SQLite: VACUUM and a truncated write-ahead log.
    """
    settings = Settings()
    try:
        typer.echo(vacuum(settings))
    except (VacuumIncompleteError, VacuumUnavailableError) as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(code=1 if isinstance(error, VacuumIncompleteError) else 2) from error


@vault_app.command("reindex")
def vault_reindex() -> None:
    """Seal the lookup of index rows made before lookups were sealed, so a rotation can finish.

    Each lookup is rebuilt from the citizen's registration and kept only if it hashes to the
    row's own hash. Run once, with the master key the rows were made under still configured.
    """
    settings = Settings()
    with closing(bootstrap(settings, projector=False)) as dar:
        done = reindex(dar.vault, dar.store)
    typer.echo(f"{done.sealed} index rows given a sealed lookup.")
    if done.unmatched:
        typer.echo(
            f"{done.unmatched} index rows match no registered citizen's document and were left "
            "as they were: keep the old master key retired, not destroyed.",
            err=True,
        )
        raise typer.Exit(code=1)


@vault_app.command("rotate-master-key")
def vault_rotate_master_key(
    *,
    then_vacuum: Annotated[
        bool, typer.Option("--vacuum/--no-vacuum", help="rewrite the vault when done")
    ] = True,
) -> None:
    """Re-wrap every citizen key and re-hash the index under DAR_MASTER_KEY.

    Run with the new key as DAR_MASTER_KEY and the old one in DAR_RETIRED_MASTER_KEYS, every Dar
    process restarted so; safe to interrupt and run again. Then remove the retired key.
    """
    settings = Settings()
    with closing(open_vault(settings)) as vault:
        done = rotate_master_key(vault)
    typer.echo(f"{done.rewrapped} keys re-wrapped, {done.rehashed} index rows re-hashed.")
    if done.unsealed_index_rows:
        typer.echo(
            f"{done.unsealed_index_rows} index rows predate sealed lookups and cannot be "
            "re-hashed: run dar vault reindex, then this again; until then keep the old key "
            "retired, not destroyed (docs/personal-data.md).",
            err=True,
        )
        raise typer.Exit(code=1)
    if not done.complete:
        typer.echo("rows were written under another key meanwhile: run again.", err=True)
        raise typer.Exit(code=1)
    try:
        typer.echo(vacuum(settings) if then_vacuum else "not vacuumed: run dar vault vacuum.")
    except VacuumUnavailableError as error:
        typer.echo(f"not vacuumed: {error}; then run dar vault vacuum.", err=True)
    typer.echo("Remove the old key from DAR_RETIRED_MASTER_KEYS, restart, then destroy it.")
