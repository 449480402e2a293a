"""The raw files a store keeps on disk, searched byte for byte (what a copy of the disk holds).

PostgreSQL: the database's folder under the server's data directory (`base/<oid>`), after a
CHECKPOINT so every page the server holds in memory is in its file; the write-ahead log apart.
SQLite: every file in the folder of the events' file (events, read models, vault, their logs).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict

from infrastructure.eventstore.factory import SQLITE_PREFIX, is_postgres
from infrastructure.settings import Settings
from tests.support.postgres import PostgresServer


@dataclass(frozen=True)
class DataFiles:
    """The files of one store; `server` for PostgreSQL (None for SQLite)."""

    settings: Settings
    server: PostgresServer | None

    def holding(self, needle: bytes) -> list[str]:
        """The data files whose bytes contain `needle`."""
        return sorted(str(path) for path in self._files() if needle in path.read_bytes())

    def wal_holding(self, needle: bytes) -> list[str]:
        """PostgreSQL: the write-ahead log segments that contain `needle`."""
        assert self.server is not None
        return sorted(
            str(p) for p in _walk(self.server.data_dir / "pg_wal") if needle in p.read_bytes()
        )

    def _files(self) -> Iterator[Path]:
        if self.server is None:
            return _walk(Path(self.settings.database_url.removeprefix(SQLITE_PREFIX)).parent)
        dbname = str(conninfo_to_dict(self.settings.database_url)["dbname"])
        with psycopg.connect(self.server.admin_url(dbname), autocommit=True) as conn:
            conn.execute("CHECKPOINT")
            row = conn.execute(
                "SELECT oid FROM pg_database WHERE datname = current_database()"
            ).fetchone()
        assert row is not None
        return _walk(self.server.data_dir / "base" / str(row[0]))


def data_files(settings: Settings, server: PostgresServer | None) -> DataFiles:
    """The files of the store `settings` name."""
    assert (server is not None) == is_postgres(settings.database_url)
    return DataFiles(settings, server)


def _walk(folder: Path) -> Iterator[Path]:
    return (path for path in folder.rglob("*") if path.is_file())
