"""`dar simulate`: the same seed gives the same log, and a killed run carries on to that log.

The history it makes is one Dar accepts: the read models build, the compliance report finds
nothing uncovered.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

import pytest

from api.bootstrap import bootstrap
from api.simulate_cli import Simulated, simulate_store
from application.audit.compliance import ComplianceFromLog
from infrastructure.settings import Settings
from tests.support.api import environment
from tests.support.stores import PostgresDatabases

SMALL = {"houses_count": 2, "days": 2, "visits": 10}  # ~400 commands, ~700 events
FreshStore = Callable[[], Settings]


@pytest.fixture(params=["sqlite", "postgres"])
def fresh_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[FreshStore]:
    """Hands out empty stores of one kind, as many as a test needs."""
    numbers = iter(range(100))
    if request.param == "sqlite":

        def sqlite() -> Settings:
            folder = tmp_path / f"store-{next(numbers)}"
            folder.mkdir()
            return Settings(database_url=f"sqlite:///{folder / 'dar.sqlite'}")

        yield sqlite
        return
    databases: PostgresDatabases = request.getfixturevalue("pg_databases")
    made: list[Settings] = []

    def postgres() -> Settings:
        made.append(databases.create())
        return made[-1]

    yield postgres
    for settings in made:
        databases.drop(settings)


def simulated(settings: Settings, seed: int = 7) -> Simulated:
    return simulate_store(settings, seed=seed, **SMALL)  # type: ignore[arg-type]


def test_the_same_seed_gives_the_same_log(fresh_store: FreshStore) -> None:
    first, second = simulated(fresh_store()), simulated(fresh_store())
    assert first.digest == second.digest
    assert first.digest.events == first.events > 500


def test_the_simulated_history_builds_the_read_models_and_breaks_no_rule(
    fresh_store: FreshStore,
) -> None:
    settings = fresh_store()
    done = simulated(settings)
    again = simulated(settings)  # everything found recorded: nothing written twice
    assert (again.commands, again.events, again.replayed) == (0, 0, done.commands)
    assert again.digest == done.digest
    with closing(bootstrap(settings)) as dar:
        dar.projections.prepare()
        dar.projections.catch_up()
        assert dar.projections.failures() == {}
        tracked = dar.read.db.tracked_all()
        assert all(tracked[key] >= dar.store.position() for key in dar.read.tracking_keys())
        assert ComplianceFromLog(dar.store).report() == []


def _simulate_process(settings: Settings, cwd: Path) -> subprocess.Popen[bytes]:
    dar = str(Path(sys.executable).with_name("dar"))
    args = ["--houses", "2", "--days", "2", "--visits", "10", "--seed", "7", "--no-progress"]
    return subprocess.Popen(  # noqa: S603 - our own entry point
        [dar, "simulate", *args],
        env=environment(settings),
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


@pytest.mark.parametrize("fresh_store", ["postgres"], indirect=True)
def test_a_run_killed_midway_carries_on_to_the_uninterrupted_log(
    fresh_store: FreshStore, tmp_path: Path
) -> None:
    whole = simulated(fresh_store())
    settings = fresh_store()
    process = _simulate_process(settings, tmp_path)
    with closing(bootstrap(settings, projector=False)) as watching:
        deadline = time.monotonic() + 120
        while watching.store.position() < whole.events // 2 and process.poll() is None:
            assert time.monotonic() < deadline, "the simulation made no progress"
            time.sleep(0.05)
        assert process.poll() is None, "the run ended before it could be killed"
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        assert 0 < watching.store.position() < whole.events

    rerun = _simulate_process(settings, tmp_path)
    output = rerun.communicate(timeout=300)[0].decode()
    assert rerun.returncode == 0, output
    assert f"sha256 {whole.digest.sha256}" in output
