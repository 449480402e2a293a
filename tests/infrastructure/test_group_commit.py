"""PostgreSQL group commit: concurrent commands share a transaction, each keeps its own fate.

Group commit exists on PostgreSQL only (SQLite has one writer and one file lock: nothing to
share), so these tests run there. The first batch of a test is made to gather a known number of
commands by holding its leader until they all wait (`gathered`); nothing else is simulated.
"""

from __future__ import annotations

import functools
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from uuid import uuid4

import psycopg
import pytest

from api.audit_cli import verify_store
from api.bootstrap import Dar, bootstrap
from application.commands import Command
from application.errors import ConflictError
from application.partners.commands import RegisterPartner
from application.store import Decision, Outcome
from domain.partners.partner import Partner, PartnerNames, partner_id
from domain.shared.acts import Act
from domain.shared.errors import AlreadyExistsError
from infrastructure.eventstore.group_commit import (
    DUMPERS,
    Append,
    GroupCommitter,
    bigint_array,
    bytea_array,
    int_array,
    text_array,
    uuid_array,
)
from infrastructure.eventstore.postgres import DarPostgresRecorder
from infrastructure.settings import Settings
from tests.application.test_lost_reply import count_rows, through
from tests.support.clock import TestClock
from tests.support.postgres import PostgresServer
from tests.support.proxy import CommitCuttingProxy

ARABIC = "الشركة التونسية للكهرباء والغاز"
CODES = ("PA", "PB", "PC", "PD")
GATHER_BOUND = 30.0  # seconds: a safety bound on the wait, never a measurement


def register(code: str, key: str | None = None) -> RegisterPartner:
    return RegisterPartner(
        command_id=key or f"reg-{code}", actor="admin:1", code=code, name_ar=ARABIC, name_fr=code
    )


def committer_of(dar: Dar) -> GroupCommitter:
    recorder = dar.store.recorder
    assert isinstance(recorder, DarPostgresRecorder)
    committer = recorder.group_commit
    assert committer is not None, "group commit is PostgreSQL's default"
    return committer


def gathered(committer: GroupCommitter, size: int) -> None:
    """Make the next batch wait until `size` appends wait for it, then write them together."""
    take = committer._take

    def gather() -> list[Append]:
        deadline = time.monotonic() + GATHER_BOUND
        while committer.waiting < size and time.monotonic() < deadline:
            time.sleep(0.002)  # past the bound the batch goes as it is: the test's checks fail
        del committer._take
        return take()

    committer._take = gather  # type: ignore[method-assign]


def run_together(jobs: list[Callable[[], object]]) -> list[object]:
    """Each job in its own thread; its result, or the exception it raised."""

    def one(job: Callable[[], object]) -> object:
        try:
            return job()
        except Exception as error:  # noqa: BLE001 - the test looks at each job's fate
            return error

    with ThreadPoolExecutor(len(jobs)) as pool:
        return list(pool.map(one, jobs))


@pytest.fixture
def dar(pg_settings: Settings) -> Iterator[Dar]:
    app = bootstrap(pg_settings, TestClock())
    yield app
    app.close()


def test_a_command_that_conflicts_fails_alone_and_the_rest_of_its_batch_commits(
    dar: Dar, pg_settings: Settings
) -> None:
    dar.partners.register_partner(register("PZERO"))  # position 1, partner version 1
    committer = committer_of(dar)
    before = committer.batches

    def stale() -> object:
        def decide(act: Act) -> Decision:
            fresh = Partner.register("STALE", PartnerNames(ARABIC, "S"), act)
            return Decision(aggregates=[fresh], value={}, reads={partner_id("PZERO"): 0})

        return dar.runner.run(Command(command_id="stale", actor="admin:1"), decide)

    attempts: list[int] = []

    def taken() -> object:
        def decide(act: Act) -> Decision:
            attempts.append(1)
            if len(attempts) > 1:  # decided again after the refusal: now it knows
                raise AlreadyExistsError("partner PZERO is already registered")
            again = Partner.register("PZERO", PartnerNames(ARABIC, "Z"), act)  # version 1 again
            return Decision(aggregates=[again], value={})

        return dar.runner.run(Command(command_id="blind", actor="admin:1"), decide)

    jobs: list[Callable[[], object]] = [
        *(functools.partial(dar.partners.register_partner, register(c)) for c in CODES),
        stale,  # declared a read of PZERO at version 0: it is at 1
        taken,  # PZERO's version 1 is recorded
        lambda: dar.partners.register_partner(register("PZERO")),  # PZERO's key, recorded
    ]
    gathered(committer, len(jobs))
    results = run_together(jobs)

    assert committer.batches == before + 1  # all seven were decided in one transaction
    assert isinstance(results[4], ConflictError)
    assert isinstance(results[5], AlreadyExistsError)
    assert len(attempts) == 2
    replay = results[6]
    assert isinstance(replay, Outcome)
    assert replay.replayed
    assert replay.position == 1
    new = results[:4]
    assert all(isinstance(r, Outcome) and not r.replayed for r in new), results
    assert sorted(r.position for r in new if isinstance(r, Outcome)) == [2, 3, 4, 5]
    assert dar.store.position() == 5
    assert count_rows(pg_settings, "dar_events") == 5
    assert count_rows(pg_settings, "dar_commands") == 5
    assert verify_store(pg_settings, []).intact  # the batch continued the hash chain


