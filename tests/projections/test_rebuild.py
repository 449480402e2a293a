"""A read model rebuilt from the whole log in one pass equals the one built event by event.

The history is realistic: the payments scenario's house, then ordinary days at its counter through
the application services (tickets, calls, lodgings, cash payments, contacts, no-shows).
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

import pytest
from eventsourcing.domain import Aggregate, DomainEventProtocol
from typer.testing import CliRunner

from api.bootstrap import Dar, projections
from api.cli import app as cli
from domain.partners.partner import Partner
from infrastructure.readmodels import working_set
from infrastructure.readmodels.database import ReadDatabase, SqlCursor
from infrastructure.readmodels.rebuild import RebuildFailedError, rebuild, rebuilding
from infrastructure.readmodels.runner import Registered
from infrastructure.settings import Settings
from tests.support.activity import Activity
from tests.support.api import environment
from tests.support.clock import TestClock
from tests.support.payments import payments_ready

Tables = dict[str, list[tuple[str, ...]]]


@pytest.fixture
def history(store_settings: Settings) -> Iterator[Dar]:
    """Three days of counter activity after the payments scenario, no read model built yet."""
    clock = TestClock()
    dar, _, citizen = payments_ready(store_settings, clock)
    activity = Activity(dar, clock, citizen)
    activity.end_scenario_visit()
    activity.days(3, 3, 12)
    yield dar
    dar.close()


def event_by_event(dar: Dar) -> None:
    """The reference: every event, decoded by the library, applied alone in its own transaction."""
    for registered in projections():
        registered.create_tables(dar.read.db)
    for note in dar.store.recorder.select_notifications(start=0, limit=100_000):
        event = dar.store.mapper.to_domain_event(note)
        for registered in projections():
            with dar.read.db.write() as cur:
                writer = registered.writer(dar.read.db, cur)
                registered.projection.apply(event, note.id, writer)
                for end in ("flush", "finish"):  # as the runner ends a batch
                    done = getattr(writer, end, None)
                    if callable(done):
                        done()  # a writer that keeps what it touches until the end of a batch


def contents(dar: Dar) -> Tables:
    """Every row of every read model's tables, as text, in a stable order."""
    found: Tables = {}
    for registered in projections():
        for table in registered.tables:
            with dar.read.db.read() as cur:
                cur.execute(f"SELECT * FROM {dar.read.db.table(table)}")
                found[table] = sorted(tuple(str(v) for v in row) for row in cur.fetchall())
    return found


def test_every_read_model_rebuilt_in_one_pass_equals_the_one_built_event_by_event(
    history: Dar,
) -> None:
    dar = history
    dar.read.db.ensure_tracking()
    event_by_event(dar)
    expected = contents(dar)
    assert all(expected[t] for t in ("queue_tickets_v1", "requests_v3", "payments_v1")), expected

    done = rebuild(dar.store, dar.read.db, projections(), now=lambda: datetime.now(tz=UTC))

    assert contents(dar) == expected
    head = dar.store.position()
    assert (done.position, done.events) == (head, head)
    assert all(dar.read.db.tracked(key) == head for key in dar.read.tracking_keys())


