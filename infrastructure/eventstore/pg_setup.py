"""Sets up a PostgreSQL database for Dar with three roles.

- the owner role owns the event tables, the append guard and the batch append (SECURITY DEFINER
  functions that take the table lock on the application's behalf: `dar_begin_append` for one
  append, `dar_append_batch` for a group commit's batch);
- the application role may INSERT and SELECT events and command keys, nothing more: its UPDATE,
  DELETE and TRUNCATE fail, and it cannot create tables. Snapshots are a cache, not the record:
  on their table it may also DELETE (a new snapshot replaces the aggregate's older or stale
  ones), still never UPDATE or TRUNCATE;
- the hash chain over the events (`dar_chain`) is written by a trigger owned by the owner role:
  the application and projector roles only read it;
- the projector role owns the read-model schema, where rebuilds create and drop tables; it reads
  events, and the application role reads its tables;
- an auditor role, when asked for, may only read the events and their chain: what `dar audit
  verify`, `export-checkpoint` and `export` need, and nothing else (no read model, no vault).

Each role gets, as its defaults, the lock, statement and idle-in-transaction timeouts that suit
its work (see `infrastructure.timeouts`): a session opened by hand under it is bounded too.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from infrastructure.audit.chain import CHAIN_TABLE
from infrastructure.eventstore.factory import open_event_store
from infrastructure.eventstore.group_commit import APPEND_BATCH
from infrastructure.eventstore.postgres import BEGIN_APPEND, COMMANDS_TABLE
from infrastructure.settings import Settings
from infrastructure.timeouts import Timeouts, app_timeouts, owner_timeouts, projector_timeouts
from infrastructure.vault.postgres_storage import create_postgres_vault_tables

READ_SCHEMA_SUFFIX = "_read"
VAULT_SCHEMA_SUFFIX = "_vault"
EVENTS_TABLE = "dar_events"
SNAPSHOTS_TABLE = "dar_snapshots"


class SetupError(RuntimeError):
    """The database could not be set up as asked."""


@dataclass(frozen=True)
class Role:
    """A login role taken from a connection URL."""

    name: str
    password: str

    @classmethod
    def from_url(cls, url: str) -> Role:
        """The user and password named in a connection URL."""
        params = conninfo_to_dict(url)
        name, password = str(params.get("user", "")), str(params.get("password", ""))
        if not name or not password:
            msg = f"the URL for role {name or '?'} must name a user and a password"
            raise SetupError(msg)
        return cls(name=name, password=password)


def read_schema(settings: Settings) -> str:
    """The schema of the read models, beside the event schema."""
    return settings.postgres_schema + READ_SCHEMA_SUFFIX


def vault_schema(settings: Settings) -> str:
    """The key vault's schema, beside the event schema."""
    return settings.postgres_schema + VAULT_SCHEMA_SUFFIX


def setup_database(admin_url: str, settings: Settings) -> None:
    """Create the roles, schemas, event tables and grants. Safe to run again."""
    if settings.owner_database_url is None or settings.projector_database_url is None:
        msg = "set DAR_OWNER_DATABASE_URL and DAR_PROJECTOR_DATABASE_URL for the setup"
        raise SetupError(msg)
    owner = Role.from_url(settings.owner_database_url)
    app = Role.from_url(settings.database_url)
    projector = Role.from_url(settings.projector_database_url)
    if len({owner.name, app.name, projector.name}) != 3:
        msg = "the owner, application and projector must be three different roles"
        raise SetupError(msg)
    dbname = str(conninfo_to_dict(settings.database_url).get("dbname", ""))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("REVOKE ALL ON DATABASE {0} FROM PUBLIC").format(sql.Identifier(dbname))
        )
        for role in (owner, app, projector):
            _ensure_role(conn, role, dbname)
        bound_roles(conn, settings)
        _ensure_schema(conn, settings.postgres_schema, owner.name)
        _ensure_schema(conn, read_schema(settings), projector.name)
        _ensure_schema(conn, vault_schema(settings), owner.name)
    owner_settings = settings.model_copy(update={"database_url": settings.owner_database_url})
    open_event_store(owner_settings, create_tables=True, timeouts=owner_timeouts(settings)).close()
    with psycopg.connect(settings.owner_database_url, autocommit=True) as conn:
        _grant_event_access(conn, settings.postgres_schema, app.name, projector.name)
        create_postgres_vault_tables(conn, vault_schema(settings), app.name)
    with psycopg.connect(settings.projector_database_url, autocommit=True) as conn:
        _grant_read_model_access(conn, read_schema(settings), app.name)


