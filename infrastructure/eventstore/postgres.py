"""The PostgreSQL recorder of Dar.

Each append runs in one transaction, its statements pipelined (psycopg still waits at BEGIN, at the
pipeline's sync and at COMMIT: about four exchanges with the server):
`SET LOCAL lock_timeout`; `dar_begin_append(…)` (a SECURITY DEFINER function owned by the owner
role that takes the table lock, refuses a command key already recorded and a declared read that
changed); `NOTIFY`; and one statement that inserts the events and the command key together.
The application role thus needs only INSERT and SELECT on the event tables.

Every read and append is bounded by the connection's timeouts (see `infrastructure.timeouts`): a
lock or statement timeout is answered at once as `StoreBusyError`, never retried ten times the way
the library retries a lost connection.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import (
    ApplicationRecorder,
    InterfaceError,
    OperationalError,
    PersistenceError,
    StoredEvent,
)
from eventsourcing.postgres import (
    PostgresAggregateRecorder,
    PostgresApplicationRecorder,
    PostgresDatastore,
    PostgresFactory,
)
from eventsourcing.utils import Environment, EnvType
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composed, Identifier

from application.errors import CommandAlreadyRecordedError, StaleReadError, StoreBusyError
from application.ports import CommandRecord, RecordedCommand
from infrastructure.audit.chain import CHAIN_TABLE
from infrastructure.eventstore import pg_read
from infrastructure.eventstore.group_commit import (
    APPEND_BATCH,
    GroupCommitter,
    Statements,
    append_batch_function,
)
from infrastructure.timeouts import reached_a_bound

COMMAND_RECORDED = "DR001"
STALE_READ = "DR002"
STORE_BUSY = "DR003"
COMMANDS_TABLE = "dar_commands"
BEGIN_APPEND = "dar_begin_append"
CHAIN_EVENTS = "dar_chain_events"
# The chain hash of one event row `r` after `head` (docs/audit.md), in SQL.
_LINK = (
    "sha256(head || sha256(int8send(r.notification_id) || uuid_send(r.originator_id) "
    "|| int8send(r.originator_version) || int4send(octet_length(convert_to(r.topic, 'UTF8'))) "
    "|| convert_to(r.topic, 'UTF8') || int4send(octet_length(r.state)) || r.state))"
)
OPTIONS = "POSTGRES_OPTIONS"
GROUP_COMMIT = "POSTGRES_GROUP_COMMIT"  # "y" (the default) or "n": one transaction per append
RETRIES, RETRY_WAIT = 10, 0.2
CONNECT_TIMEOUT = 10  # the library's retry of a lost connection
_library_append = PostgresApplicationRecorder.insert_events.__wrapped__  # without its retry
OUTCOME_UNKNOWN = "a retried append met a bound: the first attempt may have committed"


class DarPostgresFactory(PostgresFactory):
    """The library's factory, whose connections carry the libpq options named `POSTGRES_OPTIONS`.

    Its aggregate recorder is the snapshots' (Dar's events go through `DarPostgresRecorder`).
    """

    def __init__(self, env: Environment | EnvType | None) -> None:
        super().__init__(env)
        self._committing: list[DarPostgresRecorder] = []
        options = self.env.get(OPTIONS)
        kwargs = self.datastore.pool.kwargs
        if options and isinstance(kwargs, dict):  # the pool opens later, with the first recorder
            kwargs["options"] = options

    def application_recorder(self) -> ApplicationRecorder:
        """The library's, with group commit unless `POSTGRES_GROUP_COMMIT` is "n"."""
        recorder = super().application_recorder()
        if isinstance(recorder, DarPostgresRecorder) and self.env.get(GROUP_COMMIT, "y") != "n":
            recorder.start_group_commit()
            self._committing.append(recorder)
        return recorder

    def close(self) -> None:
        """Close the committers' connections, then the pool."""
        for recorder in self._committing:
            recorder.close_group_commit()
        super().close()


