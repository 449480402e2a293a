"""Group commit: the appends of concurrent commands written in one transaction, one exchange.

A command's thread hands its events, command key and declared reads to the committer and waits.
The first thread to arrive when no batch is being written leads: it takes every append waiting
(at most `MAX_BATCH`), writes them, gives each waiting thread its own result, and hands the lead
to the first append that arrived meanwhile (its thread then writes the next batch). At one client
nothing changes hands; under load the appends that arrive while one batch is written share the
next batch's transaction, and so its disk sync.

A batch is one exchange with the server, on the committer's own connection: one statement,
`SELECT … FROM dar_append_batch(…)`, in autocommit, so its own transaction, which the server
commits before it answers that it is ready again. `dar_append_batch` (SECURITY DEFINER, owned
by the owner role) bounds its wait for the lock (the application's lock timeout, to the end of the
transaction), takes the table lock, notifies the store's channel (delivered at COMMIT), then checks
every command of the batch as a single append's guard would, one query per kind of check: a
command key already recorded, a declared read that changed, an event whose (aggregate, version)
is taken each refuse that command alone. It inserts the accepted commands' events in one statement
(one run of the chain trigger) and their command keys, and returns each command's status and each
event's position. The lock is held until COMMIT, as for a single append: positions become visible
in commit order, and a follower never skips one.

The commands of one transaction are independent: a command that reuses the key of an earlier
command of its batch, or reads or writes an aggregate that an earlier one writes, starts the next
transaction of the batch (`independent_parts`), so that its checks see that command recorded, as
they would have one append after the other.

Each waiting thread gets its answer only after COMMIT returned (fsync and synchronous_commit as
the server has them, on by default): its own positions, or its own refusal raised as a single
append raises it (`CommandAlreadyRecordedError`, `StaleReadError`, `IntegrityError`).

A batch whose connection is lost is written again on a new connection, as the library retries a
single append: the commands the lost COMMIT recorded are then refused as recorded, and each of
their callers looks its key up and returns its first outcome.
"""

from __future__ import annotations

import contextlib
import struct
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import (
    DatabaseError,
    DataError,
    IntegrityError,
    InternalError,
    NotSupportedError,
    OperationalError,
    PersistenceError,
    ProgrammingError,
    StoredEvent,
)
from psycopg import pq, sql
from psycopg.adapt import Dumper
from psycopg.postgres import types as pg_types

from application.errors import CommandAlreadyRecordedError, StaleReadError, StoreBusyError
from application.ports import CommandRecord
from infrastructure.timeouts import reached_a_bound

APPEND_BATCH = "dar_append_batch"
MAX_BATCH = 128  # commands per transaction
ACCEPTED, RECORDED, STALE, TAKEN = "ok", "recorded", "stale", "taken"
Connect = Callable[[], psycopg.Connection[Any]]