@pytest.mark.parametrize("kept", [working_set.KEPT, 3], ids=["rows-kept", "rows-forgotten"])
def test_a_rebuild_in_pages_of_a_few_events_equals_the_one_built_event_by_event(
    history: Dar, kept: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many pages: each read while the one before is applied, its writes run behind the next.

    The writers live for the whole pass: rows are found in their working sets from page to page
    (or, beyond `KEPT` rows, read back from the rebuild's own transaction).
    """
    dar = history
    monkeypatch.setattr(working_set, "KEPT", kept)
    dar.read.db.ensure_tracking()
    event_by_event(dar)
    expected = contents(dar)

    done = rebuild(dar.store, dar.read.db, projections(), now=lambda: datetime.now(tz=UTC), page=7)

    assert done.events == dar.store.position()
    assert contents(dar) == expected


class OneRowPerEvent:
    """Writes the same key for every partner event: the second write breaks the primary key."""

    name = "one_row"
    version = 1
    subscribes_to: ClassVar[tuple[type, ...]] = (Partner,)

    @property
    def key(self) -> str:
        return f"{self.name}_v{self.version}"

    def apply(self, event: DomainEventProtocol[Any], position: int, writer: SqlCursor) -> None:
        del event
        writer.execute(f"INSERT INTO {self.table} (k, position) VALUES (1, ?)", (position,))

    table = "one_row_v1"


def test_a_write_that_fails_behind_the_pass_fails_the_rebuild_in_the_name_of_its_read_model(
    history: Dar,
) -> None:
    """The duplicate is refused on the writes' thread; the rebuild names whose write it was."""
    dar = history
    db = dar.read.db
    dar.projections.prepare()
    dar.projections.catch_up()
    expected = contents(dar)

    def create(db: ReadDatabase) -> None:
        with db.write() as cur:
            cur.execute(
                db.ddl(
                    "CREATE TABLE IF NOT EXISTS {schema}" + OneRowPerEvent.table + " ("
                    "k {bigint} PRIMARY KEY, position {bigint} NOT NULL)"
                )
            )

    def writer(db: ReadDatabase, cur: SqlCursor) -> SqlCursor:
        class Qualified:
            def execute(self, sql: str, params: Sequence[object]) -> None:
                cur.execute(
                    sql.replace(OneRowPerEvent.table, db.table(OneRowPerEvent.table)), params
                )

        return Qualified()  # type: ignore[return-value]

    failing: Registered[Any] = Registered(
        OneRowPerEvent(), writer, create, tables=(OneRowPerEvent.table,)
    )
    with pytest.raises(RebuildFailedError) as failed:  # the partners come after it in each page
        rebuild(dar.store, db, [failing, *projections()], now=lambda: datetime.now(tz=UTC), page=5)

    assert failed.value.key == OneRowPerEvent().key
    assert contents(dar) == expected  # the read models as they were
    assert rebuilding(db) == {}


def test_the_runners_catch_up_from_zero_equals_the_one_built_event_by_event(
    history: Dar,
) -> None:
    dar = history
    dar.read.db.ensure_tracking()
    event_by_event(dar)
    expected = contents(dar)
    for registered in projections():
        with dar.read.db.write() as cur:
            for table in registered.tables:
                cur.execute(f"DELETE FROM {dar.read.db.table(table)}")
    dar.projections.prepare()
    dar.projections.catch_up()  # every projection from position 0, one pass, batched writes
    assert contents(dar) == expected


def test_rebuilding_one_read_model_leaves_the_others_as_they_are(history: Dar) -> None:
    dar = history
    dar.projections.prepare()
    dar.projections.catch_up()
    expected = contents(dar)
    head = dar.store.position()
    queue = [r for r in projections() if r.key == dar.read.queue_key]
    with dar.read.db.write() as cur:  # the queue back to zero, the payments half-way
        for table in queue[0].tables:
            cur.execute(f"DELETE FROM {dar.read.db.table(table)}")
        dar.read.db.track(cur, dar.read.queue_key, 0, datetime.now(tz=UTC))
    rebuild(dar.store, dar.read.db, queue, now=lambda: datetime.now(tz=UTC))
    assert contents(dar) == expected
    assert all(dar.read.db.tracked(key) == head for key in dar.read.tracking_keys())


def test_dar_projections_rebuild_shows_its_progress_and_the_state_of_each(
    history: Dar, store_settings: Settings
) -> None:
    dar = history
    dar.projections.prepare()
    dar.projections.catch_up()
    expected = contents(dar)
    env = environment(store_settings)
    done = CliRunner().invoke(cli, ["projections", "rebuild", "--all"], env=env)
    assert done.exit_code == 0, done.output
    assert "events/s" in done.output
    assert f"at {dar.store.position()}" in done.output
    assert contents(dar) == expected
    status = CliRunner().invoke(cli, ["projections", "status"], env=env)
    assert status.exit_code == 0, status.output
    assert all(f"{key:<16} current" in status.output for key in dar.read.tracking_keys())
    refused = CliRunner().invoke(cli, ["projections", "rebuild"], env=env)
    assert refused.exit_code == 2


@pytest.mark.parametrize("registered", projections(), ids=lambda r: r.key)
def test_a_projection_declares_every_aggregate_whose_events_it_matches(
    registered: Registered[object],
) -> None:
    """The runner decodes for a projection only its declared aggregates' events."""
    module = inspect.getmodule(type(registered.projection))
    assert module is not None
    used = {
        value
        for name in _names(inspect.getsource(module))
        if isinstance(value := getattr(module, name, None), type) and issubclass(value, Aggregate)
    }
    declared = set(getattr(registered.projection, "subscribes_to", ()))
    assert used
    assert used <= declared, f"{registered.key} matches events of {used - declared}"


def _names(source: str) -> set[str]:
    return {node.id for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Name)}
