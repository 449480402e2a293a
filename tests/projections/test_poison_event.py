"""An event a projection cannot apply stops that projection alone, and an operator recovers it.

The bad events are written through the recorder's own insert path, as a faulty or older version
of Dar could have recorded them: a partner's registration without its French name (the partners
read model cannot apply it), and names holding NUL and a lone surrogate (which PostgreSQL text
cannot hold).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from eventsourcing.domain import DomainEventProtocol
from fastapi.testclient import TestClient
from typer.testing import CliRunner, Result

from api.auth import Role
from api.bootstrap import Dar, bootstrap, projections
from api.cli import app as cli
from api.http import create_app
from application.partners.commands import RegisterPartner
from domain.partners.partner import Partner
from infrastructure.readmodels.database import ReadDatabase, SqlCursor
from infrastructure.readmodels.failures import Backoff, skip_failed_event
from infrastructure.readmodels.runner import ProjectionRunner, Registered
from infrastructure.readmodels.text import REPLACEMENT
from infrastructure.settings import Settings
from tests.support.api import environment, error_codes, graphql, token_for
from tests.support.clock import TestClock
from tests.support.poison import inject

NEVER_BY_ITSELF = Backoff(first_seconds=3600, cap_seconds=3600)  # only an operator resumes it
COUNTED = "event_count_v1"
PARTNERS_AT = "query($at: Position) { partners(first: 50, atLeastPosition: $at) { code nameFr } }"
HOUSES_AT = "query($at: Position) { houses(atLeastPosition: $at) { code } }"


class EventCount:
    """Adds one per event it applies, so an event applied twice shows in the count.

    Like the partners read model, it reads a registration's names, so it fails on the same event.
    """

    name = "event_count"
    version = 1

    @property
    def key(self) -> str:
        return f"{self.name}_v{self.version}"

    def apply(self, event: DomainEventProtocol[Any], position: int, writer: SqlCursor) -> None:
        if isinstance(event, Partner.Registered) and not event.name_fr:  # AttributeError if absent
            msg = "a partner without a French name"
            raise ValueError(msg)
        writer.execute(f"UPDATE {COUNTED} SET n = n + 1, last = ?", (position,))


class _Qualified:
    def __init__(self, db: ReadDatabase, cur: SqlCursor) -> None:
        self._db = db
        self._cur = cur

    def execute(self, sql: str, params: tuple[object, ...]) -> None:
        self._cur.execute(sql.replace(COUNTED, self._db.table(COUNTED)), params)


def _create_count(db: ReadDatabase) -> None:
    with db.write() as cur:
        cur.execute(
            db.ddl("CREATE TABLE IF NOT EXISTS {schema}" + COUNTED + " (n {bigint}, last {bigint})")
        )
        cur.execute(f"DELETE FROM {db.table(COUNTED)}")
        cur.execute(f"INSERT INTO {db.table(COUNTED)} VALUES (0, 0)")


def counted(db: ReadDatabase) -> tuple[int, int]:
    """How many events the counting projection applied, and the last position."""
    with db.read() as cur:
        cur.execute(f"SELECT n, last FROM {db.table(COUNTED)}")
        row = cur.fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


@pytest.fixture
def poisoned(store_settings: Settings, clock: TestClock) -> Iterator[Dar]:
    """Dar with every read model and the counting one, retrying only when an operator says."""
    dar = bootstrap(store_settings, clock)
    count: Registered[Any] = Registered(EventCount(), _Qualified, _create_count)
    runner = ProjectionRunner(
        dar.store,
        dar.read.db,
        [*projections(), count],
        new_events=dar.new_events,
        poll_seconds=0.05,
        backoff=NEVER_BY_ITSELF,
    )
    patched = replace(dar, projections=runner)
    yield patched
    patched.close()


def register(dar: Dar, code: str) -> int:
    """A partner registered the ordinary way; its position."""
    done = dar.partners.register_partner(
        RegisterPartner(
            command_id=f"r-{code}", actor="admin:1", code=code, name_ar="شريك", name_fr=code
        )
    )
    return done.position


def eventually(condition: Callable[[], bool], what: str) -> None:
    """Wait for the background runner (a bound on waiting, not an assertion on time)."""
    deadline = time.monotonic() + 20
    while not condition():
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.05)


def partner_rows(dar: Dar) -> list[tuple[str, str]]:
    return [(r.code, r.name_fr) for r in dar.read.partners.list(limit=100)]


def dar_cli(settings: Settings, *args: str) -> Result:
    """`dar …` run as an operator would, with these settings in the environment."""
    return CliRunner().invoke(cli, list(args), env=environment(settings))


def skip(settings: Settings, position: int, reason: str = "x") -> Result:
    return dar_cli(
        settings, "projections", "skip", "partners_v1", "--position", str(position),
        "--reason", reason, "--by", "leila",
    )  # fmt: skip


def assert_degraded(client: TestClient, bad: int) -> None:
    """/readyz and /metrics name the failing projection and its position."""
    ready = client.get("/readyz")
    assert ready.status_code == 200
    report = ready.json()
    assert report["status"] == "degraded"
    [failure] = [f for f in report["failures"] if f["projection"] == "partners_v1"]
    assert (failure["position"], failure["error"]) == (bad, "AttributeError")
    assert failure["topic"].endswith("Partner.Registered")
    assert "message" not in failure  # /readyz is public: the message is for operators
    metrics = client.get("/metrics").text
    assert 'dar_projection_failed{projection="partners_v1"} 1.0' in metrics
    assert f'dar_projection_failed_position{{projection="partners_v1"}} {bad}.0' in metrics
    assert 'dar_projection_failed{projection="directory_v1"} 0.0' in metrics


def test_an_event_one_projection_cannot_apply_stops_it_alone_until_an_operator_skips_it(
    poisoned: Dar, store_settings: Settings
) -> None:
    dar, settings = poisoned, store_settings
    register(dar, "P1")
    register(dar, "P2")
    bad = inject(dar, "POISON", lambda state: state.pop("name_fr"))
    head = register(dar, "P3")
    others = [k for k in dar.read.tracking_keys() if k != dar.read.partners_key]
    admin = token_for(settings, Role.ADMIN)
    with TestClient(create_app(settings, dar)) as client:
        eventually(lambda: len(dar.projections.failures()) == 2, "both fail on the bad event")
        eventually(
            lambda: all(dar.read.db.tracked(k) == head for k in others), "the others at the head"
        )
        # the good events of the batch before the bad one are kept, each applied once
        assert dar.read.db.tracked(dar.read.partners_key) == bad - 1
        assert counted(dar.read.db) == (bad - 1, bad - 1)
        assert partner_rows(dar) == [("P1", "P1"), ("P2", "P2")]
        assert_degraded(client, bad)
        refused = graphql(client, PARTNERS_AT, {"at": head}, admin)
        assert error_codes(refused) == ["PROJECTION_FAILED"]
        extensions = refused["errors"][0]["extensions"]
        assert (extensions["projection"], extensions["position"]) == ("partners_v1", bad)
        assert "errors" not in graphql(client, HOUSES_AT, {"at": head}, admin)

        status = dar_cli(settings, "projections", "status")
        assert status.exit_code == 1, status.output
        assert f"FAILED at {bad}" in status.output
        assert "AttributeError" in status.output
        assert [skip(settings, wrong).exit_code for wrong in (bad - 1, bad + 1)] == [2, 2]
        assert dar.read.db.tracked(dar.read.partners_key) == bad - 1

        done = skip(settings, bad, "registration without a French name")
        assert done.exit_code == 0, done.output
        skip_failed_event(dar.read.db, COUNTED, position=bad, reason="x", by="leila", now=_now())
        eventually(lambda: not dar.projections.failures(), "every projection at the head")
        eventually(lambda: counted(dar.read.db) == (head - 1, head), "the counter at the head")

        assert partner_rows(dar) == [("P1", "P1"), ("P2", "P2"), ("P3", "P3")]
        after = client.get("/readyz").json()
        assert (after["status"], after["failures"]) == ("ready", [])
        [kept] = [s for s in after["skipped"] if s["projection"] == "partners_v1"]
        assert (kept["position"], kept["skippedBy"]) == (bad, "leila")
        assert kept["reason"] == "registration without a French name"
        answer = graphql(client, PARTNERS_AT, {"at": head}, admin)
        assert [p["code"] for p in answer["data"]["partners"]] == ["P1", "P2", "P3"]
        assert skip(settings, bad).exit_code == 2  # nothing fails any more: nothing to skip


def test_an_operator_retry_tries_the_failing_event_again_now(
    poisoned: Dar, store_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    dar = poisoned
    register(dar, "P1")
    bad = inject(dar, "POISON", lambda state: state.pop("name_fr"))
    dar.projections.prepare()
    with caplog.at_level(logging.WARNING, logger="infrastructure.readmodels.runner"):
        dar.projections.catch_up()
    first = dar.projections.failures()[dar.read.partners_key]
    assert (first.position, first.attempts) == (bad, 1)
    said = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert f"projection partners_v1 stopped before position {bad}" in " ".join(said)
    dar.projections.catch_up()  # not due yet (an hour): not tried
    assert dar.projections.failures()[dar.read.partners_key].attempts == 1
    retried = dar_cli(store_settings, "projections", "retry", "partners_v1")
    assert retried.exit_code == 0, retried.output
    dar.projections.catch_up()
    again = dar.projections.failures()[dar.read.partners_key]
    assert (again.position, again.attempts, again.first_seen) == (bad, 2, first.first_seen)
    assert again.next_retry - again.last_seen == NEVER_BY_ITSELF.delay(2)
    assert dar_cli(store_settings, "projections", "retry", "directory_v1").exit_code == 2
    assert dar_cli(store_settings, "projections", "retry", "nonesuch_v1").exit_code == 2


def test_a_failed_projection_retries_by_itself_when_its_back_off_has_passed(
    poisoned: Dar, clock: TestClock
) -> None:
    dar = poisoned
    bad = inject(dar, "POISON", lambda state: state.pop("name_fr"))
    runner = ProjectionRunner(dar.store, dar.read.db, projections(), now=clock.now)
    runner.prepare()
    attempts = []
    for _ in range(3):
        runner.catch_up()
        runner.catch_up()  # not due again yet: not tried
        failure = runner.failures()[dar.read.partners_key]
        attempts.append((failure.position, failure.attempts, failure.next_retry - clock.now()))
        clock.advance(failure.next_retry - clock.now())
    waits = [timedelta(seconds=s) for s in (1, 2, 4)]
    assert attempts == [(bad, n, wait) for n, wait in zip((1, 2, 3), waits, strict=True)]


def test_events_recorded_with_nul_and_lone_surrogates_project_the_same_on_both_stores(
    poisoned: Dar,
) -> None:
    dar = poisoned
    register(dar, "P1")

    def unstorable(state: dict[str, Any]) -> None:
        state["name_fr"] = "Ali\x00Ben"
        state["name_ar"] = "شريك\ud800"

    head = inject(dar, "NUL", unstorable)
    dar.projections.prepare()
    dar.projections.catch_up()
    assert dar.projections.failures() == {}
    assert all(dar.read.db.tracked(k) == head for k in dar.read.tracking_keys())
    row = dar.read.partners.by_code("NUL")
    assert row is not None
    assert (row.name_fr, row.name_ar) == (f"Ali{REPLACEMENT}Ben", f"شريك{REPLACEMENT}")
    assert counted(dar.read.db) == (head, head)


def _now() -> datetime:
    return datetime.now(tz=UTC)
