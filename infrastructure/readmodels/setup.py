"""Opens the read-model database that goes with the configured event store."""

from __future__ import annotations

from infrastructure.eventstore.factory import SQLITE_PREFIX, is_postgres
from infrastructure.eventstore.pg_setup import read_schema
from infrastructure.readmodels.database import (
    PostgresReadDatabase,
    ReadDatabase,
    SQLiteReadDatabase,
)
from infrastructure.settings import Settings
from infrastructure.timeouts import app_timeouts, projector_timeouts


def sqlite_sibling_path(events_path: str, suffix: str) -> str:
    """A file beside the events' file: `dar.sqlite` → `dar-<suffix>.sqlite`."""
    base, query = [*events_path.split("?", 1), ""][:2]
    if base.endswith(".sqlite"):
        base = base.removesuffix(".sqlite") + f"-{suffix}.sqlite"
    else:
        base += f"-{suffix}"
    return f"{base}?{query}" if query else base


def sqlite_read_path(events_path: str) -> str:
    """The read models' file beside the events' file: `dar.sqlite` → `dar-read.sqlite`."""
    return sqlite_sibling_path(events_path, "read")


def open_read_database(settings: Settings, *, projector: bool) -> ReadDatabase:
    """The read models; with `projector`, able to write them too (PostgreSQL: projector role)."""
    url = settings.database_url
    if is_postgres(url):
        write_url = settings.projector_database_url if projector else None
        write = (write_url, projector_timeouts(settings)) if write_url else None
        return PostgresReadDatabase(read_schema(settings), (url, app_timeouts(settings)), write)
    return SQLiteReadDatabase(sqlite_read_path(url.removeprefix(SQLITE_PREFIX)))