def setup_auditor_role(admin_url: str, settings: Settings, auditor_url: str) -> str:
    """A login role that may only SELECT the events and their chain; its name. Safe to run again.

    Run after `setup_database`: the grants are the owner's, on the tables it created.
    """
    if settings.owner_database_url is None:
        msg = "set DAR_OWNER_DATABASE_URL for the setup"
        raise SetupError(msg)
    auditor = Role.from_url(auditor_url)
    others = (settings.database_url, settings.owner_database_url, settings.projector_database_url)
    if auditor.name in {Role.from_url(url).name for url in others if url is not None}:
        msg = "the auditor needs a role of its own (not the owner, application or projector)"
        raise SetupError(msg)
    dbname = str(conninfo_to_dict(settings.database_url).get("dbname", ""))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        _ensure_role(conn, auditor, dbname)
        _bound_role(conn, auditor.name, projector_timeouts(settings))  # long reads, bounded
    s, a = sql.Identifier(settings.postgres_schema), sql.Identifier(auditor.name)
    with psycopg.connect(settings.owner_database_url, autocommit=True) as conn:
        conn.execute(sql.SQL("GRANT USAGE ON SCHEMA {0} TO {1}").format(s, a))
        conn.execute(
            sql.SQL("GRANT SELECT ON {0}.{1}, {0}.{2} TO {3}").format(
                s, sql.Identifier(EVENTS_TABLE), sql.Identifier(CHAIN_TABLE), a
            )
        )
    return auditor.name


def _ensure_role(conn: psycopg.Connection[tuple[object, ...]], role: Role, dbname: str) -> None:
    exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role.name,)).fetchone()
    verb = "ALTER" if exists else "CREATE"
    conn.execute(
        sql.SQL(verb + " ROLE {0} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD {1}").format(
            sql.Identifier(role.name), sql.Literal(role.password)
        )
    )
    conn.execute(
        sql.SQL("GRANT CONNECT ON DATABASE {0} TO {1}").format(
            sql.Identifier(dbname), sql.Identifier(role.name)
        )
    )


def bound_roles(conn: psycopg.Connection[tuple[object, ...]], settings: Settings) -> None:
    """As an administrator: give each role of these settings its timeouts as role defaults."""
    roles = (
        (settings.database_url, app_timeouts(settings)),
        (settings.projector_database_url, projector_timeouts(settings)),
        (settings.owner_database_url, owner_timeouts(settings)),
    )
    for url, timeouts in roles:
        if url is not None:
            _bound_role(conn, Role.from_url(url).name, timeouts)


def _bound_role(conn: psycopg.Connection[tuple[object, ...]], role: str, bounds: Timeouts) -> None:
    for name, value in bounds.parameters().items():
        conn.execute(
            sql.SQL("ALTER ROLE {0} SET {1} = {2}").format(
                sql.Identifier(role), sql.Identifier(name), sql.Literal(value)
            )
        )


def _ensure_schema(conn: psycopg.Connection[tuple[object, ...]], schema: str, owner: str) -> None:
    conn.execute(
        sql.SQL("CREATE SCHEMA IF NOT EXISTS {0} AUTHORIZATION {1}").format(
            sql.Identifier(schema), sql.Identifier(owner)
        )
    )
    conn.execute(
        sql.SQL("ALTER SCHEMA {0} OWNER TO {1}").format(
            sql.Identifier(schema), sql.Identifier(owner)
        )
    )


def _grant_event_access(
    conn: psycopg.Connection[tuple[object, ...]], schema: str, app: str, projector: str
) -> None:
    s = sql.Identifier(schema)
    events, commands = sql.Identifier(EVENTS_TABLE), sql.Identifier(COMMANDS_TABLE)
    guard, batch = sql.Identifier(BEGIN_APPEND), sql.Identifier(APPEND_BATCH)
    statements = [
        sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA {0} FROM PUBLIC").format(s),
        sql.SQL("REVOKE ALL ON FUNCTION {0}.{1}, {0}.{2} FROM PUBLIC").format(s, guard, batch),
        sql.SQL("GRANT USAGE ON SCHEMA {0} TO {1}, {2}").format(
            s, sql.Identifier(app), sql.Identifier(projector)
        ),
        sql.SQL("GRANT SELECT, INSERT ON {0}.{1}, {0}.{2} TO {3}").format(
            s, events, commands, sql.Identifier(app)
        ),
        sql.SQL("GRANT SELECT, INSERT, DELETE ON {0}.{1} TO {2}").format(
            s, sql.Identifier(SNAPSHOTS_TABLE), sql.Identifier(app)
        ),
        sql.SQL("GRANT USAGE ON ALL SEQUENCES IN SCHEMA {0} TO {1}").format(s, sql.Identifier(app)),
        sql.SQL("GRANT EXECUTE ON FUNCTION {0}.{1}, {0}.{2} TO {3}").format(
            s, guard, batch, sql.Identifier(app)
        ),
        sql.SQL("GRANT SELECT ON {0}.{1}, {0}.{2} TO {3}").format(
            s, events, commands, sql.Identifier(projector)
        ),
        sql.SQL("GRANT SELECT ON {0}.{1} TO {2}, {3}").format(
            s, sql.Identifier(CHAIN_TABLE), sql.Identifier(app), sql.Identifier(projector)
        ),
    ]
    for statement in statements:
        conn.execute(statement)


def _grant_read_model_access(
    conn: psycopg.Connection[tuple[object, ...]], schema: str, app: str
) -> None:
    s, a = sql.Identifier(schema), sql.Identifier(app)
    conn.execute(sql.SQL("GRANT USAGE ON SCHEMA {0} TO {1}").format(s, a))
    conn.execute(
        sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA {0} GRANT SELECT ON TABLES TO {1}").format(s, a)
    )
