"""Per-topic decoding gives the library's events, and a decoding plan builds only what it names.

The projections' decoder and Dar's mapper are compared with the library's own mapper (its JSON
transcoder) on any state the library could have stored; a plan gives exactly the library's values
of the fields it names, and no other field. On SQLite and PostgreSQL: every event of a business
day decodes to the library's event, and each read model that declares a plan is rebuilt from it
to the very rows it has when every field is decoded.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.domain import Aggregate, DomainEventProtocol
from eventsourcing.persistence import Mapper, MapperDeserialisationError, Notification
from hypothesis import given
from hypothesis import strategies as st

from api.bootstrap import Dar, bootstrap, projections
from api.cli import prepare
from application.decoding import DarMapper
from application.store import EventStore
from domain.partners.partner import Partner
from infrastructure.readmodels.log import Decoder, EventLog, RawEvent
from infrastructure.readmodels.rebuild import rebuild
from infrastructure.readmodels.runner import Registered, fields_read
from infrastructure.settings import Settings
from tests.application.test_transcoder import LIBRARY, states, texts
from tests.support.load_day import HouseDay, Loads, MovableClock

TOPIC = "domain.partners.partner:Partner.Registered"
STORE = EventStore()
REFERENCE: Mapper[UUID] = Mapper(LIBRARY)  # the library's own mapper and transcoder
TIME = {"_type_": "datetime_iso", "_data_": "2026-03-02T09:00:00+00:00"}


def stored_at(
    position: int, originator_id: UUID | str, version: int, topic: str, state: bytes
) -> Notification:
    return Notification(
        id=position,
        originator_id=originator_id,
        originator_version=version,
        topic=topic,
        state=state,
    )


def library_event(state: bytes, originator_id: UUID) -> DomainEventProtocol[Any]:
    return REFERENCE.to_domain_event(stored_at(1, originator_id, 1, TOPIC, state))


def decoded(decoder: Decoder, state: bytes, originator_id: UUID) -> DomainEventProtocol[Any]:
    return decoder.decode(RawEvent(1, originator_id, 1, TOPIC, state))


def same(left: object, right: object) -> None:
    assert type(left) is type(right)
    assert repr(sorted(vars(left).items())) == repr(sorted(vars(right).items()))  # NaN, 1 vs 1.0


@given(st.dictionaries(texts, states, max_size=6), st.booleans())
def test_any_stored_state_decodes_to_the_library_event_or_is_refused_alike(
    state: dict[str, Any],
    timed: bool,  # noqa: FBT001 - drawn by Hypothesis
) -> None:
    if timed:
        state = {"timestamp": datetime(2026, 3, 2, 9, tzinfo=UTC), **state}
    try:
        stored = LIBRARY.encode(state)
    except Exception:  # noqa: BLE001 - the library cannot write it: never stored
        return
    originator = uuid4()
    mapper = STORE.mapper
    assert isinstance(mapper, DarMapper)
    try:
        expected = library_event(stored, originator)
    except MapperDeserialisationError:
        with pytest.raises(MapperDeserialisationError):
            decoded(Decoder(STORE), stored, originator)
        with pytest.raises(MapperDeserialisationError):
            mapper.to_domain_event(stored_at(1, originator, 1, TOPIC, stored))
        return
    for _ in range(2):  # the second time through what was learned of the topic
        same(decoded(Decoder(STORE), stored, originator), expected)
        same(mapper.to_domain_event(stored_at(1, originator, 1, TOPIC, stored)), expected)


@given(st.dictionaries(texts, states, min_size=1, max_size=6), st.data())
def test_a_plan_gives_the_library_values_of_the_fields_it_names_and_no_other(
    state: dict[str, Any], data: st.DataObject
) -> None:
    state = {"timestamp": datetime(2026, 3, 2, 9, tzinfo=UTC), **state}
    try:
        stored = LIBRARY.encode(state)
        originator = uuid4()
        full = vars(library_event(stored, originator))
    except Exception:  # noqa: BLE001 - never stored, or not an event the library reads
        return
    named = data.draw(st.lists(st.sampled_from(sorted(state)), unique=True))
    decoder = Decoder(STORE, lambda cls: tuple(named) if cls is Partner.Registered else None)
    event = decoded(decoder, stored, originator)
    kept = {"timestamp", "originator_id", "originator_version", *named}
    assert type(event) is Partner.Registered
    assert repr(sorted(vars(event).items())) == repr(
        sorted((k, v) for k, v in full.items() if k in kept)
    )


@pytest.mark.parametrize(
    "stored",
    [
        b'{"n":18446744073709551616,"m":-9223372036854775809,"timestamp":%s}',
        b'{"x":NaN,"y":Infinity,"z":1e400,"timestamp":%s}',
        b'{"\\u005ftype_":"uuid_hex","_data_":"0123456789abcdef0123456789abcdef","timestamp":%s}',
        b'{"i":{"\\u005ftype_":"uuid_hex","_data_":"0123456789abcdef0123456789abcdef"},"t":%s}',
        b'{"l":[[{"_type_":"date_iso","_data_":"2026-03-02"}],1e-07,123456789012345678901],"t":%s}',
        b'{"d":{"_type_":"decimal_str","_data_":"1.50"},"timestamp":%s}',
    ],
)
def test_what_orjson_reads_otherwise_decodes_as_the_library_decodes_it(stored: bytes) -> None:
    stored = stored.replace(b"%s", b'{"_type_":"datetime_iso","_data_":"2026-03-02T09:00:00Z"}')
    originator = uuid4()
    decoder = Decoder(STORE)
    for _ in range(2):
        same(decoded(decoder, stored, originator), library_event(stored, originator))


def test_a_field_not_in_the_plan_is_not_built_nor_looked_at() -> None:
    stored = (
        b'{"timestamp":{"_type_":"datetime_iso","_data_":"2026-03-02T09:00:00+00:00"},'
        b'"code":"STEG","actor":{"_type_":"no_such_transcoding","_data_":"x"}}'
    )
    with pytest.raises(MapperDeserialisationError):
        decoded(Decoder(STORE), stored, uuid4())
    event = decoded(Decoder(STORE, lambda _: ("code",)), stored, uuid4())
    assert event.code == "STEG"  # type: ignore[attr-defined]
    assert event.timestamp == datetime(2026, 3, 2, 9, tzinfo=UTC)  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):
        _ = event.actor  # type: ignore[attr-defined]
    garbage_time = stored.replace(b"2026-03-02T09:00:00+00:00", b"garbage")
    with pytest.raises(MapperDeserialisationError):  # the time is always decoded
        decoded(Decoder(STORE, lambda _: ("code",)), garbage_time, uuid4())


def test_projections_sharing_a_pass_get_the_fields_any_of_them_reads() -> None:
    chosen = [r for r in projections() if r.key.startswith("statistics_v")]
    assert chosen, "the statistics projection declares a plan"
    alone = fields_read(chosen)
    assert alone(Partner.Registered) == frozenset({"code"})
    assert alone(date) == frozenset()  # not its event: nothing but the time
    every = fields_read(projections())  # the partners' read model reads every field
    assert every(Partner.Registered) is None


class _EveryField:
    """A projection without its plan (every field of every event decoded)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name: str = inner.name
        self.version: int = inner.version
        self.subscribes_to: tuple[type, ...] | None = getattr(inner, "subscribes_to", None)

    @property
    def key(self) -> str:
        return f"{self.name}_v{self.version}"

    def apply(self, event: DomainEventProtocol[Any], position: int, writer: object) -> None:
        self.inner.apply(event, position, writer)


