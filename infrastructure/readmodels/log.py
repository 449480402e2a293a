"""The event log as projections read it: raw rows in position order, decoded once, when needed.

A projection pass reads (position, originator, version, topic, state) rows with a keyset query,
without building the library's notification objects; each row is decoded at most once, and only
if some projection subscribes to its topic.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from functools import partial
from itertools import compress
from operator import attrgetter
from typing import Any, NamedTuple
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import (
    InterfaceError,
    JSONTranscoder,
    MapperDeserialisationError,
    OperationalError,
    StoredEvent,
)
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from eventsourcing.utils import resolve_topic
from psycopg.sql import SQL, Identifier

from application.decoding import EventDecoding, Fields, UndecodableStateError, every_field
from application.errors import StoreBusyError
from application.store import EventStore
from infrastructure.timeouts import reached_a_bound

Event = DomainEventProtocol[Any]


class RawEvent(NamedTuple):
    """One row of the log, not yet decoded (a tuple: made from the driver's row without a copy)."""

    position: int
    originator_id: UUID | str
    originator_version: int
    topic: str
    state: bytes


_raw_event = partial(tuple.__new__, RawEvent)  # a row as a RawEvent, at C speed


class EventLog:
    """Reads the store's log a page at a time, in position order (PostgreSQL or SQLite)."""

    def __init__(self, store: EventStore) -> None:
        self._store = store
        self._recorder = store.recorder

    def read(self, after: int, limit: int) -> list[RawEvent]:
        """Up to `limit` events after position `after`."""
        if isinstance(self._recorder, PostgresApplicationRecorder):
            return self._read_postgres(self._recorder, after, limit)
        if isinstance(self._recorder, SQLiteApplicationRecorder):
            return self._read_sqlite(self._recorder, after, limit)
        return [  # any other recorder: through the library (slower, same rows)
            RawEvent(n.id, n.originator_id, n.originator_version, n.topic, n.state)
            for n in self._recorder.select_notifications(
                start=after, limit=limit, inclusive_of_start=False
            )
        ]

    def head(self) -> int:
        """The last position recorded (0 for an empty log)."""
        return self._store.position()

    @staticmethod
    def _read_postgres(
        recorder: PostgresApplicationRecorder, after: int, limit: int
    ) -> list[RawEvent]:
        statement = SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state "
            "FROM {0}.{1} WHERE notification_id > %s ORDER BY notification_id LIMIT %s"
        ).format(Identifier(recorder.datastore.schema), Identifier(recorder.events_table_name))
        try:
            with recorder.datastore.get_connection() as conn:
                cur = conn.cursor(row_factory=_raw_event_row, binary=True)
                return cur.execute(statement, (after, limit)).fetchall()
        except (OperationalError, InterfaceError) as error:  # the library's, from psycopg's
            if reached_a_bound(error.__cause__):
                raise StoreBusyError from error  # a lock held elsewhere: the runner waits
            raise

    @staticmethod
    def _read_sqlite(recorder: SQLiteApplicationRecorder, after: int, limit: int) -> list[RawEvent]:
        statement = (
            "SELECT rowid, originator_id, originator_version, topic, state "
            f"FROM {recorder.events_table_name} WHERE rowid > ? ORDER BY rowid LIMIT ?"
        )
        with recorder.datastore.transaction(commit=False) as c:
            c.execute(statement, (after, limit))
            rows = c.fetchall()
        return list(map(_raw_event, rows))


def _raw_event_row(_: object) -> Any:  # noqa: ANN401 - psycopg's row factory protocol
    return _raw_event


