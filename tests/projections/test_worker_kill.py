"""The projection worker killed at random moments of its catch-up loses and doubles nothing.

A history of a couple of thousand events is written through the application services on
PostgreSQL; `dar project` then runs as its own process and is SIGKILLed, again and again, once a
projection's tracked position has passed a random threshold (so the kill lands in the middle of the
catch-up, between or inside the transactions that write a page of rows with their position), and
restarted. Once it has caught up, every registered read model must hold exactly the rows of a
rebuild from zero. The kill moments come from a seeded random (`DAR_KILL_SEED` replays a run); a
failure names its seed.

The worker reads the log in pages of `PAGE` events here (the production page is 1,000): the
projections then commit a few hundred times during the catch-up instead of a dozen, and the kills
fall between many more transactions.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from api.bootstrap import Dar, projections
from infrastructure.readmodels.rebuild import rebuild
from infrastructure.settings import Settings
from tests.support.activity import Activity
from tests.support.api import environment
from tests.support.clock import TestClock
from tests.support.payments import payments_ready

Tables = dict[str, list[tuple[str, ...]]]
PAGE = 50
WORKER = (
    "import sys\n"
    "from infrastructure.readmodels import runner\n"
    "runner.BATCH = int(sys.argv[1])\n"
    "from api.cli import app\n"
    "app(['project'])\n"
)
KILLS = 10
MARATHON_KILLS, MARATHON_PAGE = 100, 10  # -m marathon: smaller pages, room for more kills
LOG = "worker.log"
DEADLINE = 60.0  # seconds a worker may take to start and pass a threshold, or to catch up


@pytest.fixture
def history(pg_settings: Settings) -> Iterator[Dar]:
    """About 2,000 events of counter days after the payments scenario, no read model built."""
    clock = TestClock()
    dar, _, citizen = payments_ready(pg_settings, clock)
    activity = Activity(dar, clock, citizen)
    activity.end_scenario_visit()
    activity.days(3, 6, 40)
    yield dar
    dar.close()


@dataclass
class Kill:
    """Where the read models stood before a worker started, and once it was killed."""

    before: dict[str, int]
    after: dict[str, int]

    def during_catch_up(self, head: int) -> bool:
        """The worker had applied pages, and some read model had not reached the head."""
        moved = any(self.after[key] > self.before[key] for key in self.after)
        return moved and min(self.after.values()) < head


def contents(dar: Dar) -> Tables:
    """Every row of every registered read model's tables, as text, in a stable order."""
    found: Tables = {}
    with dar.read.db.read() as cur:
        for registered in projections():
            for table in registered.tables:
                cur.execute(f"SELECT * FROM {dar.read.db.table(table)}")
                found[table] = sorted(tuple(str(v) for v in row) for row in cur.fetchall())
    return found


def tracked(dar: Dar) -> dict[str, int]:
    """Each registered projection's tracked position (0 before its first page)."""
    positions = dar.read.db.tracked_all()
    return {r.key: positions.get(r.key, 0) for r in projections()}


@contextmanager
def worker(settings: Settings, cwd: Path, page: int = PAGE) -> Iterator[subprocess.Popen[bytes]]:
    """`dar project` in its own process (no settling sweep: it would write commands).

    Its output goes to `worker.log` in `cwd`, which a failure shows.
    """
    env = environment(settings, DAR_SETTLE_EVERY_SECONDS="0")
    with (cwd / LOG).open("ab") as output:
        process = subprocess.Popen(  # noqa: S603 - our own entry point
            [sys.executable, "-c", WORKER, str(page)],
            env=env,
            cwd=cwd,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)