def rows(dar: Dar, registered: Registered[object]) -> dict[str, list[str]]:
    db = dar.read.db
    found = {}
    with db.read() as cur:
        for table in registered.tables:
            cur.execute(f"SELECT * FROM {db.table(table)}")
            found[table] = sorted(repr(tuple(row)) for row in cur.fetchall())
    return found


def test_a_business_day_decodes_as_the_library_and_rebuilds_the_same_with_the_plan(
    store_settings: Settings,
) -> None:
    prepare(store_settings, demo=True)
    clock = MovableClock()
    dar = bootstrap(store_settings, clock)
    try:
        day = HouseDay(dar, clock, Loads())
        day.prepare()
        day.run(1, date(2026, 1, 5), tickets=16)
        log, decoder = EventLog(dar.store), Decoder(dar.store)
        raw = log.read(0, 100_000)
        assert len(raw) > 100
        for row in raw:
            stored = stored_at(*row)
            expected = REFERENCE.to_domain_event(stored)
            same(decoder.decode(row), expected)
            same(dar.store.mapper.to_domain_event(stored), expected)
        dar.projections.prepare()
        now = lambda: datetime.now(tz=UTC)  # noqa: E731
        planned = [r for r in projections() if getattr(r.projection, "reads", None) is not None]
        assert planned
        for registered in planned:
            rebuild(dar.store, dar.read.db, [registered], now=now)
            with_plan = rows(dar, registered)
            assert any(with_plan.values())
            projection: Any = registered.projection
            every = replace(registered, projection=_EveryField(projection))
            rebuild(dar.store, dar.read.db, [every], now=now)
            assert rows(dar, registered) == with_plan
    finally:
        dar.close()


class Notebook(Aggregate):
    """An aggregate whose event was changed once: version 1 had `old`, version 2 has `note`."""

    class Noted(Aggregate.Event):
        class_version = 2
        note: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["note"] = f"{state['originator_id']}:{state.pop('old')}"


NOTED = "tests.projections.test_decoding_plan:Notebook.Noted"


def test_an_older_event_is_upcast_as_the_library_upcasts_it_after_its_originator_is_set() -> None:
    stored = (
        b'{"timestamp":{"_type_":"datetime_iso","_data_":"2026-03-02T09:00:00+00:00"},'
        b'"originator_topic":"x","old":"kept"}'
    )
    originator = uuid4()
    expected = REFERENCE.to_domain_event(stored_at(1, originator, 3, NOTED, stored))
    assert expected.note == f"{originator}:kept"  # type: ignore[attr-defined]
    for fields in (None, ("note",)):
        decoder = Decoder(STORE, lambda _, f=fields: f)  # type: ignore[misc]
        event = decoder.decode(RawEvent(1, originator, 3, NOTED, stored))
        kept = {"timestamp", "originator_id", "originator_version", "note"}
        assert vars(event) == {
            k: v for k, v in vars(expected).items() if fields is None or k in kept
        }
    same(STORE.mapper.to_domain_event(stored_at(1, originator, 3, NOTED, stored)), expected)
