"""SQLite: a process dies between commit and reply; the caller's retry gets the first outcome."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from api.bootstrap import bootstrap
from application.partners.commands import RegisterPartner
from infrastructure.settings import Settings
from tests.support.clock import TestClock

CRASH_EXIT = 17

CHILD = textwrap.dedent(
    """
    import os, sys
    from api.bootstrap import bootstrap
    from application.partners.commands import RegisterPartner
    from infrastructure.settings import Settings

    dar = bootstrap(Settings(database_url=sys.argv[1]))
    commit = dar.store.recorder.insert_events

    def commit_then_die(*args, **kwargs):
        commit(*args, **kwargs)  # the transaction is committed here
        os._exit({exit})  # the process dies before anyone hears of it

    dar.store.recorder.insert_events = commit_then_die
    dar.partners.register_partner(RegisterPartner(
        command_id="crash-1", actor="admin:1", code="STEG",
        name_ar="الشركة التونسية للكهرباء والغاز", name_fr="STEG"))
    """
).format(exit=CRASH_EXIT)


def test_a_retry_after_a_crash_between_commit_and_reply_gets_the_original_outcome(
    sqlite_settings: Settings,
) -> None:
    child = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", CHILD, sqlite_settings.database_url],
        check=False,
        capture_output=True,
    )
    assert child.returncode == CRASH_EXIT, child.stderr.decode()

    dar = bootstrap(sqlite_settings, TestClock())
    try:
        retry = dar.partners.register_partner(
            RegisterPartner(
                command_id="crash-1",
                actor="admin:1",
                code="STEG",
                name_ar="الشركة التونسية للكهرباء والغاز",
                name_fr="STEG",
            )
        )
        assert retry.replayed
        assert retry.position == 1
        assert dar.store.position() == 1
    finally:
        dar.close()
