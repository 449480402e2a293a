"""A rebuild runs while readers query: they see the old read models until the switch, then the new.

The live read models stand at an earlier position (the worker stopped there) while the log went on;
a rebuild of every registered read model then runs in small pages. A reader keeps asking GraphQL
and counting every registered read model's rows, each look in one read transaction; at every page
of the rebuild (its transaction open) the test waits for the reader to look once more. Every look
must answer without an error, and each of its parts (a GraphQL field, the rows counted in one read)
show either the old read models or the new ones, whole, never a mix nor a part, and never the old
again once it showed the new.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.auth import Role
from api.bootstrap import Dar, projections
from api.cli import app as cli
from api.http import create_app
from domain.houses.house import house_id
from infrastructure.readmodels.rebuild import rebuild
from infrastructure.settings import Settings
from tests.support.activity import Activity
from tests.support.api import environment, graphql, token_for
from tests.support.clock import TestClock
from tests.support.payments import payments_ready

HAIDRA = str(house_id("haidra"))
QUERY = (
    f'{{ requests(houseId: "{HAIDRA}", first: 100) {{ items {{ id status }} hasNextPage }} '
    "partners { code } }"
)
LOOK_TIMEOUT = 30.0
Look = dict[str, Any]  # parts read in one transaction each: GraphQL fields, the rows' counts


@dataclass
class Behind:
    """Dar whose read models stopped half-way through its log, and an API serving them."""

    dar: Dar
    client: TestClient
    token: str


@pytest.fixture
def behind(store_settings: Settings) -> Iterator[Behind]:
    """Two days projected, two more recorded after the worker stopped."""
    clock = TestClock()
    dar, _, citizen = payments_ready(store_settings, clock)
    activity = Activity(dar, clock, citizen)
    activity.end_scenario_visit()
    activity.days(3, 2, 8)
    dar.projections.prepare()
    dar.projections.catch_up()
    activity.days(5, 2, 8)
    settings = store_settings.model_copy(update={"embedded_projections": False})
    try:
        with TestClient(create_app(settings)) as client:
            yield Behind(dar, client, token_for(settings, Role.ADMIN))
    finally:
        dar.close()


def counts(dar: Dar) -> dict[str, int]:
    """The rows of every registered read model's tables, in one read transaction."""
    found: dict[str, int] = {}
    with dar.read.db.read() as cur:
        for registered in projections():
            for table in registered.tables:
                cur.execute(f"SELECT COUNT(*) FROM {dar.read.db.table(table)}")
                [(found[table],)] = cur.fetchall()
    return found


@dataclass
class Reader:
    """Looks at the read models on its own thread, again and again, until stopped."""

    look: Callable[[], Look]
    seen: list[Look] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _looked: threading.Condition = field(default_factory=threading.Condition)

    def run(self) -> None:
        """Look until stopped; every answer and every error is kept."""
        while not self._stop.is_set():
            try:
                seen = self.look()
            except Exception as error:  # noqa: BLE001 - the test asserts there are none
                self.errors.append(error)
                seen = {}
            with self._looked:
                self.seen.append(seen)
                self._looked.notify_all()

    def next_look(self) -> Look:
        """A look that started after this call."""
        with self._looked:
            wanted = len(self.seen) + 2  # the one under way may have started before
            arrived = self._looked.wait_for(lambda: len(self.seen) >= wanted, LOOK_TIMEOUT)
            assert arrived, "the reader did not answer while the rebuild ran"
            return self.seen[-1]

    def stop(self) -> None:
        """Stop after the look under way."""
        self._stop.set()


def test_readers_see_the_old_read_models_until_the_rebuild_switches_to_the_new(
    behind: Behind,
) -> None:
    dar, app_dar = behind.dar, behind.client.app.state.dar  # type: ignore[attr-defined]

    def look() -> Look:
        answer = graphql(behind.client, QUERY, token=behind.token)
        assert "errors" not in answer, answer
        return {**answer["data"], "rows": counts(app_dar)}

    old = look()
    head = dar.store.position()
    reader = Reader(look)
    thread = threading.Thread(target=reader.run, name="reader")
    thread.start()
    progress: list[tuple[int, int]] = []
    during: list[Look] = []

    def page_done(at: int, log_head: int) -> None:
        progress.append((at, log_head))
        during.append(reader.next_look())  # the rebuild's transaction is open meanwhile

    try:
        rebuild(
            dar.store,
            dar.read.db,
            projections(),
            now=lambda: datetime.now(UTC),
            progress=page_done,
            page=25,
        )
        new = reader.next_look()
    finally:
        reader.stop()
        thread.join(timeout=LOOK_TIMEOUT)

    assert not reader.errors, reader.errors
    assert new == look()
    assert new["rows"] != old["rows"], "the rebuilt read models should show the later days"
    assert new["requests"] != old["requests"]
    assert len(during) == len(progress)
    assert all(seen == old for seen in during), "a reader saw the rebuild before its switch"
    for part in old:  # each part in one transaction: the old one, then the new one
        switched = [seen[part] == new[part] for seen in reader.seen]
        assert all(seen[part] in (old[part], new[part]) for seen in reader.seen), part
        assert switched == sorted(switched), f"{part}: the old one seen again after the new"
    assert [at for at, _ in progress] == sorted({at for at, _ in progress})
    assert len(progress) > 2
    assert progress[-1] == (head, head)


def test_a_read_model_is_rebuilt_by_its_name_without_its_version(
    behind: Behind, store_settings: Settings
) -> None:
    """`dar projections rebuild queue` rebuilds `queue_v1` (and only it), with its progress."""
    dar = behind.dar
    head = dar.store.position()
    env = environment(store_settings)
    for registered in projections():
        short = registered.key.rsplit("_v", 1)[0]
        done = CliRunner().invoke(cli, ["projections", "rebuild", short], env=env)
        assert done.exit_code == 0, done.output
        assert f"rebuilding {registered.key} in one pass" in done.output
        assert "events/s" in done.output
        assert f"rebuilt {registered.key}: {head} events, at {head}." in done.output
        assert dar.read.db.tracked(registered.key) == head
    unknown = CliRunner().invoke(cli, ["projections", "rebuild", "queue_v9"], env=env)
    assert unknown.exit_code == 2
    assert "no projection 'queue_v9'" in unknown.output


def test_a_read_of_several_statements_sees_the_read_models_of_before_a_switch_made_between_them(
    behind: Behind,
) -> None:
    """A reader's statements share one snapshot: a rebuild's commit between two is not seen."""
    dar, app_dar = behind.dar, behind.client.app.state.dar  # type: ignore[attr-defined]
    old = counts(app_dar)
    tables = [table for registered in projections() for table in registered.tables]
    with app_dar.read.db.read() as cur:
        first, *others = tables
        cur.execute(f"SELECT COUNT(*) FROM {app_dar.read.db.table(first)}")
        [(seen,)] = cur.fetchall()
        rebuild(dar.store, dar.read.db, projections(), now=lambda: datetime.now(UTC))
        for table in others:
            cur.execute(f"SELECT COUNT(*) FROM {app_dar.read.db.table(table)}")
            [(count,)] = cur.fetchall()
            assert count == old[table], f"{table}: {count} rows, a snapshot taken after {first}"
    assert seen == old[first]
    assert counts(app_dar) != old
