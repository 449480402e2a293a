"""An aggregate's state as JSON that comes back exactly as it was, for snapshots.

The JSON encoder writes a tuple as a list, a `StrEnum` member as its text and an int dict key as
text before any transcoding is consulted, so transcodings alone cannot make a snapshot faithful.
The state is therefore written here as tagged JSON (every tag an object with a "~" key) that keeps
the exact type of every value; UUIDs, datetimes, dates and Decimals are left to the store's
transcoder. Only the domain's own value classes and enums are rebuilt from a stored name: a
snapshot cannot make the store build anything else.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

from eventsourcing.utils import TopicError, get_topic, resolve_topic

TAG = "~"
DOMAIN_PREFIX = "domain."
# Left as they are: JSON's own scalars, and the types the store's transcoder already encodes.
_PLAIN = (type(None), bool, int, float, str, UUID, datetime, date, Decimal)


class SnapshotStateError(ValueError):
    """The state holds a value no snapshot can keep, or stored state cannot be read back."""


def freeze(value: object) -> object:
    """The value as JSON the store can encode, tagged so that `thaw` gives it back exactly."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if isinstance(value, Enum):
        return {TAG: "enum", "class": _domain_topic(kind), "value": value.value}
    if kind is time:
        return {TAG: "time", "iso": value.isoformat()}  # type: ignore[attr-defined]
    if kind in _COLLECTIONS:
        return {TAG: _COLLECTIONS[kind], "items": [freeze(v) for v in value]}  # type: ignore[attr-defined]
    if kind is dict:
        pairs = value.items()  # type: ignore[attr-defined]
        return {TAG: "dict", "items": [[freeze(k), freeze(v)] for k, v in pairs]}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: freeze(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {TAG: "value", "class": _domain_topic(kind), "fields": fields}
    msg = f"a snapshot cannot keep a {kind.__qualname__}"
    raise SnapshotStateError(msg)


def freeze_state(attributes: Mapping[str, object]) -> dict[str, object]:
    """An aggregate's attributes, each frozen."""
    return {name: freeze(value) for name, value in attributes.items()}


def thaw_state(data: object) -> dict[str, object]:
    """The attributes `freeze_state` was given."""
    if type(data) is not dict or not all(isinstance(name, str) for name in data):
        msg = "a snapshot's state is a mapping of attribute names"
        raise SnapshotStateError(msg)
    return {name: thaw(value) for name, value in data.items()}


def thaw(data: object) -> object:
    """The value `freeze` was given; SnapshotStateError if the data is not such a value."""
    if type(data) in _PLAIN:
        return data
    if type(data) is not dict or not isinstance(data.get(TAG), str):
        msg = f"not a frozen value: {type(data).__name__}"
        raise SnapshotStateError(msg)
    reader = _READERS.get(data[TAG])
    if reader is None:
        msg = f"unknown tag {data[TAG]!r}"
        raise SnapshotStateError(msg)
    try:
        return reader(data)
    except (KeyError, TypeError, ValueError) as error:
        msg = f"a {data[TAG]} that cannot be read back: {error}"
        raise SnapshotStateError(msg) from error


_COLLECTIONS: dict[type, str] = {list: "list", tuple: "tuple", frozenset: "frozenset", set: "set"}


def _domain_topic(kind: type) -> str:
    if not kind.__module__.startswith(DOMAIN_PREFIX):
        msg = f"a snapshot keeps only the domain's values, not {kind.__qualname__}"
        raise SnapshotStateError(msg)
    return get_topic(kind)


def _domain_class(topic: object) -> type:
    """The domain class a stored name names; nothing outside the domain is ever resolved."""
    if not isinstance(topic, str) or not topic.startswith(DOMAIN_PREFIX):
        msg = f"not a domain class: {topic!r}"
        raise SnapshotStateError(msg)
    try:
        found = resolve_topic(topic)
    except TopicError as error:
        raise SnapshotStateError(str(error)) from error
    if not isinstance(found, type):
        msg = f"not a class: {topic}"
        raise SnapshotStateError(msg)
    return found


def _enum(data: dict[str, Any]) -> Enum:
    kind = _domain_class(data["class"])
    if not issubclass(kind, Enum):
        msg = f"not an enum: {data['class']}"
        raise SnapshotStateError(msg)
    return kind(data["value"])


def _value(data: dict[str, Any]) -> object:
    """A frozen dataclass, its fields set as they were (its checks ran when it was first made)."""
    kind = _domain_class(data["class"])
    stored = data["fields"]
    if not dataclasses.is_dataclass(kind) or not isinstance(stored, dict):
        msg = f"not a value class: {data['class']}"
        raise SnapshotStateError(msg)
    if set(stored) != {f.name for f in dataclasses.fields(kind)}:
        msg = f"the fields of {data['class']} have changed"
        raise SnapshotStateError(msg)
    value = object.__new__(kind)
    for name, item in stored.items():
        object.__setattr__(value, name, thaw(item))
    return value


def _items(data: dict[str, Any]) -> list[object]:
    items = data["items"]
    if type(items) is not list:
        msg = "items are not a list"
        raise SnapshotStateError(msg)
    return [thaw(v) for v in items]


def _dict(data: dict[str, Any]) -> dict[object, object]:
    result: dict[object, object] = {}
    for pair in data["items"]:
        key, item = pair
        result[thaw(key)] = thaw(item)
    return result


_READERS: dict[str, Callable[[dict[str, Any]], object]] = {
    "enum": _enum,
    "time": lambda data: time.fromisoformat(data["iso"]),
    "list": _items,
    "tuple": lambda data: tuple(_items(data)),
    "frozenset": lambda data: frozenset(_items(data)),
    "set": lambda data: set(_items(data)),
    "dict": _dict,
    "value": _value,
}