def kill_past(
    dar: Dar, settings: Settings, cwd: Path, page: int, threshold: int, delay: float
) -> dict[str, int]:
    """Start a worker; SIGKILL it `delay` s after the positions, summed, pass `threshold`."""
    with worker(settings, cwd, page) as process:
        deadline = time.monotonic() + DEADLINE
        while sum(tracked(dar).values()) < threshold:
            assert process.poll() is None, _failed_worker(process, cwd)
            assert time.monotonic() < deadline, f"the positions did not pass {threshold} in time"
            time.sleep(0.002)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        assert process.returncode == -signal.SIGKILL, _failed_worker(process, cwd)
    return tracked(dar)


def caught_up(dar: Dar, settings: Settings, cwd: Path) -> None:
    """Run a worker until every read model reaches the head, then stop it as an operator would."""
    head = dar.store.position()
    with worker(settings, cwd) as process:
        deadline = time.monotonic() + DEADLINE
        while min(tracked(dar).values()) < head:
            assert process.poll() is None, _failed_worker(process, cwd)
            assert time.monotonic() < deadline, f"not caught up in time: {tracked(dar)}"
            time.sleep(0.01)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def _failed_worker(process: subprocess.Popen[bytes], cwd: Path) -> str:
    if process.poll() is None:
        return "the worker is still running"
    output = (cwd / LOG).read_text(errors="replace")[-5000:]
    return f"the worker exited with {process.returncode}:\n{output}"


@contextmanager
def seeded(seed: int) -> Iterator[None]:
    """A failure says which seed replays it."""
    try:
        yield
    except BaseException as error:
        error.add_note(f"kill moments from seed {seed}: replay with DAR_KILL_SEED={seed}")
        raise


def kill_and_restart(dar: Dar, settings: Settings, cwd: Path, kills: int, page: int = PAGE) -> None:
    """Kill workers `kills` times during the catch-up, then let one finish; compare to a rebuild."""
    head = dar.store.position()
    seed = int(os.environ.get("DAR_KILL_SEED") or random.SystemRandom().randrange(2**32))
    rng = random.Random(seed)  # noqa: S311 - kill moments, replayable
    landed: list[Kill] = []
    with seeded(seed):
        for left in range(kills, 0, -1):
            before = tracked(dar)
            done, whole = sum(before.values()), head * len(before)
            if done >= whole:
                break  # caught up between kills: nothing left to interrupt
            step = max(1, 2 * (whole - done) // (left + 1))  # kills spread over the catch-up
            threshold = done + rng.randint(1, step)
            after = kill_past(dar, settings, cwd, page, threshold, rng.uniform(0, 0.02))
            landed.append(Kill(before, after))
        during = [k for k in landed if k.during_catch_up(head)]
        assert len(during) >= kills // 2, f"kills during the catch-up: {len(during)} of {landed}"
        assert any(0 < min(k.after.values()) < head for k in during), landed
        assert all(max(k.after[key] - k.before[key] for key in k.after) > 0 for k in landed), (
            "a worker was killed before it had applied anything"
        )

        caught_up(dar, settings, cwd)
        built = contents(dar)
        assert any(built.values()), "the history built no read model rows"
        rebuilt_at = rebuild(dar.store, dar.read.db, projections(), now=lambda: datetime.now(UTC))
        assert rebuilt_at.position == head
        assert contents(dar) == built
        assert tracked(dar) == {r.key: head for r in projections()}


@pytest.mark.timeout(600)
def test_the_worker_killed_at_random_moments_of_its_catch_up_on_postgres_ends_as_a_rebuild(
    history: Dar, pg_settings: Settings, tmp_path: Path
) -> None:
    kill_and_restart(history, pg_settings, tmp_path, KILLS)


@pytest.mark.marathon
@pytest.mark.timeout(3600)
def test_the_worker_killed_a_hundred_times_on_postgres_ends_as_a_rebuild(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if "marathon" not in str(request.config.option.markexpr):
        pytest.skip("a hundred kills: run with -m marathon")
    dar: Dar = request.getfixturevalue("history")  # the store is made only for a marathon run
    settings: Settings = request.getfixturevalue("pg_settings")
    kill_and_restart(dar, settings, tmp_path, MARATHON_KILLS, MARATHON_PAGE)
