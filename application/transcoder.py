"""Dar's transcoder: the library's JSON transcoding, byte for byte, done by orjson where it can.

Every stored event and snapshot is the library's `JSONTranscoder` output (compact separators,
UTF-8 text, values it does not know as `{"_type_": name, "_data_": ...}` objects), and the audit
chain hashes those bytes: what is written must not change by a byte. orjson writes the same bytes
for text, integers of 64 bits, booleans, null, lists and text-keyed objects (every code point was
compared); values it would write otherwise are turned into the library's objects first (ids, plain
enums) or handed to the library's own transcodings through its `default` (times, dates, decimals,
dataclasses). A state it cannot write the same way (a float, whose text differs; a larger integer;
a key that is not text) or refuses is encoded by the library's encoder, as before.

Reading, orjson parses (its floats are the library's, correctly rounded, compared on random
texts) and the transcoded objects are turned back into values innermost first, as the library's
object hook does (ids and times by the constructors its transcodings call). A large state (a
snapshot of a busy stream) is read by the library, which was found faster there. A state holding a
float that may be an integer beyond 64 bits (orjson reads one as a float), or one orjson refuses
(NaN, escaped lone surrogates), is decoded by the library.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from enum import Enum
from typing import Any
from uuid import UUID, SafeUUID

import orjson
from eventsourcing.persistence import DatetimeAsISO, JSONTranscoder, Transcoding, UUIDAsHex

_PASSTHROUGH = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
_PLAIN = frozenset({str, int, bool, type(None)})
_BEYOND_64_BITS = 2.0**63
# Larger states (a busy queue's snapshot: 50-150 KB) were read faster by the library's decoder
# in the command path (bench.command_profile); events are a few hundred bytes.
_LARGE = 16_384


class DateAsISO(Transcoding):
    """Calendar dates (validity periods, business days) are stored as ISO text."""

    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        """ISO 8601 calendar date."""
        return obj.isoformat()

    def decode(self, data: str) -> date:
        """Back from ISO 8601."""
        return date.fromisoformat(data)


class _NotSameBytes(Exception):  # noqa: N818 - a signal, caught below, never raised further
    """orjson would not write this state as the library's encoder does."""


class DarTranscoder(JSONTranscoder):
    """The library's `JSONTranscoder`, its bytes and values unchanged, at C speed where possible."""

    def encode(self, obj: Any) -> bytes:  # noqa: ANN401 - the library's signature
        """The library's bytes for `obj`."""
        try:
            return orjson.dumps(self._prepared(obj), default=self._default, option=_PASSTHROUGH)
        except (_NotSameBytes, orjson.JSONEncodeError):
            return super().encode(obj)

    def decode(self, data: bytes) -> Any:  # noqa: ANN401 - the library's signature
        """The value the library would read from `data`."""
        if len(data) > _LARGE:
            return super().decode(data)
        try:
            return self._restored(orjson.loads(data))
        except (_NotSameBytes, orjson.JSONDecodeError):
            return super().decode(data)

    def _default(self, obj: object) -> Any:  # noqa: ANN401 - whatever the transcoding gives
        """A value orjson does not write (or is told to pass): the library's transcoding of it."""
        return self._prepared(self._encode_obj(obj))

    def _prepared(self, value: Any) -> Any:  # noqa: ANN401 - any state
        """`value` with what orjson would write differently replaced (copies, never in place)."""
        kind = type(value)
        if kind in _PLAIN:
            return value
        if kind is dict:
            changed = None
            for key, item in value.items():
                new = self._prepared(item)
                if new is not item:
                    if changed is None:
                        changed = dict(value)
                    changed[key] = new
            return value if changed is None else changed
        if kind is list or kind is tuple:
            items = [self._prepared(item) for item in value]
            return items if any(map(_differ, items, value)) else value
        if kind is UUID or (isinstance(value, Enum) and not isinstance(value, (str, int))):
            return self._prepared(self._encode_obj(value))  # the library's object (or refusal)
        if isinstance(value, float):
            raise _NotSameBytes
        return value  # text and integer subclasses as orjson writes them; the rest to `_default`

    def _restored(self, value: Any) -> Any:  # noqa: ANN401 - any parsed JSON
        """Parsed JSON with its transcoded objects decoded, innermost first, in place."""
        kind = type(value)
        if kind is dict:
            return self._restored_object(value)
        if kind is list:
            for index, item in enumerate(value):
                kind = type(item)
                if kind is dict or kind is list:
                    value[index] = self._restored(item)
                elif kind is float:
                    _check(item)
        elif kind is float:
            _check(value)
        return value

    def _restored_object(self, value: dict[str, Any]) -> Any:  # noqa: ANN401 - any parsed JSON
        """A parsed object, its members first (an id or a time at once), then itself."""
        for key, item in value.items():
            kind = type(item)
            if kind is dict:
                if len(item) == 2 and type(item.get("_data_")) is str:
                    decode = self._direct.get(item.get("_type_"))
                    if decode is not None:
                        value[key] = decode(item["_data_"])
                        continue
                value[key] = self._restored_object(item)
            elif kind is list:
                value[key] = self._restored(item)
            elif kind is float:
                _check(item)
        return self._decode_obj(value) if len(value) == 2 else value

    @property
    def _direct(self) -> dict[str, Callable[[str], Any]]:
        """The decodings of the library's ids and times (and Dar's dates), called directly."""
        found: dict[str, Callable[[str], Any]] | None = self.__dict__.get("_direct_decodings")
        if found is None:
            found = {
                name: _DIRECT[type(transcoding)]
                for name, transcoding in self.names.items()
                if type(transcoding) in _DIRECT
            }
            self.__dict__["_direct_decodings"] = found
        return found

    def register(self, transcoding: Transcoding) -> None:
        """The library's registration (the direct decodings are worked out again)."""
        super().register(transcoding)
        self.__dict__.pop("_direct_decodings", None)


def _check(number: float) -> None:
    """A float orjson may have read from an integer beyond 64 bits: the library reads it."""
    if abs(number) >= _BEYOND_64_BITS and number.is_integer():
        raise _NotSameBytes


def _uuid(data: str) -> UUID:
    """`UUID(data)` for the library's 32 hex digits, without parsing other spellings."""
    if len(data) != 32:
        return UUID(data)
    value = object.__new__(UUID)
    object.__setattr__(value, "int", int(data, 16))
    object.__setattr__(value, "is_safe", SafeUUID.unknown)
    return value


_DIRECT: dict[type[Transcoding], Callable[[str], Any]] = {
    UUIDAsHex: _uuid,
    DatetimeAsISO: datetime.fromisoformat,
    DateAsISO: date.fromisoformat,
}


def _differ(new: object, old: object) -> bool:
    return new is not old
