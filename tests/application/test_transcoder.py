"""Dar's transcoder writes the library's bytes and reads them as the library does.

Stored events and the audit chain depend on the bytes: a state is written exactly as the library's
`JSONTranscoder` writes it, whatever it holds, and every store written before reads back the same
(SQLite and PostgreSQL).
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import JSONTranscoder, TranscodingNotRegisteredError
from hypothesis import given
from hypothesis import strategies as st

from api.audit_cli import verify_store
from api.bootstrap import bootstrap
from api.cli import prepare
from application.store import EventStore
from application.transcoder import DarTranscoder
from infrastructure.settings import Settings
from tests.support.load_day import HouseDay, Loads, MovableClock


def library() -> JSONTranscoder:
    """The library's transcoder with Dar's transcodings: what wrote every store before."""
    transcoder = JSONTranscoder()
    EventStore.register_transcodings(EventStore.__new__(EventStore), transcoder)
    return transcoder


def dar() -> DarTranscoder:
    transcoder = DarTranscoder()
    EventStore.register_transcodings(EventStore.__new__(EventStore), transcoder)
    return transcoder


LIBRARY, DAR = library(), dar()

texts = st.text(st.characters(codec="utf-8"), max_size=12)
zones = st.sampled_from(
    [UTC, timezone(timedelta(hours=1)), timezone(timedelta(hours=-5, minutes=-30))]
)
leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    texts,
    st.uuids(),
    st.datetimes(timezones=zones),
    st.datetimes(),
    st.dates(),
    st.decimals(allow_nan=False, allow_infinity=False),
)
states = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=4).map(tuple),
        st.dictionaries(texts, inner, max_size=4),
        st.builds(lambda kind, data: {"_type_": kind, "_data_": data}, texts, texts),
    ),
    max_leaves=10,
)


@given(st.dictionaries(texts, states, max_size=6))
def test_a_state_is_written_as_the_library_writes_it(state: dict[str, Any]) -> None:
    try:
        expected = LIBRARY.encode(state)
    except (UnicodeEncodeError, TranscodingNotRegisteredError, ValueError) as error:
        with pytest.raises(type(error)):
            DAR.encode(state)
        return
    assert DAR.encode(state) == expected


@given(st.dictionaries(texts, states, max_size=6))
def test_stored_bytes_are_read_as_the_library_reads_them(state: dict[str, Any]) -> None:
    try:
        stored = LIBRARY.encode(state)
        expected = LIBRARY.decode(stored)
    except (UnicodeEncodeError, TranscodingNotRegisteredError, ValueError):
        return  # the library cannot write or read it back: nothing was ever stored so
    assert repr(DAR.decode(stored)) == repr(expected)  # repr: types (1 against 1.0) and NaN


@pytest.mark.parametrize(
    "stored",
    [
        b'{"n":18446744073709551616,"m":-9223372036854775809}',  # orjson: floats
        b'{"x":NaN,"y":Infinity,"z":1e400}',
        b'{"\\u005ftype_":"uuid_hex","_data_":"0123456789abcdef0123456789abcdef"}',
        b'{"t":{"_type_":"date_iso","_data_":"2026-03-02"},"f":1e-07}',
        b'{"big":12345678901234567890123}',
        b'{"at":{"_type_":"datetime_iso","_data_":"2026-03-02T09:00:00+00:00"},"s":"'
        + "ش".encode() * 9000
        + b'"}',  # a large state: the library reads it
    ],
)
def test_what_orjson_reads_otherwise_is_read_by_the_library(stored: bytes) -> None:
    assert repr(DAR.decode(stored)) == repr(LIBRARY.decode(stored))


class Colour(enum.Enum):
    RED = "red"


class Size(enum.IntEnum):
    LARGE = 3


class Shade(enum.StrEnum):
    DARK = "dark"


def test_values_the_library_refuses_are_refused() -> None:
    for value in (Colour.RED, {1, 2}, b"bytes"):
        with pytest.raises((TranscodingNotRegisteredError, TypeError)) as expected:
            LIBRARY.encode({"v": value})
        with pytest.raises(expected.type):
            DAR.encode({"v": value})
    with pytest.raises(UnicodeEncodeError):
        DAR.encode({"v": "\ud800"})


def test_enums_of_text_and_numbers_and_nested_ids_are_written_alike() -> None:
    state = {
        "shade": Shade.DARK,
        "size": Size.LARGE,
        "ids": (UUID(int=7), [UUID(int=8), {"d": date(2026, 3, 2)}]),
        "money": Decimal("1.500"),
        "at": datetime(2026, 3, 2, 9, tzinfo=UTC),
        Shade.DARK: 1,
    }
    assert DAR.encode(state) == LIBRARY.encode(state)
    keys_not_text = {"k": {1: "one", None: 2, 2.5: 3, False: 4}}
    assert DAR.encode(keys_not_text) == LIBRARY.encode(keys_not_text)


def test_a_store_written_before_reads_back_the_same(
    store_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A business day recorded by the library's transcoder: same events, same bytes, same chain."""
    monkeypatch.setattr(EventStore, "construct_transcoder", lambda _: library())
    written_before(store_settings)
    monkeypatch.undo()
    dar = bootstrap(store_settings, projector=False)  # closed whole: no pool left to the collector
    store = dar.store
    try:
        assert isinstance(store.mapper.transcoder, DarTranscoder)
        notifications = store.recorder.select_notifications(start=1, limit=100_000)
        assert len(notifications) > 100
        topics = set()
        for stored in notifications:
            before = LIBRARY.decode(stored.state)
            assert repr(DAR.decode(stored.state)) == repr(before), stored.topic
            assert DAR.encode(before) == stored.state, stored.topic
            event = store.mapper.to_domain_event(stored)
            assert store.mapper.to_stored_event(event).state == stored.state
            topics.add(stored.topic)
        assert len(topics) > 20
    finally:
        dar.close()
    assert verify_store(store_settings, []).intact


def written_before(settings: Settings) -> None:
    """The demo house and a short business day (tickets, requests, cash payments, tills)."""
    prepare(settings, demo=True)
    clock = MovableClock()
    store = bootstrap(settings, clock, projector=False)
    try:
        assert not isinstance(store.store.mapper.transcoder, DarTranscoder)
        day = HouseDay(store, clock, Loads())
        day.prepare()
        day.run(1, date(2026, 1, 5), tickets=16)
    finally:
        store.close()
