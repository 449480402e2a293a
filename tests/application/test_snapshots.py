"""Snapshots are a cache: used when the running code took them, ignored otherwise, on both stores."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime
from uuid import uuid4

import psycopg
import pytest
from eventsourcing.application import project_aggregate
from eventsourcing.domain import Aggregate, Snapshot
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic
from psycopg import sql

from api.bootstrap import Dar, bootstrap
from application.citizens.commands import EraseCitizen
from application.delegation.commands import AmendDelegation
from application.snapshot_state import TAG, freeze_state
from application.snapshots import SNAPSHOT_TOPIC, DarSnapshot, fingerprint
from application.snapshotted import SNAPSHOT_INTERVALS
from application.store import EventStore
from domain.citizens.citizen import Citizen
from domain.citizens.mandate import Mandate
from domain.delegation.grant import DelegationGrant
from domain.houses.house import House, HouseNames
from domain.shared.acts import Act
from infrastructure.eventstore.factory import open_event_store
from infrastructure.fixtures.model import Ref
from infrastructure.settings import Settings
from tests.application.test_erasure_scan import ERASED_CIN, ERASED_NAME, ERASED_PHONE
from tests.support.citizens import grant_mandate, register
from tests.support.clock import TestClock
from tests.support.erasure_scan import ErasureScan
from tests.support.snapshots import counted_loads, state
from tests.support.spec import Scenario

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
COUNTERS = 12


@pytest.fixture
def store(store_settings: Settings) -> Iterator[EventStore]:
    opened = open_event_store(store_settings)
    yield opened
    opened.close()


def act(n: int) -> Act:
    return Act(actor="admin:1", command_id=f"c{n}", at=AT)


def saved_house(store: EventStore) -> House:
    """A house with a dozen counters, saved without reaching its snapshot interval."""
    house = House.register(
        code=f"h{uuid4().hex[:10]}",
        names=HouseNames("دار الخدمات", "Maison"),
        municipality="Haidra",
        governorate="Kasserine",
        act=act(0),
    )
    for number in range(1, COUNTERS + 1):
        house.add_counter(number, f"Guichet {number}", act(number))
    store.save(house)
    return house


def put_raw(store: EventStore, house: House, topic: str, state_bytes: bytes) -> None:
    assert store.snapshots is not None
    row = StoredEvent(house.id, house.version, topic, state_bytes)
    store.snapshots.recorder.insert_events([row])


def snapshot_rows(store: EventStore, house: House) -> list[StoredEvent]:
    assert store.snapshots is not None
    return list(store.snapshots.recorder.select_events(house.id))


def test_a_grant_amended_for_years_is_loaded_from_its_snapshot_through_the_services(
    dar: Dar,
) -> None:
    """Sixty amendments: loading the grant replays less than one interval after its snapshot."""
    scenario = Scenario(dar, TestClock()).given(
        "delegation/haidra_staffed.yaml", "delegation/steg_granted.yaml"
    )
    grant = scenario.symbols.resolve(Ref("grant-steg"))
    for month in range(60):
        change = ("NEW_CONNECTION",)
        added, removed = (change, ()) if month % 2 == 0 else ((), change)
        dar.delegations.amend(
            AmendDelegation(
                command_id=f"amend-{month}",
                actor="admin:1",
                grant_id=grant,
                added=added,
                removed=removed,
            )
        )
    with counted_loads(dar.store) as counts:
        loaded: DelegationGrant = dar.store.repository.get(grant)
    assert loaded.version == 61
    assert counts == [61 % SNAPSHOT_INTERVALS[DelegationGrant]]
    replayed = project_aggregate(None, dar.store.events.get(grant))
    assert replayed is not None
    assert state(loaded) == state(replayed)
    assert dar.store.snapshots is not None
    assert len(list(dar.store.snapshots.recorder.select_events(grant))) == 1, "the latest only"


def test_a_snapshot_taken_by_other_code_is_ignored_and_replaced(
    store: EventStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A snapshot from other code is never trusted, whatever state it claims.

    The replayed aggregate is snapshotted afresh in its place.
    """
    intervals: dict[type[Aggregate], int] = SNAPSHOT_INTERVALS
    house_class: type[Aggregate] = House
    monkeypatch.setitem(intervals, house_class, 5)
    house = saved_house(store)
    assert store.snapshots is not None
    at_start = House.register(
        code="other", names=HouseNames("دار", "M"), municipality="X", governorate="Y", act=act(0)
    )
    claimed = DarSnapshot.take(at_start)
    older = dataclasses.replace(
        claimed, originator_id=house.id, originator_version=house.version, schema="0" * 64
    )
    store.snapshots.put([older])

    with counted_loads(store) as counts:
        loaded: House = store.repository.get(house.id)
    assert counts == [house.version], "the stale snapshot was used"
    assert len(loaded.counters) == COUNTERS
    fresh = snapshot_rows(store, house)
    assert len(fresh) == 1
    assert store.snapshots.mapper.to_domain_event(fresh[0]).schema == fingerprint(House)  # type: ignore[attr-defined]
    with counted_loads(store) as counts:
        assert state(store.repository.get(house.id)) == state(loaded)
    assert counts == [0], "the fresh snapshot is used"


