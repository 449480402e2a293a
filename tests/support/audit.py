"""Helpers of the audit tests: the database owner's direct SQL, the CLI, the reference verifier."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from typer.testing import CliRunner

from api.cli import app as cli
from infrastructure.eventstore.factory import is_postgres
from infrastructure.readmodels.payments import PAYMENTS, REFUNDS
from infrastructure.readmodels.setup import open_read_database
from infrastructure.settings import Settings

REFERENCE = Path(__file__).parents[2] / "tools" / "verify_export.py"


@dataclass
class Owner:
    """Direct SQL on the event tables with the rights of the database's owner."""

    settings: Settings

    @property
    def postgres(self) -> bool:
        return is_postgres(self.settings.database_url)

    @property
    def events(self) -> str:
        return "dar.dar_events" if self.postgres else "stored_events"

    @property
    def chain(self) -> str:
        return "dar.dar_chain" if self.postgres else "dar_chain"

    @property
    def pos(self) -> str:
        return "notification_id" if self.postgres else "rowid"

    def run(self, *statements: tuple[str, tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """Run the statements in one transaction; the last one's rows."""
        rows: list[tuple[Any, ...]] = []
        if self.postgres:
            with psycopg.connect(self.settings.owner_database_url or "") as conn:
                for statement, params in statements:
                    cur = conn.execute(statement.replace("?", "%s"), params)
                    rows = cur.fetchall() if cur.description else []
            return rows
        file = sqlite3.connect(self.settings.database_url.removeprefix("sqlite:///"))
        with file:
            for statement, params in statements:
                rows = file.execute(statement, params).fetchall()
        file.close()
        return rows

    def without_chaining(self, *statements: tuple[str, tuple[Any, ...]]) -> None:
        """As `run`, the chaining trigger disabled meanwhile (the owner may)."""
        if not self.postgres:
            self.run(*statements)
            return
        trigger = "ALTER TABLE dar.dar_events {} TRIGGER dar_chain_appended"
        self.run((trigger.format("DISABLE"), ()), *statements, (trigger.format("ENABLE"), ()))

    def move(self, source: int, target: int) -> tuple[str, tuple[Any, ...]]:
        return f"UPDATE {self.events} SET {self.pos} = ? WHERE {self.pos} = ?", (target, source)

    def alter_payload(self, position: int) -> None:
        """Change one byte of the stored state at `position`."""
        [(state,)] = self.run(
            (f"SELECT state FROM {self.events} WHERE {self.pos} = ?", (position,))
        )
        altered = bytes(state)[:-1] + bytes([bytes(state)[-1] ^ 1])
        self.run((f"UPDATE {self.events} SET state = ? WHERE {self.pos} = ?", (altered, position)))


def alter_payments_read_model(settings: Settings, statement: str, *params: object) -> None:
    """Direct SQL on the payments read model (`{payments}`, `{refunds}`), as its owner would.

    The owner of the read models is the projector's role on PostgreSQL (it owns their schema);
    on SQLite, whoever may write their file.
    """
    db = open_read_database(settings, projector=True)
    try:
        with db.write() as cur:
            tables = {"payments": db.table(PAYMENTS), "refunds": db.table(REFUNDS)}
            cur.execute(statement.format(**tables), params)
    finally:
        db.close()


def run_dar(settings: Settings, *args: str) -> tuple[int, str]:
    """`dar ARGS` with these settings; its exit code and output."""
    env = {"DAR_DATABASE_URL": settings.database_url}
    done = CliRunner().invoke(cli, list(args), env=env)
    return done.exit_code, done.output


def reference_verifier(export: Path, *checkpoints: Path) -> tuple[int, str]:
    """The reference program, run without site-packages: the standard library only."""
    args = [str(export)] + [f"--checkpoint={c}" for c in checkpoints]
    done = subprocess.run(  # noqa: S603 - our own program
        [sys.executable, "-I", "-S", str(REFERENCE), *args],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr
