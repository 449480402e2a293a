"""Where a projection stopped, and why: kept in the read database so every process can see it.

A projection that cannot apply an event stops just before it (the others go on) and retries with
back-off. Its failure is one row per projection, cleared in the transaction that passes it. An
operator may skip exactly the failing event; the skip is kept for ever, with who, why and when.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from infrastructure.readmodels.database import TRACKING, ReadDatabase, SqlCursor, as_time
from projections.errors import StaleError

FAILURES = "dar_projection_failures"
SKIPS = "dar_projection_skips"
MAX_MESSAGE = 500
_FAILURE_COLUMNS = (
    "projection, position, topic, error, message, first_seen, last_seen, attempts, next_retry"
)
_SKIP_COLUMNS = "projection, position, topic, error, message, reason, skipped_by, skipped_at"


@dataclass(frozen=True)
class Backoff:
    """Retries of a failed projection wait longer each time: first, 2x first, 4x … up to the cap."""

    first_seconds: float = 1.0
    cap_seconds: float = 60.0

    def delay(self, attempts: int) -> timedelta:
        """The wait after the `attempts`-th failure in a row (1 for the first)."""
        exponent = min(max(attempts, 1) - 1, 62)  # past the cap long before: no huge powers
        return timedelta(seconds=min(self.cap_seconds, self.first_seconds * 2.0**exponent))


@dataclass(frozen=True)
class Failure:
    """A projection stopped before the event at `position`, which it could not apply."""

    projection: str
    position: int
    topic: str
    error: str
    message: str
    first_seen: datetime
    last_seen: datetime
    attempts: int
    next_retry: datetime


@dataclass(frozen=True)
class Skip:
    """An event an operator told a projection to pass over, with who, why and when."""

    projection: str
    position: int
    topic: str
    error: str
    message: str
    reason: str
    skipped_by: str
    skipped_at: datetime


@dataclass(frozen=True)
class FailedEvent:
    """The event a projection could not apply, and the error it raised."""

    position: int
    topic: str
    error: BaseException

    @property
    def message(self) -> str:
        """The error's class and message, bounded."""
        return f"{type(self.error).__name__}: {self.error}"[:MAX_MESSAGE]


class ActionRefusedError(Exception):
    """An operator asked to retry or skip where no projection fails, or at another position."""


def create_failure_tables(db: ReadDatabase) -> None:
    """The failures and the skips (safe to run again)."""
    with db.write() as cur:
        cur.execute(
            db.ddl(
                "CREATE TABLE IF NOT EXISTS {schema}" + FAILURES + " ("
                "projection {text} PRIMARY KEY, position {bigint} NOT NULL, topic {text} NOT NULL, "
                "error {text} NOT NULL, message {text} NOT NULL, first_seen {time} NOT NULL, "
                "last_seen {time} NOT NULL, attempts {bigint} NOT NULL, next_retry {time} NOT NULL)"
            )
        )
        cur.execute(
            db.ddl(
                "CREATE TABLE IF NOT EXISTS {schema}" + SKIPS + " ("
                "projection {text} NOT NULL, position {bigint} NOT NULL, topic {text} NOT NULL, "
                "error {text} NOT NULL, message {text} NOT NULL, reason {text} NOT NULL, "
                "skipped_by {text} NOT NULL, skipped_at {time} NOT NULL, "
                "PRIMARY KEY (projection, position))"
            )
        )


def current_failures(db: ReadDatabase) -> dict[str, Failure]:
    """Each failing projection's failure; a row its projection has since passed is not current."""
    try:
        with db.read() as cur:
            cur.execute(
                f"SELECT {_qualified('f', _FAILURE_COLUMNS)} FROM {db.table(FAILURES)} f "
                f"LEFT JOIN {db.table(TRACKING)} t ON t.projection = f.projection "
                "WHERE f.position > COALESCE(t.position, 0) ORDER BY f.projection"
            )
            rows = cur.fetchall()
    except StaleError:
        return {}  # no projector has run yet
    return {str(r[0]): _failure(r) for r in rows}


def recent_skips(db: ReadDatabase, limit: int = 20) -> list[Skip]:
    """The latest skips, newest first."""
    try:
        with db.read() as cur:
            cur.execute(
                f"SELECT {_SKIP_COLUMNS} FROM {db.table(SKIPS)} "
                "ORDER BY skipped_at DESC, position DESC LIMIT ?",
                (limit,),
            )
            rows = cur.fetchall()
    except StaleError:
        return []
    return [_skip(r) for r in rows]