def _bounded(method: Callable[..., Any], *, reads: bool = True) -> Any:
    """The library's retry of a lost connection, except that a reached bound is answered at once.

    A lock or statement timeout means that another session holds what this one needs; ten more
    attempts would make the bound ten times longer. The statement did nothing: `StoreBusyError`.
    But an append retried after a lost connection may follow a first attempt that committed:
    there a bound leaves the outcome unknown (`OperationalError`, for the caller to look it up).
    """

    @functools.wraps(method)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        attempt = 1
        while True:
            try:
                return method(*args, **kwargs)
            except StoreBusyError as busy:  # the append guard's
                if reads or attempt == 1:
                    raise
                raise OperationalError(OUTCOME_UNKNOWN) from busy
            except (InterfaceError, OperationalError) as error:
                if reached_a_bound(error.__cause__) and (reads or attempt == 1):
                    raise StoreBusyError from error
                if reached_a_bound(error.__cause__) or attempt == RETRIES:
                    raise
            attempt += 1
            time.sleep(RETRY_WAIT)

    return bounded


class DarPostgresRecorder(PostgresApplicationRecorder):
    """Application recorder that stores command keys with events and checks declared reads."""

    def __init__(
        self, datastore: PostgresDatastore, *, events_table_name: str = "dar_events"
    ) -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        # No server-side prepared statements: under concurrent appends whose guard refuses some
        # pipelines, psycopg's cache of prepared names was seen to drift from the server's
        # (rarely: "prepared statement _pg3_n does not exist" on a later append — found by the
        # suspension race test). Parsing each statement costs less than that risk.
        kwargs = datastore.pool.kwargs
        if isinstance(kwargs, dict):
            kwargs["prepare_threshold"] = None
        self._schema = Identifier(self.datastore.schema)
        self._table = Identifier(self.events_table_name)
        self._commands = Identifier(COMMANDS_TABLE)
        self._begin = SQL("SELECT {0}.{1}(%s, %s, %s::uuid[], %s::bigint[])").format(
            self._schema, Identifier(BEGIN_APPEND)
        )
        self.sql_create_statements.extend(self._extra_create_statements())
        self.sql_create_statements.extend(self._chain_statements())
        self._insert_with_command = self._insert_statement(with_command=True)
        self._insert_without_command = self._insert_statement(with_command=False)
        self._committer: GroupCommitter | None = None
        self._find_command = SQL(
            "SELECT actor, command_id, digest, outcome, position FROM {0}.{1} "
            "WHERE actor = %s AND command_id = %s"
        ).format(self._schema, self._commands)

    select_events = _bounded(PostgresAggregateRecorder.select_events.__wrapped__)
    select_notifications = _bounded(pg_read.select_notifications)
    max_notification_id = _bounded(PostgresApplicationRecorder.max_notification_id.__wrapped__)

    def _extra_create_statements(self) -> list[Composed]:
        return [
            SQL(
                "CREATE TABLE IF NOT EXISTS {0}.{1} ("
                "actor text NOT NULL, command_id text NOT NULL, digest text NOT NULL, "
                "outcome text NOT NULL, position bigint NOT NULL, "
                "PRIMARY KEY (actor, command_id))"
            ).format(self._schema, self._commands),
            SQL(
                "CREATE OR REPLACE FUNCTION {schema}.{begin}("
                "p_actor text, p_command_id text, p_read_ids uuid[], p_read_versions bigint[]) "
                "RETURNS void LANGUAGE plpgsql SECURITY DEFINER "
                "SET search_path = pg_catalog, pg_temp AS $body$ "
                "DECLARE stale uuid; "
                "BEGIN "
                "  BEGIN "
                "    LOCK TABLE {schema}.{table} IN EXCLUSIVE MODE; "
                "  EXCEPTION WHEN lock_not_available THEN "
                "    RAISE EXCEPTION 'the event store is busy' USING ERRCODE = '{busy}'; "
                "  END; "
                "  IF p_command_id IS NOT NULL AND EXISTS (SELECT 1 FROM {schema}.{commands} c "
                "     WHERE c.actor = p_actor AND c.command_id = p_command_id) THEN "
                "    RAISE EXCEPTION 'command % of % is already recorded', p_command_id, p_actor "
                "      USING ERRCODE = '{recorded}'; "
                "  END IF; "
                "  SELECT r.id INTO stale "
                "    FROM unnest(p_read_ids, p_read_versions) AS r(id, version) "
                "   WHERE COALESCE((SELECT max(e.originator_version) FROM {schema}.{table} e "
                "                   WHERE e.originator_id = r.id), 0) <> r.version LIMIT 1; "
                "  IF stale IS NOT NULL THEN "
                "    RAISE EXCEPTION '%', stale USING ERRCODE = '{stale}'; "
                "  END IF; "
                "END $body$"
            ).format(
                schema=self._schema,
                begin=Identifier(BEGIN_APPEND),
                table=self._table,
                commands=self._commands,
                recorded=SQL(COMMAND_RECORDED),
                stale=SQL(STALE_READ),
                busy=SQL(STORE_BUSY),
            ),
            append_batch_function(self._schema, self._table, self._commands, STORE_BUSY),
        ]

    def start_group_commit(self) -> None:
        """From now on, concurrent appends share transactions (see `group_commit`)."""
        call = SQL(
            "SELECT statuses, details, positions FROM {0}.{1}("
            "%s::text[], %s::text[], %s::text[], %s::text[], %s::int[], %s::uuid[], "
            "%s::bigint[], %s::text[], %s::bytea[], %s::int[], %s::uuid[], %s::bigint[], "
            "%s, %s)"
        ).format(self._schema, Identifier(APPEND_BATCH))
        statements = Statements(
            append_batch=call,
            lock_timeout=f"{self.datastore.lock_timeout}s",
            channel=self.channel_name,
        )
        self._committer = GroupCommitter(
            self._connect_committer,
            statements,
            retries=RETRIES,
            retry_wait=RETRY_WAIT,
            busy_sqlstate=STORE_BUSY,
        )

    @property
    def group_commit(self) -> GroupCommitter | None:
        """The committer of concurrent appends (None when each append has its own transaction)."""
        return self._committer

    def _connect_committer(self) -> psycopg.Connection[Any]:
        """A connection of the committer's own, set up as the pool's are (timeouts, options)."""
        pooled = self.datastore.pool.kwargs
        kwargs = dict((pooled() if callable(pooled) else pooled) or {})
        kwargs.setdefault("connect_timeout", CONNECT_TIMEOUT)
        conn: psycopg.Connection[Any] = psycopg.Connection.connect(**kwargs)
        self.datastore.after_connect_func()(conn)  # autocommit, idle-in-transaction bound
        # an outcome is answered only once its batch is on disk, whatever the server's default
        conn.execute("SET synchronous_commit = on")
        return conn

    def close_group_commit(self) -> None:
        """Close the committer's connection (a later append would open another)."""
        if self._committer is not None:
            self._committer.close()

    def _chain_statements(self) -> list[Composed]:
        """The chain table, its trigger and the one-time chaining of a store older than its chain.

        The trigger chains each append's rows in the append's transaction, under the table lock
        the guard took: the head it continues is the previous append's. Its function is the
        owner's (SECURITY DEFINER): the application role cannot write the chain itself.
        """
        names = {
            "schema": self._schema,
            "table": self._table,
            "chain": Identifier(CHAIN_TABLE),
            "fn": Identifier(CHAIN_EVENTS),
            "link": SQL(_LINK),
        }
        loop = (
            "head bytea; r record; ps bigint[] := '{{}}'; hs bytea[] := '{{}}'; "
            "BEGIN "
            "  SELECT c.hash INTO head FROM {schema}.{chain} c ORDER BY c.position DESC LIMIT 1; "
            "  head := COALESCE(head, decode(repeat('00', 32), 'hex')); "
            "  FOR r IN SELECT * FROM {source} ORDER BY notification_id LOOP "
            "    head := {link}; ps := ps || r.notification_id; hs := hs || head; "
            "  END LOOP; "
            "  INSERT INTO {schema}.{chain} (position, hash) SELECT * FROM unnest(ps, hs); "
        )
        return [
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{chain} ("
                "position bigint PRIMARY KEY, hash bytea NOT NULL)"
            ).format(**names),
            SQL(
                "CREATE OR REPLACE FUNCTION {schema}.{fn}() RETURNS trigger LANGUAGE plpgsql "
                "SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $body$ DECLARE "
                + loop
                + "  RETURN NULL; END $body$"
            ).format(source=SQL("appended"), **names),
            SQL(
                "CREATE OR REPLACE TRIGGER dar_chain_appended AFTER INSERT ON {schema}.{table} "
                "REFERENCING NEW TABLE AS appended FOR EACH STATEMENT "
                "EXECUTE FUNCTION {schema}.{fn}()"
            ).format(**names),
            SQL(
                "DO $body$ DECLARE "
                + loop.replace(
                    "BEGIN ",
                    "BEGIN IF EXISTS (SELECT 1 FROM {schema}.{chain}) "
                    "THEN RETURN; END IF; LOCK TABLE {schema}.{table} IN EXCLUSIVE MODE; ",
                )
                + "END $body$"
            ).format(source=SQL("{0}.{1}").format(self._schema, self._table), **names),
        ]

    def _insert_statement(self, *, with_command: bool) -> Composed:
        events = SQL(
            "INSERT INTO {schema}.{table} (originator_id, originator_version, topic, state) "
            "SELECT originator_id, originator_version, topic, state "
            "FROM unnest(%s::{schema}.{event_type}[]) RETURNING notification_id"
        ).format(
            schema=self._schema,
            table=self._table,
            event_type=Identifier(self.stored_event_type_name),
        )
        if not with_command:
            return SQL("WITH ev AS ({0}) SELECT notification_id FROM ev").format(events)
        return SQL(
            "WITH ev AS ({events}), cmd AS ("
            "INSERT INTO {schema}.{commands} (actor, command_id, digest, outcome, position) "
            "SELECT %s, %s, %s, %s, max(notification_id) FROM ev) "
            "SELECT notification_id FROM ev ORDER BY notification_id"
        ).format(events=events, schema=self._schema, commands=self._commands)

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """Append events (and the command key); translate the guard's refusals to typed errors."""
        if self._committer is not None and stored_events:
            return self._committer.append(
                stored_events, kwargs.get("dar_command"), kwargs.get("dar_reads") or {}
            )
        ids: Sequence[int] | None = self._append(stored_events, **kwargs)
        return ids

    def _append_once(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        try:
            ids: Sequence[int] | None = _library_append(self, stored_events, **kwargs)
        except PersistenceError as error:
            cause = error.__cause__
            sqlstate = cause.sqlstate if isinstance(cause, psycopg.Error) else None
            if sqlstate == COMMAND_RECORDED:
                raise CommandAlreadyRecordedError(str(cause)) from error
            if sqlstate == STORE_BUSY:
                raise StoreBusyError from error
            if sqlstate == STALE_READ and isinstance(cause, psycopg.Error):
                stale = cause.diag.message_primary or "?"
                raise StaleReadError(stale) from error
            # Anything else, psycopg's PipelineAborted included (it reports only the abort, not
            # the guard's refusal that caused it; nothing was committed), goes on as the library
            # raised it: the bounded append retries an OperationalError, and the guard then says
            # which refusal it was (a key already recorded, a declared read that changed).
            raise
        return ids

    _append = _bounded(_append_once, reads=False)

    def _insert_stored_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        command: CommandRecord | None = kwargs.get("dar_command")
        reads: Mapping[UUID, int] = kwargs.get("dar_reads") or {}
        curs.connection.prepare_threshold = None  # also on connections opened before (see init)
        curs.execute(self.lock_table_statements[0])  # SET LOCAL lock_timeout
        curs.execute(
            self._begin,
            (
                command.actor if command else None,
                command.command_id if command else None,
                list(reads.keys()),
                list(reads.values()),
            ),
        )
        self._notify_channel(curs)
        pg_events = [
            self.construct_pg_stored_event(e.originator_id, e.originator_version, e.topic, e.state)
            for e in stored_events
        ]
        # Never prepared: when the guard refuses, the server skips the rest of the pipeline,
        # Parse messages included, while psycopg would count them as prepared — and the next
        # append on that connection would fail with "prepared statement does not exist".
        if command is None:
            curs.execute(self._insert_without_command, (pg_events,), prepare=False)
        else:
            curs.execute(
                self._insert_with_command,
                (pg_events, command.actor, command.command_id, command.digest, command.outcome),
                prepare=False,
            )

    def _notify_channel(self, curs: Cursor[DictRow]) -> None:
        """As the library's, never prepared (it follows the guard in the pipeline: see above)."""
        curs.execute(SQL("NOTIFY {0}").format(Identifier(self.channel_name)), prepare=False)

    def _fetch_ids_after_insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **_: Any
    ) -> Sequence[int] | None:
        ids = [row["notification_id"] for row in curs.fetchall()]
        if len(ids) != len(stored_events):  # pragma: no cover - one id per inserted row
            msg = f"expected {len(stored_events)} notification ids, got {len(ids)}"
            raise PersistenceError(msg)
        return ids

    def find_command(self, actor: str, command_id: str) -> RecordedCommand | None:
        """The command recorded under (actor, command_id), with its last event's position."""
        found: RecordedCommand | None = self._find_command_bounded(actor, command_id)
        return found

    def _find_command_once(self, actor: str, command_id: str) -> RecordedCommand | None:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(self._find_command, (actor, command_id), prepare=True)
            row = curs.fetchone()
        if row is None:
            return None
        return RecordedCommand(
            actor=row["actor"],
            command_id=row["command_id"],
            digest=row["digest"],
            outcome=row["outcome"],
            position=row["position"],
        )

    _find_command_bounded = _bounded(_find_command_once)