def append_batch_function(
    schema: sql.Identifier,
    table: sql.Identifier,
    commands: sql.Identifier,
    busy: str,
) -> sql.Composed:
    """The SQL that creates `dar_append_batch` (the batch's checks and inserts, under the lock).

    Its commands are independent of each other (`independent_parts`): each is checked against
    the table alone, as a single append's guard would check it, in one query per kind of check.
    """
    return sql.SQL(
        "CREATE OR REPLACE FUNCTION {schema}.{fn}("
        "p_actors text[], p_command_ids text[], p_digests text[], p_outcomes text[], "
        "p_event_owners int[], p_ids uuid[], p_versions bigint[], p_topics text[], "
        "p_states bytea[], p_read_owners int[], p_read_ids uuid[], p_read_versions bigint[], "
        "p_lock_timeout text, p_channel text, "
        "OUT statuses text[], OUT details text[], OUT positions bigint[]) "
        "LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $body$ "
        "DECLARE "
        "  n int := coalesce(cardinality(p_actors), 0); "
        "  m int := coalesce(cardinality(p_ids), 0); "
        "  hit record; keep int[]; drawn bigint[]; j int; "
        "BEGIN "
        "  PERFORM set_config('lock_timeout', p_lock_timeout, true); "  # to the transaction's end
        "  BEGIN "
        "    LOCK TABLE {schema}.{table} IN EXCLUSIVE MODE; "
        "  EXCEPTION WHEN lock_not_available THEN "
        "    RAISE EXCEPTION 'the event store is busy' USING ERRCODE = '{busy}'; "
        "  END; "
        "  details := array_fill(NULL::text, ARRAY[n]); "
        "  positions := array_fill(NULL::bigint, ARRAY[m]); "
        "  PERFORM pg_notify(p_channel, ''); "  # as NOTIFY: delivered at COMMIT
        # Each statement of a function costs the server tens of µs whatever it does: the
        # statuses start as one statement, and a batch that declares no read skips that check.
        # a command key already recorded (the single append's guard checks it first)
        "  statuses := ARRAY(SELECT CASE WHEN k.command_id IS NOT NULL AND EXISTS ("
        "      SELECT 1 FROM {schema}.{commands} c "
        "       WHERE c.actor = k.actor AND c.command_id = k.command_id) "
        "    THEN '{recorded}' ELSE '{accepted}' END "
        "    FROM unnest(p_actors, p_command_ids) WITH ORDINALITY AS k(actor, command_id, i) "
        "    ORDER BY k.i); "
        # a declared read that changed
        "  IF coalesce(cardinality(p_read_ids), 0) > 0 THEN "
        "    FOR hit IN SELECT d.owner, d.id "
        "        FROM unnest(p_read_owners, p_read_ids, p_read_versions) AS d(owner, id, version) "
        "       WHERE COALESCE((SELECT max(v.originator_version) FROM {schema}.{table} v "
        "                       WHERE v.originator_id = d.id), 0) <> d.version LOOP "
        "      IF statuses[hit.owner] = '{accepted}' THEN "
        "        statuses[hit.owner] := '{stale}'; details[hit.owner] := hit.id::text; "
        "      END IF; "
        "    END LOOP; "
        "  END IF; "
        # an event whose aggregate version is taken (a single append's unique violation)
        "  FOR hit IN SELECT x.owner "
        "      FROM unnest(p_event_owners, p_ids, p_versions) AS x(owner, id, version) "
        "     WHERE EXISTS (SELECT 1 FROM {schema}.{table} v "
        "                   WHERE v.originator_id = x.id AND v.originator_version = x.version) "
        "  LOOP "
        "    IF statuses[hit.owner] = '{accepted}' THEN statuses[hit.owner] := '{taken}'; END IF; "
        "  END LOOP; "
        "  keep := ARRAY(SELECT x FROM generate_series(1, m) x "
        "                 WHERE statuses[p_event_owners[x]] = '{accepted}' ORDER BY x); "
        "  IF cardinality(keep) = 0 THEN RETURN; END IF; "
        # The rows are inserted in the order of `keep`, under the lock: the j-th smallest
        # position drawn is the j-th kept event's.
        "  WITH ins AS ("
        "    INSERT INTO {schema}.{table} (originator_id, originator_version, topic, state) "
        "    SELECT p_ids[k], p_versions[k], p_topics[k], p_states[k] "
        "      FROM unnest(keep) WITH ORDINALITY AS u(k, o) ORDER BY o "
        "    RETURNING notification_id) "
        "  SELECT array_agg(notification_id ORDER BY notification_id) INTO drawn FROM ins; "
        "  FOR j IN 1..cardinality(keep) LOOP "
        "    positions[keep[j]] := drawn[j]; "
        "  END LOOP; "
        "  INSERT INTO {schema}.{commands} (actor, command_id, digest, outcome, position) "
        "  SELECT p_actors[l.i], p_command_ids[l.i], p_digests[l.i], p_outcomes[l.i], l.position "
        "    FROM (SELECT p_event_owners[k] AS i, max(positions[k]) AS position "
        "            FROM unnest(keep) k GROUP BY 1) l "
        "   WHERE p_command_ids[l.i] IS NOT NULL; "
        "END $body$"
    ).format(
        schema=schema,
        fn=sql.Identifier(APPEND_BATCH),
        table=table,
        commands=commands,
        busy=sql.SQL(busy),
        recorded=sql.SQL(RECORDED),
        stale=sql.SQL(STALE),
        taken=sql.SQL(TAKEN),
        accepted=sql.SQL(ACCEPTED),
    )


@dataclass(eq=False)
class Append:
    """One command's append, waiting for its batch (or for the lead)."""

    events: Sequence[StoredEvent]
    command: CommandRecord | None
    reads: Mapping[UUID, int]
    turn: threading.Event = field(default_factory=threading.Event)
    lead: bool = False
    ids: list[int] | None = None
    error: Callable[[], BaseException] | None = None

    def result(self) -> list[int]:
        """Its positions, or its own refusal raised in its own thread."""
        if self.error is not None:
            raise self.error()
        if self.ids is None:  # pragma: no cover - every batch answers each of its appends
            msg = "an append left its batch without an answer"
            raise OperationalError(msg)
        return self.ids