class Decoder:
    """Turns raw rows into domain events as the library's mapper would, with less per event.

    Each topic is decoded by `application.decoding.EventDecoding`: its class, version and id
    conversion found once, the state parsed by orjson, and only the fields the projections read
    (`fields`, per event class; every field if not said) turned into values as the library's
    transcoder would. With a cipher or a compressor configured, the library's mapper does the work.
    """

    def __init__(self, store: EventStore, fields: Fields = every_field) -> None:
        self._mapper = store.mapper
        transcoder = self._mapper.transcoder
        self._decoding = (
            EventDecoding(transcoder, fields)
            if isinstance(transcoder, JSONTranscoder)
            and self._mapper.cipher is None
            and self._mapper.compressor is None
            else None
        )

    def decode(self, raw: RawEvent) -> Event:
        """The domain event of one row; a row that cannot be decoded raises as the mapper does."""
        if self._decoding is None:
            stored = StoredEvent(raw.originator_id, raw.originator_version, raw.topic, raw.state)
            return self._mapper.to_domain_event(stored)
        try:
            return self._decoding.event(
                raw.topic, raw.originator_id, raw.originator_version, raw.state
            )
        except UndecodableStateError as error:
            msg = f"Failed to deserialise state of stored event at position {raw.position}"
            raise MapperDeserialisationError(msg) from error.__cause__


class Batch:
    """A page of the log shared by every projection of a pass: each event decoded at most once.

    A row that cannot be decoded fails each projection that subscribes to it, alone.
    """

    def __init__(self, rows: Sequence[RawEvent], decoder: Decoder) -> None:
        self.rows = rows
        self._decoder = decoder
        self._decoded: dict[int, Event | Exception] = {}
        self._topics: set[str] | None = None  # the batch's distinct topics, once asked

    @property
    def first(self) -> int:
        """The position of the first event."""
        return self.rows[0].position

    @property
    def last(self) -> int:
        """The position of the last event: every projection of the pass is tracked there."""
        return self.rows[-1].position

    def event(self, raw: RawEvent) -> Event:
        """The decoded event of a row of this batch."""
        found = self._decoded.get(raw.position)
        if found is None:
            try:
                found = self._decoder.decode(raw)
            except Exception as error:  # noqa: BLE001 - kept, raised to each subscriber
                found = error
            self._decoded[raw.position] = found
        if isinstance(found, Exception):
            raise found
        return found

    def after(self, position: int, topics: Topics) -> list[RawEvent]:
        """The rows after `position` whose topic the projection subscribes to, in order."""
        if self._topics is None:
            self._topics = {raw.topic for raw in self.rows}
        ours = topics.among(self._topics)
        rows = self.rows if position < self.first else self.rows[self._index_after(position) :]
        return list(compress(rows, map(ours.__contains__, map(_topic, rows))))  # at C speed

    def count_after(self, position: int) -> int:
        """How many rows of the batch come after `position`."""
        return len(self.rows) - self._index_after(position)

    def _index_after(self, position: int) -> int:
        return bisect_right(self.rows, position, key=_position)


_position = attrgetter("position")
_topic = attrgetter("topic")


class Topics:
    """The topics a projection subscribes to: the events of some aggregates, or every event.

    A topic is resolved the way the mapper resolves it (renamed topics included); one that does
    not resolve is matched, so that the projection fails on it rather than pass it silently.
    """

    def __init__(self, aggregates: tuple[type, ...] | None) -> None:
        self._owners = (
            None if aggregates is None else {(a.__module__, a.__qualname__) for a in aggregates}
        )
        self._seen: dict[str, bool] = {}

    def match(self, topic: str) -> bool:
        """Whether an event of this topic is the projection's."""
        seen = self._seen.get(topic)
        if seen is None:
            seen = self._seen[topic] = self._owned(topic)
        return seen

    def owns(self, cls: type) -> bool:
        """Whether events of this class are the projection's."""
        if self._owners is None:
            return True
        return (cls.__module__, cls.__qualname__.rpartition(".")[0]) in self._owners

    def among(self, topics: set[str]) -> set[str]:
        """Those of `topics` that are the projection's."""
        return {topic for topic in topics if self.match(topic)}

    def _owned(self, topic: str) -> bool:
        if self._owners is None:
            return True
        try:
            cls = resolve_topic(topic)
        except Exception:  # noqa: BLE001 - unknown here: the projection's decode will say
            return True
        owner = cls.__qualname__.rpartition(".")[0]
        return (cls.__module__, owner) in self._owners