class DarPostgresSnapshotRecorder(PostgresAggregateRecorder):
    """The snapshots: one per aggregate, the latest; a cache, so rows are replaced and deleted.

    Unlike events, a snapshot row may be deleted by the application role (it holds SELECT,
    INSERT and DELETE on this table only). Nothing here is retried: a snapshot that cannot be
    read or written is simply not used.
    """

    def __init__(
        self, datastore: PostgresDatastore, *, events_table_name: str = "dar_snapshots"
    ) -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        table = SQL("{0}.{1}").format(Identifier(datastore.schema), Identifier(events_table_name))
        self._delete_older = SQL(
            "DELETE FROM {0} WHERE originator_id = %s AND originator_version <= %s"
        ).format(table)
        self._insert_new = SQL(
            "INSERT INTO {0} (originator_id, originator_version, topic, state) "
            "VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING"
        ).format(table)

    select_events = PostgresAggregateRecorder.select_events.__wrapped__

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """Put each snapshot in place of the aggregate's earlier ones (or a stale one)."""
        del kwargs
        with self.datastore.transaction(commit=True) as curs:
            for snapshot in stored_events:
                curs.execute(
                    self._delete_older, (snapshot.originator_id, snapshot.originator_version)
                )
                curs.execute(
                    self._insert_new,
                    (
                        snapshot.originator_id,
                        snapshot.originator_version,
                        snapshot.topic,
                        snapshot.state,
                    ),
                )
        return None


DarPostgresFactory.aggregate_recorder_class = DarPostgresSnapshotRecorder
