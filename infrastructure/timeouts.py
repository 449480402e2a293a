"""How long each of Dar's PostgreSQL roles may wait: for a lock, a statement, an idle transaction.

A lock held by another session (a migration, a session left idle in a transaction) may delay a
command by a few seconds, never for as long as it lasts: past the bound the command answers
`STORE_BUSY`, nothing recorded, and the client retries with the same commandId.

Each role's bounds are set twice: as the role's defaults by `dar db setup` (`ALTER ROLE … SET`), so
that a session opened by hand under that role is bounded too, and on every connection Dar opens
(libpq `options`), so that they hold even before the set-up is run again.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from application.errors import StoreBusyError
from infrastructure.settings import Settings

REACHED_A_BOUND = (psycopg.errors.LockNotAvailable, psycopg.errors.QueryCanceled, PoolTimeout)


@dataclass(frozen=True)
class Timeouts:
    """One role's bounds, in seconds."""

    lock: int
    statement: int
    idle_in_transaction: int

    def parameters(self) -> dict[str, str]:
        """The server's settings, by name."""
        return {
            "lock_timeout": f"{self.lock}s",
            "statement_timeout": f"{self.statement}s",
            "idle_in_transaction_session_timeout": f"{self.idle_in_transaction}s",
        }

    def options(self) -> str:
        """The libpq `options` that set them on a new connection."""
        return " ".join(f"-c {name}={value}" for name, value in self.parameters().items())


def app_timeouts(settings: Settings) -> Timeouts:
    """The application role: commands, queries and the vault answer within seconds."""
    return Timeouts(
        lock=settings.postgres_lock_timeout_seconds,
        statement=settings.postgres_statement_timeout_seconds,
        idle_in_transaction=settings.postgres_idle_in_transaction_timeout_seconds,
    )


def projector_timeouts(settings: Settings) -> Timeouts:
    """The projector role: batches of a thousand events and rebuilds take longer, not for ever."""
    return Timeouts(
        lock=settings.postgres_projector_lock_timeout_seconds,
        statement=settings.postgres_projector_statement_timeout_seconds,
        idle_in_transaction=settings.postgres_projector_idle_in_transaction_timeout_seconds,
    )


def owner_timeouts(settings: Settings) -> Timeouts:
    """The owner role: set-up, migrations and vacuums, by hand or by `dar`."""
    return Timeouts(
        lock=settings.postgres_owner_lock_timeout_seconds,
        statement=settings.postgres_owner_statement_timeout_seconds,
        idle_in_transaction=settings.postgres_owner_idle_in_transaction_timeout_seconds,
    )


def reached_a_bound(error: BaseException | None) -> bool:
    """Whether the server or the pool gave up waiting (the statement did nothing)."""
    return isinstance(error, REACHED_A_BOUND)


@contextmanager
def busy_when_bounded() -> Iterator[None]:
    """Turn a reached bound into the typed, retryable `StoreBusyError`."""
    try:
        yield
    except REACHED_A_BOUND as error:
        raise StoreBusyError from error


class BoundedPool(ConnectionPool[Any]):
    """A connection pool whose timeouts reach callers as `StoreBusyError`."""

    @contextmanager
    def connection(self, timeout: float | None = None) -> Iterator[Any]:
        """See ConnectionPool.connection."""
        with busy_when_bounded(), super().connection(timeout) as conn:
            yield conn
