"""Subscriptions are pushed: runners announce what they commit, one listener per process hears it."""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, suppress

import psycopg
import pytest

from api.bootstrap import Dar, bootstrap
from api.graphql.watch import Watcher
from application.partners.commands import RegisterPartner
from domain.houses.house import house_id
from infrastructure.readmodels.listen import READ_LISTENER
from infrastructure.readmodels.runner import NewEvents, ReadModelChanges
from infrastructure.settings import Settings
from tests.support.counter import served
from tests.support.staff import ensure_house
from tests.support.stores import PostgresDatabases

PROTOCOL = "graphql-transport-ws"
WAIT = 20.0  # seconds: generous, never a measure
CALLED = "subscription($h: ID!) { calledTickets(houseId: $h) { position } }"


def test_a_watcher_wakes_when_another_thread_announces_a_change() -> None:
    changes = ReadModelChanges()
    watcher = Watcher(lambda: 0, interval=3600, key="queue_v1", changes=changes)

    async def first_change() -> int:
        versions = watcher.changes(0)
        waiting = asyncio.ensure_future(anext(versions))
        await asyncio.sleep(0.2)  # the subscriber waits, its poll has read 0 (next in an hour)
        threading.Thread(target=changes.announce, args=("partners_v1", 5)).start()
        threading.Thread(target=changes.announce, args=("queue_v1", 7)).start()
        try:
            return await asyncio.wait_for(waiting, WAIT)
        finally:
            await versions.aclose()

    assert asyncio.run(first_change()) == 7


def test_a_commit_during_a_pass_wakes_the_runner_after_it() -> None:
    new_events = NewEvents()
    seen = new_events.generation  # the runner reads it, then starts a pass
    threading.Thread(target=new_events.signal).start()  # a command commits during the pass
    time.sleep(0.1)
    assert new_events.wait(WAIT, since=seen)  # the pass over: it is not slept through


def test_a_batch_announces_the_read_models_it_changed_and_no_other(dar: Dar) -> None:
    heard: list[tuple[str, int]] = []

    def hear(key: str) -> Callable[[int], None]:
        return lambda position: heard.append((key, position))

    for key in dar.read.tracking_keys():
        dar.read_changes.listen(key, hear(key))
    dar.projections.prepare()
    done = dar.partners.register_partner(
        RegisterPartner(
            command_id="p-1", actor="admin:test", code="ONTT", name_ar="ديوان", name_fr="ONTT"
        )
    )
    dar.projections.catch_up()
    assert (dar.read.partners_key, done.position) in heard
    assert dar.read.queue_key not in {key for key, _ in heard}


def _heard_until(changes: queue.Queue[int], wanted: int) -> list[int]:
    """What the listener announced, up to `wanted` (fails after the generous wait)."""
    seen: list[int] = []
    while wanted not in seen:
        seen.append(changes.get(timeout=WAIT))
    return seen


class RolledBackError(Exception):
    """Ends a write transaction without committing it."""


def _announce(dar: Dar, position: int, *, commit: bool) -> None:
    """A change announced in a transaction that commits, or that is rolled back."""
    with suppress(RolledBackError), dar.read.db.write() as cur:
        dar.read.db.announce(cur, "probe_v1", position)
        _end(commit=commit)


def _end(*, commit: bool) -> None:
    if not commit:
        raise RolledBackError


@pytest.fixture
def pg_dar(pg_settings: Settings) -> Iterator[Dar]:
    dar = bootstrap(pg_settings)
    yield dar
    dar.close()


def test_a_change_is_heard_by_another_connection_only_once_its_batch_commits(
    pg_dar: Dar,
) -> None:
    heard: queue.Queue[int] = queue.Queue()
    pg_dar.read_changes.listen("probe_v1", heard.put)
    listener = pg_dar.listener()
    assert listener is not None
    listener.start()
    try:
        deadline = time.monotonic() + WAIT
        while heard.empty() and time.monotonic() < deadline:  # until the listener listens
            _announce(pg_dar, 1, commit=True)
            time.sleep(0.1)
        _announce(pg_dar, 2, commit=False)
        _announce(pg_dar, 3, commit=True)
        seen = _heard_until(heard, 3)
    finally:
        listener.stop()
    assert 2 not in seen  # notifications arrive in commit order: 2 would have come before 3
    assert set(seen) == {1, 3}


def _listeners(pg_databases: PostgresDatabases, settings: Settings) -> int:
    """The read-model LISTEN connections on the database, once there is any (or 0 after a wait)."""
    dbname = psycopg.conninfo.conninfo_to_dict(settings.database_url)["dbname"]
    deadline = time.monotonic() + WAIT
    with psycopg.connect(pg_databases.server.admin_url(), autocommit=True) as conn:
        while True:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = %s AND application_name = %s",
                (dbname, READ_LISTENER),
            ).fetchone()
            found = int(row[0]) if row else 0
            if found or time.monotonic() > deadline:
                return found
            time.sleep(0.1)


def test_one_listen_connection_serves_every_subscriber_of_a_process(
    pg_settings: Settings, pg_databases: PostgresDatabases
) -> None:
    dar = bootstrap(pg_settings)
    ensure_house(dar)
    haidra = str(house_id("haidra"))
    with served(pg_settings, dar) as client, ExitStack() as sockets:
        for _ in range(3):
            ws = sockets.enter_context(
                client.websocket_connect("/graphql", subprotocols=[PROTOCOL])
            )
            ws.send_json({"type": "connection_init", "payload": {}})
            assert ws.receive_json()["type"] == "connection_ack"
            for op in ("1", "2"):
                payload = {"query": CALLED, "variables": {"h": haidra}}
                ws.send_json({"id": op, "type": "subscribe", "payload": payload})
                assert ws.receive_json()["type"] == "next"
        listening = _listeners(pg_databases, pg_settings)
    assert listening == 1
