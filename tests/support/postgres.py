"""A throwaway PostgreSQL server for the test suite and the benchmarks.

It runs as the `postgres` user when we are root (PostgreSQL refuses to start as root), in a
temporary folder, on a free loopback port, and is stopped at the end.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

BIN_DIRS = (
    "/usr/lib/postgresql/15/bin",
    "/usr/lib/postgresql/16/bin",
    "/usr/lib/postgresql/17/bin",
)
MISSING = (
    "PostgreSQL server binaries (initdb, pg_ctl) were not found. Install them with "
    "`apt-get install postgresql` (Debian/Ubuntu), or set DAR_PG_BIN to their folder."
)


class PostgresUnavailableError(RuntimeError):
    """No PostgreSQL server binaries on this machine."""


def find_bin_dir() -> Path:
    """The folder holding initdb and pg_ctl."""
    candidates = [os.environ.get("DAR_PG_BIN", ""), *BIN_DIRS]
    for candidate in candidates:
        if candidate and (Path(candidate) / "initdb").exists():
            return Path(candidate)
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    raise PostgresUnavailableError(MISSING)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class PostgresServer:
    """A running throwaway server; `admin_url` reaches its superuser."""

    bin_dir: Path
    root: Path
    port: int
    password: str
    fsync: bool

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    def url(self, user: str, password: str, dbname: str) -> str:
        """A connection URL to this server."""
        return f"postgresql://{user}:{password}@127.0.0.1:{self.port}/{dbname}"

    def admin_url(self, dbname: str = "postgres") -> str:
        """The superuser's URL."""
        return self.url("postgres", self.password, dbname)

    def _run(self, *args: str) -> None:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, text=True)  # noqa: S603

    def start(self) -> None:
        """Initdb and start, as the postgres user when we are root."""
        if os.geteuid() == 0:
            shutil.chown(self.root, user="postgres")
        pwfile = self.root / "pw"
        pwfile.write_text(self.password)
        if os.geteuid() == 0:
            shutil.chown(pwfile, user="postgres")
        self._run(
            "initdb",
            "-D",
            str(self.data_dir),
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            f"--pwfile={pwfile}",
        )
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            f"-c fsync={'on' if self.fsync else 'off'} -c max_connections=200 "
            "-c shared_buffers=128MB"
        )
        if not self.fsync:
            # A test server copies its template database for nearly every test: without
            # checkpoints in between (nothing here survives a crash anyway), a copy takes
            # tens of milliseconds instead of a third of a second.
            options += " -c max_wal_size=8GB -c checkpoint_timeout=1d"
        log = self.root / "server.log"
        self._run("pg_ctl", "-D", str(self.data_dir), "-o", options, "-l", str(log), "-w", "start")

    def stop(self) -> None:
        """Stop immediately and remove the data folder."""
        try:
            self._run("pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def start_postgres(*, fsync: bool = False) -> PostgresServer:
    """Start a throwaway server (fsync off for tests, on for benchmarks)."""
    root = Path(tempfile.mkdtemp(prefix="dar-pg-"))
    root.chmod(0o755)
    server = PostgresServer(
        bin_dir=find_bin_dir(),
        root=root,
        port=_free_port(),
        password=secrets.token_hex(8),
        fsync=fsync,
    )
    server.start()
    return server
