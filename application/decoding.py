"""Stored events into domain events: one decoder per topic, building only the fields asked for.

The library's mapper, for every stored event, resolves its topic, finds its id conversion, parses
the state with the `json` module calling an object hook on every object, and builds the event.
Here what a topic needs (its class, class version, id conversion, and which of its fields a reader
wants) is worked out once per topic; the state is parsed by orjson and only the wanted fields are
turned into values, each as the library's transcoder would turn it (its `{"_type_", "_data_"}`
objects innermost first; ids, times and dates by the constructors its transcodings call).

Exactly the library's values, or its refusal: a state orjson refuses (NaN, an escaped lone
surrogate, bytes that are not UTF-8) or one holding a float that may be an integer beyond 64 bits
(orjson reads those as floats) is decoded by the library's transcoder. A reader that asks for some
fields only gets an event holding those (and its originator id and version, and its `timestamp`,
always decoded: an event whose time cannot be read stops every reader, as before); reading any
other attribute of it raises `AttributeError`. A field that is not asked for is not looked at, so
an undecodable value there does not stop that reader.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast
from uuid import UUID, SafeUUID

import orjson
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import (
    Cipher,
    Compressor,
    DatetimeAsISO,
    JSONTranscoder,
    Mapper,
    MapperDeserialisationError,
    StoredEvent,
    Transcoder,
    TranscodingNotRegisteredError,
    UUIDAsHex,
    find_id_convertor,
    pass_through_convertor,
)
from eventsourcing.utils import resolve_topic

from application.transcoder import DateAsISO

Event = DomainEventProtocol[Any]
Fields = Callable[[type], Collection[str] | None]
"""For an event class, the fields a reader asks for (None: every field)."""
ALWAYS = ("timestamp",)
"""Decoded for every reader: an event whose time cannot be read is undecodable for all."""

_BEYOND_64_BITS = 2.0**63
_LARGE = 16_384  # as `application.transcoder`: larger states are read by the library
_MISSING = object()


def every_field(cls: type) -> None:
    """Every field of every event (what the library's mapper builds)."""
    del cls


class UndecodableStateError(Exception):
    """The state of a stored event could not be decoded (its cause says why)."""


class _Refer(Exception):  # noqa: N818 - a signal, caught below, never raised further
    """orjson read something otherwise than the library: the library decodes the state."""


@dataclass(frozen=True, slots=True)
class _Topic:
    """What decoding needs of one topic, worked out once."""

    cls: type
    version: int
    id_type: type
    convert: Callable[[Any], Any] | None  # None: the id is used as it is
    fields: tuple[str, ...] | None  # None: every field


@dataclass(frozen=True, slots=True)
class _Shape:
    """The types of a state's values in order; the keys of its ids and times, and of the rest."""

    types: tuple[type, ...]
    simple: tuple[str, ...]
    nested: tuple[str, ...]


class EventDecoding:
    """Decodes stored events of any topic, each as the library's mapper would, with less work.

    `fields` says, per event class, which fields the reader will read; the others are not built.
    The transcoder must be a `JSONTranscoder` (its transcodings are the ones applied) and the
    states neither encrypted nor compressed.
    """

    def __init__(self, transcoder: JSONTranscoder, fields: Fields = every_field) -> None:
        self._transcoder = transcoder
        self._decoders: dict[str, Callable[[Any], Any]] = {
            name: _DIRECT.get(type(transcoding), transcoding.decode)
            for name, transcoding in transcoder.names.items()
        }
        self._direct = {
            name: _DIRECT[type(transcoding)]
            for name, transcoding in transcoder.names.items()
            if type(transcoding) in _DIRECT
        }
        self._fields = fields
        self._topics: dict[str, _Topic] = {}
        self._shapes: dict[str, _Shape] = {}  # topic -> the last walked state's shape

    def event(
        self, topic: str, originator_id: UUID | str, originator_version: int, data: bytes
    ) -> Event:
        """The domain event of a stored event.

        An unknown topic raises as `resolve_topic` does; a state that cannot be decoded raises
        `UndecodableStateError` from its cause; the rest (id conversion, upcasting) as the
        library's mapper raises.
        """
        found = self._topics.get(topic)
        if found is None or found.id_type is not type(originator_id):
            found = self._topics[topic] = self._topic(topic, type(originator_id))
        try:
            try:
                parsed = orjson.loads(data)
                if type(parsed) is not dict or (
                    len(parsed) == 2 and "_type_" in parsed and "_data_" in parsed
                ):
                    raise _Refer  # noqa: TRY301 - the state is not an object of fields
                if found.fields is None:
                    state = self._whole(parsed, topic)
                    upcast = "class_version" in state or found.version != 1
                elif parsed.get("class_version", 1) == found.version:
                    state, upcast = self._members(parsed, found.fields), False
                else:
                    state, upcast = self._all_members(parsed), True
            except (_Refer, orjson.JSONDecodeError):  # the library's own reading
                state, upcast = JSONTranscoder.decode(self._transcoder, data), True
        except Exception as error:
            raise UndecodableStateError(str(error)) from error
        state["originator_id"] = (
            originator_id if found.convert is None else found.convert(originator_id)
        )
        state["originator_version"] = originator_version
        if upcast:  # as the library's mapper: after the originator is set
            state = self._upcast(state, found)
        event: object = object.__new__(found.cls)
        object.__setattr__(event, "__dict__", state)
        return cast("Event", event)

    def _topic(self, topic: str, id_type: type) -> _Topic:
        cls = resolve_topic(topic)
        convert = find_id_convertor(cls, cast("Hashable", id_type))
        fields = self._fields(cls)
        return _Topic(
            cls,
            int(getattr(cls, "class_version", 1)),
            id_type,
            None if convert is pass_through_convertor else convert,
            None if fields is None else tuple(dict.fromkeys((*ALWAYS, *fields))),
        )

    def _upcast(self, state: dict[str, Any], topic: _Topic) -> dict[str, Any]:
        """The library's upcasting of a whole state; then only the wanted fields are kept."""
        from_version = state.pop("class_version", 1)
        while from_version < topic.version:
            getattr(topic.cls, f"upcast_v{from_version}_v{from_version + 1}")(state)
            from_version += 1
        if topic.fields is None:
            return state
        kept = (*topic.fields, "originator_id", "originator_version")
        return {key: state[key] for key in kept if key in state}

    def _members(self, parsed: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
        """A new state of the wanted fields only, each decoded."""
        state = {}
        for key in fields:
            value = parsed.get(key, _MISSING)
            if value is _MISSING:
                continue
            kind = type(value)
            if kind is dict:
                value = self._object(value)
            elif kind is list:
                value = self._list(value)
            elif kind is float:
                _check(value)
            state[key] = value
        return state

    def _whole(self, parsed: dict[str, Any], topic: str) -> dict[str, Any]:
        """Every member of the parsed state decoded, in place, visiting as few as it can.

        Events of one topic have the same fields: the types of the last walked state's values are
        kept, with the keys that held an id, a time or a date and those that held a list or
        another object. A state whose values have the same types, in the same order, holds no
        float (nothing orjson may have read otherwise) and no other list or object: its ids and
        times are decoded at once, its lists and objects walked, and nothing else is visited.
        """
        shape = self._shapes.get(topic)
        if shape is not None and tuple(map(type, parsed.values())) == shape.types:
            direct = self._direct
            for key in shape.simple:  # decoded in place: walked again below, they are values
                value = parsed.get(key)
                if type(value) is not dict or len(value) != 2:
                    break
                text = value.get("_data_")
                decode = direct.get(value.get("_type_"))  # type: ignore[arg-type]
                if type(text) is not str or decode is None:
                    break
                parsed[key] = decode(text)
            else:
                nested = shape.nested
                if not nested:
                    return parsed
                if all(type(parsed.get(key)) in (dict, list) for key in nested):
                    for key in nested:
                        value = parsed[key]
                        parsed[key] = (
                            self._object(value) if type(value) is dict else self._list(value)
                        )
                    return parsed
            self._shapes.pop(topic, None)  # learned again from the next state
            return self._all_members(parsed)
        types = tuple(map(type, parsed.values()))
        containers = [key for key, value in parsed.items() if type(value) in (dict, list)]
        simple: list[str] = []
        self._all_members(parsed, simple)
        if float not in types:
            nested = tuple(key for key in containers if key not in simple)
            self._shapes[topic] = _Shape(types, tuple(simple), nested)
        return parsed

    def _all_members(
        self, parsed: dict[str, Any], simple: list[str] | None = None
    ) -> dict[str, Any]:
        """Every member of the parsed state decoded, in place (`simple`: the keys of ids, times)."""
        direct = self._direct
        for key, value in parsed.items():
            kind = type(value)
            if kind is dict:
                if len(value) == 2:  # an id, a time, a date: at once (as in `_object`)
                    data = value.get("_data_")
                    if type(data) is str:
                        decode = direct.get(value.get("_type_"))
                        if decode is not None:
                            parsed[key] = decode(data)
                            if simple is not None:
                                simple.append(key)
                            continue
                parsed[key] = self._object(value)
            elif kind is list:
                parsed[key] = self._list(value)
            elif kind is float:
                _check(value)
        return parsed

    def _object(self, value: dict[str, Any]) -> Any:  # noqa: ANN401 - any decoded value
        """A parsed object as the library's object hook leaves it: members first, then itself."""
        if len(value) == 2:
            data = value.get("_data_", _MISSING)
            if type(data) is str:  # nothing inside to decode first: an id, a time, a date
                decode = self._direct.get(value.get("_type_"))  # type: ignore[arg-type]
                if decode is not None:
                    return decode(data)
        self._all_members(value)
        if len(value) == 2 and "_type_" in value and "_data_" in value:
            name = value["_type_"]
            try:
                decode = self._decoders[name]
            except KeyError as error:
                msg = (
                    f"Data serialized with name '{name}' is not deserializable. "
                    "Please register a custom transcoding for this type."
                )
                raise TranscodingNotRegisteredError(msg) from error
            return decode(value["_data_"])
        return value

    def _list(self, value: list[Any]) -> list[Any]:
        for index, item in enumerate(value):
            kind = type(item)
            if kind is dict:
                value[index] = self._object(item)
            elif kind is list:
                self._list(item)
            elif kind is float:
                _check(item)
        return value


def _check(number: float) -> None:
    """A float orjson may have read from an integer beyond 64 bits: the library reads it."""
    if abs(number) >= _BEYOND_64_BITS and number.is_integer():
        raise _Refer


def uuid_of_hex(data: str) -> UUID:
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
_DIRECT: dict[type, Callable[[str], Any]] = {  # the library's own decodings, called directly
    UUIDAsHex: uuid_of_hex,
    DatetimeAsISO: datetime.fromisoformat,
    DateAsISO: date.fromisoformat,
}


class DarMapper(Mapper[UUID]):
    """The library's mapper, its stored events read through `EventDecoding` (same events).

    With a cipher or a compressor, a transcoder that is not a `JSONTranscoder`, or a large state
    (a busy stream's snapshot: the library's transcoder was found faster there), the library's
    own `to_domain_event` reads it.
    """

    def __init__(
        self,
        transcoder: Transcoder,
        compressor: Compressor | None = None,
        cipher: Cipher | None = None,
    ) -> None:
        super().__init__(transcoder, compressor, cipher)
        self._decoding = (
            EventDecoding(transcoder)
            if isinstance(transcoder, JSONTranscoder) and cipher is None and compressor is None
            else None
        )

    def to_domain_event(self, stored_event: StoredEvent) -> Event:
        """The domain event of a stored event (or notification), as the library's mapper's."""
        if self._decoding is None or len(stored_event.state) > _LARGE:
            return super().to_domain_event(stored_event)
        try:
            return self._decoding.event(
                stored_event.topic,
                stored_event.originator_id,
                stored_event.originator_version,
                stored_event.state,
            )
        except UndecodableStateError as error:
            msg = (
                f"Failed to deserialise state of stored event with "
                f"topic '{stored_event.topic}', "
                f"originator_id '{stored_event.originator_id}' and "
                f"originator_version {stored_event.originator_version}: {error}"
            )
            raise MapperDeserialisationError(msg) from error.__cause__