@dataclass(frozen=True)
class Statements:
    """What a batch sends: the batch function's call, with the lock bound and the channel."""

    append_batch: sql.Composed
    lock_timeout: str
    channel: str


class BatchError(Exception):
    """The batch as a whole failed; `answer` makes each caller's own exception."""

    def __init__(self, answer: Callable[[], BaseException]) -> None:
        super().__init__("the batch failed")
        self.answer = answer


class GroupCommitter:
    """Writes the appends of concurrent threads in batches, one transaction each (see module)."""

    def __init__(
        self,
        connect: Connect,
        statements: Statements,
        *,
        retries: int,
        retry_wait: float,
        busy_sqlstate: str,
    ) -> None:
        self._connect = connect
        self._statements = statements
        self._retries = retries
        self._retry_wait = retry_wait
        self._busy_sqlstate = busy_sqlstate
        self._mutex = threading.Lock()
        self._queue: list[Append] = []
        self._writing = False
        self._conn: psycopg.Connection[Any] | None = None
        self.batches = 0  # batches written (counted, for the curious and the tests)

    @property
    def waiting(self) -> int:
        """How many appends wait for a batch."""
        with self._mutex:
            return len(self._queue)

    def append(
        self,
        events: Sequence[StoredEvent],
        command: CommandRecord | None,
        reads: Mapping[UUID, int],
    ) -> list[int]:
        """Append these events (and the command key) in the next batch; their positions."""
        mine = Append(events, command, reads)
        with self._mutex:
            self._queue.append(mine)
            lead = not self._writing
            self._writing = True
        if not lead:
            mine.turn.wait()
            if not mine.lead:
                return mine.result()
        self._lead()
        return mine.result()

    def _take(self) -> list[Append]:
        with self._mutex:
            batch = self._queue[:MAX_BATCH]
            del self._queue[:MAX_BATCH]
        return batch

    def _lead(self) -> None:
        """Write the waiting appends as one batch, answer each, and pass the lead on."""
        batch: list[Append] = []
        try:
            batch = self._take()
            self._write(batch)
        finally:
            for append in batch:
                if append.ids is None and append.error is None:  # pragma: no cover
                    append.error = _operational("the batch stopped before answering")
                append.turn.set()
            with self._mutex:
                if self._queue:
                    following = self._queue[0]
                    following.lead = True
                    following.turn.set()
                else:
                    self._writing = False

    def _write(self, batch: list[Append]) -> None:
        for part in independent_parts(batch):
            self._write_part(part)

    def _write_part(self, batch: list[Append]) -> None:
        attempt = 1
        while True:
            try:
                self._write_once(batch)
            except BatchError as failed:
                if attempt > 1 and isinstance(failed.answer(), StoreBusyError):
                    # a retry met a bound: the first attempt may have committed
                    failed = BatchError(_operational(OUTCOME_UNKNOWN))
                for append in batch:
                    append.error = failed.answer
                return
            except (psycopg.OperationalError, psycopg.InterfaceError) as lost:
                self._drop_connection()
                if attempt == self._retries:
                    for append in batch:
                        append.error = _operational(str(lost))
                    return
                attempt += 1
                time.sleep(self._retry_wait)
            else:
                self.batches += 1
                return

    def _connection(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed:
            conn = self._connect()
            conn.autocommit = True  # each batch is one statement, its own transaction
            for kind, dumper in DUMPERS:
                conn.adapters.register_dumper(kind, dumper)
            self._conn = conn
        return self._conn

    def _drop_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(psycopg.Error):
                conn.close()

    def close(self) -> None:
        """Close the committer's connection (a later append opens another)."""
        with self._mutex:
            self._drop_connection()

    def _write_once(self, batch: list[Append]) -> None:
        conn = self._connection()
        s = self._statements
        try:
            arguments = (*_arguments(batch), s.lock_timeout, s.channel)
            # One statement on an autocommit connection: its own transaction, committed by the
            # server before it says it is ready again, and psycopg returns only then.
            row = conn.execute(s.append_batch, arguments, prepare=True).fetchone()
        except (psycopg.OperationalError, psycopg.InterfaceError) as error:
            if not reached_a_bound(error):
                raise
            self._drop_connection()
            raise BatchError(_busy(error)) from error
        except psycopg.Error as error:
            self._drop_connection()
            if error.sqlstate == self._busy_sqlstate:
                raise BatchError(_busy(error)) from error
            raise BatchError(_persistence(error)) from error
        if row is None:  # pragma: no cover - the function returns one row
            raise BatchError(_operational("the batch function returned nothing"))
        statuses, details, positions = _columns(row)
        start = 0
        for append, status, detail in zip(batch, statuses, details, strict=True):
            count = len(append.events)
            if status == ACCEPTED:
                append.ids = [int(p or 0) for p in positions[start : start + count]]
            else:
                append.error = _refusal(status, detail, append.command)
            start += count


OUTCOME_UNKNOWN = "a retried append met a bound: the first attempt may have committed"


def independent_parts(batch: Sequence[Append]) -> list[list[Append]]:
    """The batch cut, in arrival order, into runs of commands that do not depend on each other.

    A command depends on an earlier one of the batch when it reuses its command key or reads or
    writes an aggregate it writes: it must be checked after that one is recorded, so it starts
    the next transaction (rare: two retries of one command, two commands on one aggregate).
    """
    parts: list[list[Append]] = []
    current: list[Append] = []
    keys: set[tuple[str, str]] = set()
    written: set[UUID | str] = set()
    for append in batch:
        command = append.command
        key = (command.actor, command.command_id) if command is not None else None
        touched = {e.originator_id for e in append.events}
        if current and (
            (key is not None and key in keys)
            or not written.isdisjoint(touched)
            or not written.isdisjoint(append.reads)
        ):
            parts.append(current)
            current, keys, written = [], set(), set()
        current.append(append)
        if key is not None:
            keys.add(key)
        written |= touched
    if current:
        parts.append(current)
    return parts


@dataclass(frozen=True, slots=True)
class Encoded:
    """A one-dimensional array already in PostgreSQL's binary form (its element type's array)."""

    data: bytes


class UuidArray(Encoded):
    """uuid[]."""


class BigintArray(Encoded):
    """bigint[]."""


class IntArray(Encoded):
    """int[]."""


class TextArray(Encoded):
    """text[] (NULL elements allowed)."""


class ByteaArray(Encoded):
    """bytea[]."""


class _EncodedDumper(Dumper):
    format = pq.Format.BINARY

    def dump(self, obj: Any) -> bytes:
        data: bytes = obj.data
        return data


def _dumper(name: str) -> type[_EncodedDumper]:
    oid = pg_types[name].array_oid
    return type(f"{name.title()}ArrayDumper", (_EncodedDumper,), {"oid": oid})


DUMPERS: tuple[tuple[type[Encoded], type[Dumper]], ...] = (
    (UuidArray, _dumper("uuid")),
    (BigintArray, _dumper("int8")),
    (IntArray, _dumper("int4")),
    (TextArray, _dumper("text")),
    (ByteaArray, _dumper("bytea")),
)
"""How the committer's connection sends the batch's arrays: as they are, without psycopg
looking at every element to choose their type (about 0.2 ms of a lone command's CPU)."""

_HEADER = struct.Struct("!iiIii")  # dimensions, has NULLs, element type, length, lower bound
_EMPTY = struct.Struct("!iiI")
_LENGTH = struct.Struct("!i")
_NULL = _LENGTH.pack(-1)
_UUID_LENGTH, _INT8_LENGTH, _INT4_LENGTH = _LENGTH.pack(16), _LENGTH.pack(8), _LENGTH.pack(4)
_INT8, _INT4 = struct.Struct("!q"), struct.Struct("!i")


def _binary_array(element: str, count: int, body: bytes, *, nulls: bool = False) -> bytes:
    oid = pg_types[element].oid
    if not count:
        return _EMPTY.pack(0, 0, oid)
    return _HEADER.pack(1, int(nulls), oid, count, 1) + body


def uuid_array(values: Sequence[UUID | str]) -> UuidArray:
    """uuid[] of these ids."""
    body = b"".join(_UUID_LENGTH + (v if isinstance(v, UUID) else UUID(v)).bytes for v in values)
    return UuidArray(_binary_array("uuid", len(values), body))


def bigint_array(values: Sequence[int]) -> BigintArray:
    """bigint[] of these numbers."""
    body = b"".join(_INT8_LENGTH + _INT8.pack(v) for v in values)
    return BigintArray(_binary_array("int8", len(values), body))


def int_array(values: Sequence[int]) -> IntArray:
    """int[] of these numbers."""
    body = b"".join(_INT4_LENGTH + _INT4.pack(v) for v in values)
    return IntArray(_binary_array("int4", len(values), body))


def text_array(values: Sequence[str | None]) -> TextArray:
    """text[] of these texts (None as NULL)."""
    raw = [None if v is None else v.encode() for v in values]
    return TextArray(_binary_array("text", len(raw), _elements(raw), nulls=None in raw))


def bytea_array(values: Sequence[bytes]) -> ByteaArray:
    """bytea[] of these byte strings."""
    return ByteaArray(_binary_array("bytea", len(values), _elements(values)))


def _elements(raw: Sequence[bytes | None]) -> bytes:
    return b"".join(_NULL if b is None else _LENGTH.pack(len(b)) + b for b in raw)


def _columns(row: Any) -> tuple[list[str], list[str | None], list[int | None]]:
    if isinstance(row, Mapping):
        return row["statuses"] or [], row["details"] or [], row["positions"] or []
    return row[0] or [], row[1] or [], row[2] or []


def _arguments(batch: Sequence[Append]) -> tuple[object, ...]:
    actors: list[str | None] = []
    command_ids: list[str | None] = []
    digests: list[str | None] = []
    outcomes: list[str | None] = []
    event_owners: list[int] = []
    ids: list[UUID | str] = []
    versions: list[int] = []
    topics: list[str] = []
    states: list[bytes] = []
    read_owners: list[int] = []
    read_ids: list[UUID] = []
    read_versions: list[int] = []
    for owner, append in enumerate(batch, start=1):
        command = append.command
        actors.append(command.actor if command else None)
        command_ids.append(command.command_id if command else None)
        digests.append(command.digest if command else None)
        outcomes.append(command.outcome if command else None)
        for event in append.events:
            event_owners.append(owner)
            ids.append(event.originator_id)
            versions.append(event.originator_version)
            topics.append(event.topic)
            states.append(event.state)
        read_owners.extend(owner for _ in append.reads)
        read_ids.extend(append.reads.keys())
        read_versions.extend(append.reads.values())
    return (
        text_array(actors),
        text_array(command_ids),
        text_array(digests),
        text_array(outcomes),
        int_array(event_owners),
        uuid_array(ids),
        bigint_array(versions),
        text_array(topics),
        bytea_array(states),
        int_array(read_owners),
        uuid_array(read_ids),
        bigint_array(read_versions),
    )


def _refusal(
    status: str, detail: str | None, command: CommandRecord | None
) -> Callable[[], BaseException]:
    if status == RECORDED and command is not None:
        text = f"command {command.command_id} of {command.actor} is already recorded"
        return lambda: CommandAlreadyRecordedError(text)
    if status == STALE:
        return lambda: StaleReadError(detail or "?")
    if status == TAKEN:
        return lambda: IntegrityError("an event of this version of the aggregate is recorded")
    return _operational(f"unexpected status {status!r} of an append in its batch")


def _operational(text: str) -> Callable[[], BaseException]:
    return lambda: OperationalError(text)


def _busy(cause: BaseException) -> Callable[[], BaseException]:
    def answer() -> BaseException:
        busy = StoreBusyError()
        busy.__cause__ = cause
        return busy

    return answer


def _persistence(error: psycopg.Error) -> Callable[[], BaseException]:
    """As the library translates a driver's error (`PostgresDatastore.get_connection`)."""
    kind: type[PersistenceError] = PersistenceError
    for driver, ours in _KINDS:
        if isinstance(error, driver):
            kind = ours
            break
    text = str(error)

    def answer() -> BaseException:
        translated = kind(text)
        translated.__cause__ = error
        return translated

    return answer


_KINDS: tuple[tuple[type[psycopg.Error], type[PersistenceError]], ...] = (
    (psycopg.IntegrityError, IntegrityError),
    (psycopg.DataError, DataError),
    (psycopg.InternalError, InternalError),
    (psycopg.ProgrammingError, ProgrammingError),
    (psycopg.NotSupportedError, NotSupportedError),
    (psycopg.DatabaseError, DatabaseError),
)