def test_the_same_snapshot_with_the_running_codes_fingerprint_is_trusted(
    store: EventStore,
) -> None:
    """The control of the test above: only the fingerprint made the difference."""
    house = saved_house(store)
    assert store.snapshots is not None
    at_start = House.register(
        code="other", names=HouseNames("دار", "M"), municipality="X", governorate="Y", act=act(0)
    )
    trusted = dataclasses.replace(
        DarSnapshot.take(at_start), originator_id=house.id, originator_version=house.version
    )
    store.snapshots.put([trusted])
    assert store.repository.get(house.id).counters == {}


UNREADABLE = {
    "bytes that are not JSON": (SNAPSHOT_TOPIC, b"\x00garbage{"),
    "JSON that is not a snapshot": (SNAPSHOT_TOPIC, b'{"x": 1}'),
}


@pytest.mark.parametrize("corruption", list(UNREADABLE))
def test_an_unreadable_snapshot_is_ignored(store: EventStore, corruption: str) -> None:
    house = saved_house(store)
    put_raw(store, house, *UNREADABLE[corruption])
    with counted_loads(store) as counts:
        loaded: House = store.repository.get(house.id)
    assert counts == [house.version]
    assert len(loaded.counters) == COUNTERS


def test_a_snapshot_naming_a_class_outside_the_domain_is_ignored(store: EventStore) -> None:
    """A snapshot row cannot make the store build anything but the domain's own values."""
    house = saved_house(store)
    assert store.snapshots is not None
    honest = DarSnapshot.take(store.repository.get(house.id))
    forged_state = freeze_state({})
    forged_state["code"] = {TAG: "value", "class": "subprocess:Popen", "fields": {}}
    forged = dataclasses.replace(honest, state=forged_state)
    store.snapshots.put([forged])
    with counted_loads(store) as counts:
        loaded: House = store.repository.get(house.id)
    assert counts == [house.version]
    assert loaded.code.startswith("h")


def test_the_library_snapshot_class_is_never_used(store: EventStore) -> None:
    """Dar's snapshots carry a fingerprint; the library's own class has none to check."""
    house = saved_house(store)
    assert store.snapshots is not None
    plain = Snapshot(
        originator_id=house.id,
        originator_version=house.version,
        timestamp=AT,
        topic=get_topic(House),
        state={"code": "forged"},
    )
    store.snapshots.put([plain])
    with counted_loads(store) as counts:
        store.repository.get(house.id)
    assert counts == [house.version]


def test_the_fingerprint_covers_the_modules_of_the_value_types(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Changing the module of `Hours` (not the house's) gives the house another fingerprint."""
    import inspect  # noqa: PLC0415

    before = fingerprint(House)
    real = inspect.getsource

    def edited(module: object) -> str:
        text = real(module)  # type: ignore[arg-type]
        return text + "\n# edited\n" if module.__name__ == "domain.houses.calendar" else text  # type: ignore[attr-defined]

    fingerprint.cache_clear()
    monkeypatch.setattr(inspect, "getsource", edited)
    try:
        assert fingerprint(House) != before
    finally:
        fingerprint.cache_clear()


def test_the_application_role_may_delete_snapshots_but_never_update_them(
    pg_settings: Settings,
) -> None:
    schema = sql.Identifier(pg_settings.postgres_schema)
    with psycopg.connect(pg_settings.database_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DELETE FROM {0}.dar_snapshots").format(schema))
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(sql.SQL("UPDATE {0}.dar_snapshots SET topic = 'x'").format(schema))
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(sql.SQL("DELETE FROM {0}.dar_events").format(schema))


def test_erasure_is_not_defeated_by_snapshots_even_of_citizens(
    store_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After an erasure no snapshot decodes to the citizen's data: they hold ciphertext only.

    Every aggregate is snapshotted at every event here, citizens and mandates included.
    """
    intervals: dict[type[Aggregate], int] = SNAPSHOT_INTERVALS
    kinds: list[type[Aggregate]] = [*SNAPSHOT_INTERVALS, Citizen, Mandate]
    for kind in kinds:
        monkeypatch.setitem(intervals, kind, 1)
    clock = TestClock()
    dar = bootstrap(store_settings, clock)
    try:
        Scenario(dar, clock).given("delegation/haidra_staffed.yaml").at("day 2 09:00")
        erased = register(dar, ERASED_CIN, ERASED_NAME, phone=ERASED_PHONE)
        grant_mandate(dar, erased, "partner:STEG")
        dar.projections.prepare()
        dar.projections.catch_up()
        assert dar.store.snapshots is not None
        assert list(dar.store.snapshots.recorder.select_events(erased)), "no citizen snapshot"
        before = ErasureScan(dar).run()
        assert any(s.startswith("snapshot") for s in before.contains(ERASED_CIN)), "not scanned"
        dar.citizens.erase_citizen(
            EraseCitizen(command_id="erase", actor="admin:1", citizen_id=erased, reason="asked")
        )
        dar.projections.catch_up()
        after = ErasureScan(dar).run()
        for needle in (ERASED_CIN, ERASED_NAME, ERASED_PHONE):
            assert after.contains(needle) == [], needle
    finally:
        dar.close()