def test_commands_of_one_batch_that_depend_on_each_other_are_written_in_order(
    dar: Dar, pg_settings: Settings
) -> None:
    committer = committer_of(dar)
    jobs: list[Callable[[], object]] = [
        *(functools.partial(dar.partners.register_partner, register(c)) for c in CODES),
        lambda: dar.partners.register_partner(register("PA", key="other-key-for-PA")),
        lambda: dar.partners.register_partner(register("PB")),  # PB's own key, a second time
    ]
    gathered(committer, len(jobs))
    results = run_together(jobs)

    assert committer.batches > 1  # a command on PA, and PB's key again, wait for the first
    # PA twice under two keys: one commits, the other is decided again and refused
    a_fates = [results[0], results[4]]
    assert sum(isinstance(r, Outcome) for r in a_fates) == 1
    assert sum(isinstance(r, AlreadyExistsError) for r in a_fates) == 1
    # PB's key twice: one outcome, given once as new and once as the first outcome replayed
    b_first, b_again = results[1], results[5]
    assert isinstance(b_first, Outcome)
    assert isinstance(b_again, Outcome)
    assert (b_first.value, b_first.position) == (b_again.value, b_again.position)
    assert sorted([b_first.replayed, b_again.replayed]) == [False, True]
    new = [r for r in results if isinstance(r, Outcome) and not r.replayed]
    assert sorted(r.position for r in new) == [1, 2, 3, 4]  # PA, PB, PC, PD: no gap, none twice
    assert count_rows(pg_settings, "dar_events") == 4
    assert count_rows(pg_settings, "dar_commands") == 4


@pytest.fixture
def proxy(postgres_server: PostgresServer) -> Iterator[CommitCuttingProxy]:
    with CommitCuttingProxy(postgres_server.port) as running:
        yield running


def test_a_lost_reply_to_a_batch_commit_gives_each_command_its_first_outcome_once(
    pg_settings: Settings, proxy: CommitCuttingProxy
) -> None:
    dar = bootstrap(through(pg_settings, proxy.port), TestClock())
    codes = ["STEG", "SONEDE", "CNSS", "CNAM", "POSTE"]
    try:
        committer = committer_of(dar)
        gathered(committer, len(codes))
        proxy.arm()  # the next COMMIT to complete is the batch's: its reply is lost
        results = run_together(
            [functools.partial(dar.partners.register_partner, register(code)) for code in codes]
        )
        assert proxy.cuts == 1
        assert committer.batches == 1  # one transaction, committed once, its reply lost
        outcomes = [r for r in results if isinstance(r, Outcome)]
        assert len(outcomes) == len(codes), results
        assert all(o.replayed for o in outcomes)  # each found its own key: the first outcome
        assert sorted(o.position for o in outcomes) == [1, 2, 3, 4, 5]
        for code, first in zip(codes, outcomes, strict=True):
            again = dar.partners.register_partner(register(code))
            assert (again.value, again.position) == (first.value, first.position)
    finally:
        dar.close()
    assert count_rows(pg_settings, "dar_events") == len(codes)
    assert count_rows(pg_settings, "dar_commands") == len(codes)


WRITERS, THREADS, COMMANDS = 2, 4, 12  # two processes' committers, four threads each


def test_a_follower_sees_every_position_in_order_under_concurrent_batched_writers(
    pg_settings: Settings,
) -> None:
    writers = [bootstrap(pg_settings, TestClock()) for _ in range(WRITERS)]
    reader = bootstrap(pg_settings, TestClock())
    done = threading.Event()
    seen: list[int] = []

    def follow() -> None:
        recorder = reader.store.recorder
        while True:
            finished = done.is_set()  # read before the page: a last page after the writers
            page = recorder.select_notifications(start=(seen[-1] + 1) if seen else 1, limit=7)
            seen.extend(n.id for n in page)
            if finished and not page:
                return

    def write(w: int, t: int) -> None:
        for n in range(COMMANDS):
            writers[w].partners.register_partner(register(f"W{w}T{t}N{n}"))

    try:
        for writer in writers:
            gathered(committer_of(writer), THREADS)
        follower = threading.Thread(target=follow)
        follower.start()
        run_together(
            [functools.partial(write, w, t) for w in range(WRITERS) for t in range(THREADS)]
        )
        done.set()
        follower.join()
        batches = [committer_of(writer).batches for writer in writers]
    finally:
        for app in (*writers, reader):
            app.close()
    total = WRITERS * THREADS * COMMANDS
    with psycopg.connect(pg_settings.owner_database_url or "") as conn:
        recorded = [row[0] for row in conn.execute("SELECT notification_id FROM dar.dar_events")]
    assert len(recorded) == total
    assert seen == sorted(recorded)  # every position, in order, none skipped, none twice
    assert all(b < THREADS * COMMANDS for b in batches)  # at least the first batches were shared
    assert verify_store(pg_settings, []).intact


