"""The event log as projections read it: raw rows in position order, decoded once, when needed.

A projection pass reads (position, originator, version, topic, state) rows with a keyset query,
without building the library's notification objects; each row is decoded at most once, and only
if some projection subscribes to its topic.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from itertools import compress
from operator import attrgetter
from typing import Any, NamedTuple, cast
from uuid import UUID, SafeUUID

import orjson
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import (
    DatetimeAsISO,
    InterfaceError,
    JSONTranscoder,
    MapperDeserialisationError,
    OperationalError,
    StoredEvent,
    Transcoding,
    TranscodingNotRegisteredError,
    UUIDAsHex,
    find_id_convertor,
)
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from eventsourcing.utils import resolve_topic
from psycopg.sql import SQL, Identifier

from application.errors import StoreBusyError
from application.store import EventStore
from application.transcoder import DateAsISO
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


Decoders = dict[str, Callable[[Any], Any]]  # a transcoding's name -> its decoding


class Decoder:
    """Turns raw rows into domain events as the library's mapper would, with less per event.

    The state is parsed by orjson and its `{"_type_": .., "_data_": ..}` objects turned into
    values by a walk that applies the transcoder's own transcodings, innermost first, as the
    library's object hook does (the library's UUID, datetime and date transcodings by the same
    constructors called directly); a state orjson refuses (NaN, integers beyond 64 bits, escaped
    lone surrogates) is decoded by the library's transcoder. With a cipher or a compressor
    configured, the library's mapper does the work.
    """

    def __init__(self, store: EventStore) -> None:
        self._mapper = store.mapper
        transcoder = self._mapper.transcoder
        self._plain = (
            isinstance(transcoder, JSONTranscoder)
            and self._mapper.cipher is None
            and self._mapper.compressor is None
        )
        self._transcoder = transcoder
        names: dict[str, Transcoding] = (
            transcoder.names if isinstance(transcoder, JSONTranscoder) else {}
        )
        self._decoders: Decoders = {
            name: _DIRECT.get(type(transcoding), transcoding.decode)
            for name, transcoding in names.items()
        }
        self._classes: dict[str, _EventClass] = {}
        self._plans: dict[str, tuple[str, ...]] = {}  # topic -> fields that held a transcoded value

    def decode(self, raw: RawEvent) -> Event:
        """The domain event of one row; a row that cannot be decoded raises as the mapper does."""
        if not self._plain:
            stored = StoredEvent(raw.originator_id, raw.originator_version, raw.topic, raw.state)
            return self._mapper.to_domain_event(stored)
        found = self._classes.get(raw.topic)
        if found is None or found.id_type is not type(raw.originator_id):
            found = self._classes[raw.topic] = _EventClass.of(raw.topic, raw.originator_id)
        try:
            state: dict[str, Any] = self._state(raw.state, raw.topic)
        except Exception as error:
            msg = f"Failed to deserialise state of stored event at position {raw.position}"
            raise MapperDeserialisationError(msg) from error
        state["originator_id"] = found.convert(raw.originator_id)
        state["originator_version"] = raw.originator_version
        from_version = state.pop("class_version", 1)
        while from_version < found.version:
            getattr(found.cls, f"upcast_v{from_version}_v{from_version + 1}")(state)
            from_version += 1
        event: object = object.__new__(found.cls)
        object.__setattr__(event, "__dict__", state)
        return cast("Event", event)

    def _state(self, data: bytes, topic: str) -> dict[str, Any]:
        """The event's state, its transcoded values decoded.

        Events of one topic have the same fields: the fields that held a transcoded value last
        time (an id, a time) are decoded first, and if the state holds no other transcoded
        object (each one's `"_type_"` key is counted in the raw bytes) nothing else is visited.
        """
        try:
            parsed = orjson.loads(data)
        except orjson.JSONDecodeError:
            return cast("dict[str, Any]", self._transcoder.decode(data))
        if type(parsed) is not dict:
            return cast("dict[str, Any]", _transcoded(parsed, self._decoders))
        marks = data.count(b'"_type_"')  # an upper bound on the transcoded objects it holds
        if not marks:
            return parsed
        plan = self._plans.get(topic, ())
        done = _planned(parsed, plan, self._decoders) if plan else []
        if len(done) == marks:
            return parsed
        self._plans[topic] = (*done, *_walked(parsed, self._decoders))
        if len(parsed) == 2 and "_type_" in parsed and "_data_" in parsed:
            return cast(
                "dict[str, Any]", _decoded(parsed["_type_"], parsed["_data_"], self._decoders)
            )
        return parsed


def _planned(state: dict[str, Any], plan: tuple[str, ...], decoders: Decoders) -> list[str]:
    """Decode, in place, the fields of `plan` that hold a transcoded value; which they were."""
    done = []
    for key in plan:
        value = state.get(key)
        if type(value) is dict and len(value) == 2:
            name, data = value.get("_type_"), value.get("_data_")
            if type(data) is str and name in decoders:
                state[key] = decoders[name](data)
                done.append(key)
    return done


def _walked(state: dict[str, Any], decoders: Decoders) -> list[str]:
    """Decode, in place, every transcoded object in the state's fields, innermost first.

    The fields that held one transcoded value (not nested) are returned.
    """
    simple = []
    for key, value in state.items():
        kind = type(value)
        if kind is dict:
            if len(value) == 2 and "_type_" in value and "_data_" in value:
                data = value["_data_"]
                if type(data) is str:  # nothing inside to decode first
                    state[key] = _decoded(value["_type_"], data, decoders)
                    simple.append(key)
                    continue
            state[key] = _transcoded(value, decoders)
        elif kind is list:
            state[key] = _transcoded(value, decoders)
    return simple


def _uuid(data: str) -> UUID:
    """`UUID(data)`, without its parsing of other spellings for the library's 32 hex digits.

    The same ids come back event after event (a house, an agent, a grant): each is built once
    and shared (a UUID is immutable), from a cache emptied when it grows large.
    """
    found = _UUIDS.get(data)
    if found is not None:
        return found
    if len(data) != 32 or not data.isalnum():
        return UUID(data)
    value = object.__new__(UUID)
    object.__setattr__(value, "int", int(data, 16))
    object.__setattr__(value, "is_safe", _UNKNOWN)
    if len(_UUIDS) >= _UUIDS_KEPT:
        _UUIDS.clear()
    _UUIDS[data] = value
    return value


_UNKNOWN = SafeUUID.unknown  # an enum member: looked up once, not once per id
_UUIDS: dict[str, UUID] = {}
_UUIDS_KEPT = 100_000
_DIRECT: dict[type, Callable[[Any], Any]] = {  # the library's own decodings, called directly
    UUIDAsHex: _uuid,
    DatetimeAsISO: datetime.fromisoformat,
    DateAsISO: date.fromisoformat,
}


def _transcoded(value: Any, decoders: Decoders) -> Any:  # noqa: ANN401
    """Parsed JSON with its transcoded objects turned into values, innermost first, in place."""
    kind = type(value)
    if kind is dict:
        for key, item in value.items():
            if type(item) is dict or type(item) is list:
                value[key] = _transcoded(item, decoders)
        if len(value) == 2 and "_type_" in value and "_data_" in value:
            return _decoded(value["_type_"], value["_data_"], decoders)
    elif kind is list:
        for i, item in enumerate(value):
            if type(item) is dict or type(item) is list:
                value[i] = _transcoded(item, decoders)
    return value


def _decoded(name: str, data: Any, decoders: Decoders) -> Any:  # noqa: ANN401
    try:
        decode = decoders[name]
    except KeyError as error:
        msg = (
            f"Data serialized with name '{name}' is not deserializable. "
            "Please register a custom transcoding for this type."
        )
        raise TranscodingNotRegisteredError(msg) from error
    return decode(data)


@dataclass(frozen=True, slots=True)
class _EventClass:
    """What decoding needs of a topic: its class, class version and originator id conversion."""

    cls: type
    version: int
    id_type: type
    convert: Callable[[Any], Any]

    @classmethod
    def of(cls, topic: str, originator_id: UUID | str) -> _EventClass:
        event_cls = resolve_topic(topic)
        id_type = type(originator_id)
        return cls(
            event_cls,
            int(getattr(event_cls, "class_version", 1)),
            id_type,
            find_id_convertor(event_cls, cast("Hashable", id_type)),
        )


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