def record_failure(
    db: ReadDatabase, key: str, failed: FailedEvent, now: datetime, backoff: Backoff
) -> Failure | None:
    """Record (or count again) the failure of projection `key`; None if it is past it already.

    Held against other runners like a batch, so that a failure is never recorded behind a skip.
    """
    with db.write() as cur:
        if db.claim(cur, key) >= failed.position:
            return None
        before = _failure_row(db, cur, key)
        again = before is not None and before.position == failed.position
        attempts = before.attempts + 1 if again and before else 1
        failure = Failure(
            projection=key,
            position=failed.position,
            topic=failed.topic,
            error=type(failed.error).__name__,
            message=failed.message,
            first_seen=before.first_seen if again and before else now,
            last_seen=now,
            attempts=attempts,
            next_retry=now + backoff.delay(attempts),
        )
        cur.execute(f"DELETE FROM {db.table(FAILURES)} WHERE projection = ?", (key,))
        cur.execute(
            f"INSERT INTO {db.table(FAILURES)} ({_FAILURE_COLUMNS}) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                key,
                failure.position,
                failure.topic,
                failure.error,
                failure.message,
                failure.first_seen,
                failure.last_seen,
                failure.attempts,
                failure.next_retry,
            ),
        )
    return failure


def clear_failure(db: ReadDatabase, cur: SqlCursor, key: str, passed: int) -> None:
    """In the transaction that applies up to `passed`: the failure there is over."""
    cur.execute(
        f"DELETE FROM {db.table(FAILURES)} WHERE projection = ? AND position <= ?", (key, passed)
    )


def retry_now(db: ReadDatabase, key: str, now: datetime) -> Failure:
    """Make the failing projection `key` try its event again at the runner's next round."""
    with db.write() as cur:
        failure = _current(db, cur, key)
        cur.execute(
            f"UPDATE {db.table(FAILURES)} SET next_retry = ? WHERE projection = ?", (now, key)
        )
    return failure


def skip_failed_event(  # noqa: PLR0913 - what a skip records: all keywords but the first two
    db: ReadDatabase, key: str, *, position: int, reason: str, by: str, now: datetime
) -> Skip:
    """Pass over the one event projection `key` fails on; refused for any other position.

    The projection's position moves to the event, the failure is cleared and the skip kept,
    all in one transaction held against the runners.
    """
    if not reason.strip() or not by.strip():
        msg = "a skip needs a reason and the name of who decided it"
        raise ActionRefusedError(msg)
    with db.write() as cur:
        failure = _current(db, cur, key)
        if failure.position != position:
            msg = f"{key} fails at position {failure.position}, not {position}: nothing skipped"
            raise ActionRefusedError(msg)
        skip = Skip(key, position, failure.topic, failure.error, failure.message, reason, by, now)
        cur.execute(
            f"INSERT INTO {db.table(SKIPS)} ({_SKIP_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (key, position, skip.topic, skip.error, skip.message, reason, by, now),
        )
        db.track(cur, key, position, now)
        clear_failure(db, cur, key, position)
    return skip


def _current(db: ReadDatabase, cur: SqlCursor, key: str) -> Failure:
    """In a write transaction held against the runners: the failure projection `key` is at."""
    tracked = db.claim(cur, key)
    failure = _failure_row(db, cur, key)
    if failure is None or failure.position <= tracked:
        msg = f"{key} is not failing: nothing to retry or skip"
        raise ActionRefusedError(msg)
    return failure


def _failure_row(db: ReadDatabase, cur: SqlCursor, key: str) -> Failure | None:
    cur.execute(f"SELECT {_FAILURE_COLUMNS} FROM {db.table(FAILURES)} WHERE projection = ?", (key,))
    row = cur.fetchone()
    return _failure(row) if row else None


def _qualified(alias: str, columns: str) -> str:
    return ", ".join(f"{alias}.{c.strip()}" for c in columns.split(","))


def _failure(r: tuple[object, ...]) -> Failure:
    return Failure(
        projection=str(r[0]),
        position=int(str(r[1])),
        topic=str(r[2]),
        error=str(r[3]),
        message=str(r[4]),
        first_seen=as_time(r[5]),
        last_seen=as_time(r[6]),
        attempts=int(str(r[7])),
        next_retry=as_time(r[8]),
    )


def _skip(r: tuple[object, ...]) -> Skip:
    return Skip(
        projection=str(r[0]),
        position=int(str(r[1])),
        topic=str(r[2]),
        error=str(r[3]),
        message=str(r[4]),
        reason=str(r[5]),
        skipped_by=str(r[6]),
        skipped_at=as_time(r[7]),
    )