def test_group_commit_can_be_turned_off(pg_settings: Settings) -> None:
    dar = bootstrap(pg_settings.model_copy(update={"postgres_group_commit": False}), TestClock())
    try:
        recorder = dar.store.recorder
        assert isinstance(recorder, DarPostgresRecorder)
        assert recorder.group_commit is None
        first = dar.partners.register_partner(register("STEG"))
        assert dar.partners.register_partner(register("STEG")).replayed
        assert first.position == dar.store.position() == 1
    finally:
        dar.close()


def test_a_batch_wakes_the_followers_of_the_log_when_it_commits(
    dar: Dar, pg_settings: Settings
) -> None:
    with psycopg.connect(pg_settings.database_url, autocommit=True) as listener:
        listener.execute("LISTEN dar_events")
        dar.partners.register_partner(register("STEG"))
        heard = [n.channel for n in listener.notifies(timeout=GATHER_BOUND, stop_after=1)]
    assert heard == ["dar_events"]
    assert committer_of(dar).batches == 1


CRASH_EXIT = 17
CRASH_CODES = ("STEG", "SONEDE", "CNSS")
CRASH_CHILD = textwrap.dedent(
    """
    import os, sys, threading
    from api.bootstrap import bootstrap
    from application.partners.commands import RegisterPartner
    from infrastructure.settings import Settings

    dar = bootstrap(Settings(database_url=sys.argv[1]), projector=False)
    committer = dar.store.recorder.group_commit
    write = committer._write_once
    take = committer._take
    codes = sys.argv[2].split(",")

    def gather():
        while committer.waiting < len(codes):
            threading.Event().wait(0.002)
        return take()

    def commit_then_die(batch):
        write(batch)  # the batch is committed here
        os._exit({exit})  # the process dies before any of its commands hears of it

    committer._take = gather
    committer._write_once = commit_then_die
    threads = [
        threading.Thread(target=dar.partners.register_partner, args=(RegisterPartner(
            command_id="crash-" + code, actor="admin:1", code=code, name_ar="شريك",
            name_fr=code),))
        for code in codes
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    """
).format(exit=CRASH_EXIT)


def test_a_retry_after_a_crash_between_a_batch_commit_and_its_replies_gets_each_first_outcome(
    pg_settings: Settings,
) -> None:
    child = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", CRASH_CHILD, pg_settings.database_url, ",".join(CRASH_CODES)],
        check=False,
        capture_output=True,
        timeout=120,
    )
    assert child.returncode == CRASH_EXIT, child.stderr.decode()
    dar = bootstrap(pg_settings, TestClock())
    try:
        retries = [
            dar.partners.register_partner(
                RegisterPartner(
                    command_id=f"crash-{code}",
                    actor="admin:1",
                    code=code,
                    name_ar="شريك",
                    name_fr=code,
                )
            )
            for code in CRASH_CODES
        ]
        assert all(r.replayed for r in retries)  # each gets the outcome the dead batch recorded
        assert sorted(r.position for r in retries) == [1, 2, 3]
        assert dar.store.position() == len(CRASH_CODES)  # nothing recorded twice
    finally:
        dar.close()


def test_the_batch_arrays_reach_the_server_as_they_were_built(pg_settings: Settings) -> None:
    """The committer's own binary arrays read back as built on the server.

    NULLs, empty arrays, non-ASCII text and bytes outside UTF-8 included.
    """
    ids = [uuid4(), uuid4()]
    texts = [ARABIC, None, "", "a\"b'c\\d{e}", "x"]
    states = [b"", b"\x00\xff{}", ARABIC.encode()]
    numbers = [0, 1, -1, 2**63 - 1, -(2**63)]
    small = [0, 7, -(2**31), 2**31 - 1]
    arrays = (
        uuid_array([*ids, str(ids[0])]),
        uuid_array([]),
        text_array(texts),
        text_array([]),
        bytea_array(states),
        bigint_array(numbers),
        int_array(small),
    )
    with psycopg.connect(pg_settings.database_url) as conn:
        for kind, dumper in DUMPERS:
            conn.adapters.register_dumper(kind, dumper)
        row = conn.execute(
            "SELECT %s::uuid[], %s::uuid[], %s::text[], %s::text[], %s::bytea[], "
            "%s::bigint[], %s::int[]",
            arrays,
        ).fetchone()
    assert row == ([*ids, ids[0]], [], texts, [], states, numbers, small)
