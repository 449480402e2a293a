"""Opens Dar's one event store from the database URL in the settings."""

from __future__ import annotations

from pathlib import Path

from psycopg.conninfo import conninfo_to_dict

from application.store import EventStore
from infrastructure.settings import Settings
from infrastructure.timeouts import Timeouts, app_timeouts

SQLITE_PREFIX = "sqlite:///"
POSTGRES_PREFIXES = ("postgresql://", "postgres://")


class UnsupportedDatabaseURLError(ValueError):
    """The database URL names neither SQLite nor PostgreSQL."""


def is_postgres(url: str) -> bool:
    """Whether the URL names a PostgreSQL database."""
    return url.startswith(POSTGRES_PREFIXES)


def store_environment(settings: Settings, timeouts: Timeouts | None = None) -> dict[str, str]:
    """The eventsourcing environment for the configured database.

    On PostgreSQL its connections carry `timeouts` (by default the application role's).
    """
    url = settings.database_url
    if url.startswith(SQLITE_PREFIX):
        return _sqlite_environment(url.removeprefix(SQLITE_PREFIX))
    if is_postgres(url):
        return _postgres_environment(url, settings, timeouts or app_timeouts(settings))
    msg = f"DAR_DATABASE_URL must start with {SQLITE_PREFIX} or postgresql://"
    raise UnsupportedDatabaseURLError(msg)


def _sqlite_environment(path: str) -> dict[str, str]:
    if ":memory:" not in path and "mode=memory" not in path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    return {
        "PERSISTENCE_MODULE": "infrastructure.eventstore.sqlite:DarSQLiteFactory",
        "SQLITE_DBNAME": path,
        "SQLITE_LOCK_TIMEOUT": "10",
        "APPLICATION_RECORDER_TOPIC": "infrastructure.eventstore.sqlite:DarSQLiteRecorder",
        "CREATE_TABLE": "y",  # the embedded store sets itself up
    }


def postgres_connection_environment(url: str) -> dict[str, str]:
    """The library's POSTGRES_* keys for one role's connection URL."""
    params = conninfo_to_dict(url)
    return {
        "POSTGRES_DBNAME": str(params.get("dbname", "")),
        "POSTGRES_HOST": str(params.get("host", "localhost")),
        "POSTGRES_PORT": str(params.get("port", "5432")),
        "POSTGRES_USER": str(params.get("user", "")),
        "POSTGRES_PASSWORD": str(params.get("password", "")),
    }


def _postgres_environment(url: str, settings: Settings, timeouts: Timeouts) -> dict[str, str]:
    return {
        "PERSISTENCE_MODULE": "infrastructure.eventstore.postgres:DarPostgresFactory",
        **postgres_connection_environment(url),
        "POSTGRES_SCHEMA": settings.postgres_schema,
        "POSTGRES_LOCK_TIMEOUT": str(timeouts.lock),  # the append's SET LOCAL lock_timeout
        "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT": str(timeouts.idle_in_transaction),
        "POSTGRES_OPTIONS": timeouts.options(),
        "POSTGRES_POOL_SIZE": str(settings.postgres_pool_size),
        "POSTGRES_GROUP_COMMIT": "y" if settings.postgres_group_commit else "n",
        "POSTGRES_ENABLE_DB_FUNCTIONS": "n",  # they drop the table lock: followers skip events
        "POSTGRES_CONNECT_TIMEOUT": "10",
        "APPLICATION_RECORDER_TOPIC": "infrastructure.eventstore.postgres:DarPostgresRecorder",
        "CREATE_TABLE": "n",  # the tables are the owner role's: `dar db setup` creates them
    }


def open_event_store(
    settings: Settings, *, create_tables: bool | None = None, timeouts: Timeouts | None = None
) -> EventStore:
    """The one event store of this process (its connections bounded by `timeouts`)."""
    env = store_environment(settings, timeouts)
    if create_tables is not None:
        env["CREATE_TABLE"] = "y" if create_tables else "n"
    return EventStore(env=env)
