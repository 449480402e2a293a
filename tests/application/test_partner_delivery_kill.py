"""The confirming process killed between the partner's reply and the append confirms once.

On PostgreSQL, SONEDE is reported unreachable while Haidra takes SONEDE and STEG bills and
forwards CNAM files. `dar project` then runs as its own process (the projections and the delivery
process, reaching the simulated partners over HTTP). Once SONEDE is reported back, the simulated
SONEDE SIGKILLs the worker right after it accepts certain items and before its reply leaves: the
partner has the item, Dar has no receipt. A new worker is started each time; it sends those items
again (the partner answers with its first receipt) and records each confirmation once. At the
end every item was accepted once, the killed ones were received twice, and the log holds exactly
one confirmation per item.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from domain.partners.reachability import Reachability
from infrastructure.fixtures.loader import fixture_time
from infrastructure.settings import Settings
from tests.support.api import environment
from tests.support.clock import TestClock
from tests.support.deliveries import (
    PARTNERS,
    confirmations,
    delivery_keys,
    forward_file,
    keyed,
    partner_day,
    report,
    take_payment,
)
from tests.support.partner import simulated_partners

SONEDE_PAYMENTS, STEG_PAYMENTS, FILES = 10, 3, 3
KILL_AT = (2, 6)  # SONEDE's n-th accepted item: the worker dies before the reply
DEADLINE = 120.0
LOG = "worker.log"


def start_worker(
    settings: Settings, cwd: Path, endpoints: dict[str, str]
) -> subprocess.Popen[bytes]:
    env = environment(
        keyed(settings),
        DAR_SETTLE_EVERY_SECONDS="0",
        DAR_PARTNER_ENDPOINTS=json.dumps(endpoints),
        DAR_PARTNER_DELIVERY_POLL_SECONDS="0.2",
    )
    with (cwd / LOG).open("ab") as output:
        return subprocess.Popen(
            [sys.executable, "-c", "from api.cli import app\napp(['project'])\n"],
            env=env,
            cwd=cwd,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


@pytest.mark.timeout(300)
def test_a_worker_killed_between_the_partners_reply_and_the_append_confirms_each_item_once(
    pg_settings: Settings, tmp_path: Path
) -> None:
    clock = TestClock()
    worker: list[subprocess.Popen[bytes]] = []
    killed: list[str] = []
    with simulated_partners() as partners:
        dar, citizen = partner_day(pg_settings, clock, partners=None)
        try:
            clock.set(fixture_time("day 2 09:00"))
            report(dar, "SONEDE", Reachability.UNREACHABLE, "sonede-down")
            sonede = [
                take_payment(dar, citizen, "SONEDE", f"77-{n + 1:04d}")
                for n in range(SONEDE_PAYMENTS)
            ]
            steg = [
                take_payment(dar, citizen, "STEG", f"40-{n + 1:04d}") for n in range(STEG_PAYMENTS)
            ]
            files = [forward_file(dar, citizen) for _ in range(FILES)]
            expected = {f"payment:{p}" for p in [*sonede, *steg]} | {f"file:{f}:1" for f in files}

            def kill_before_reply(partner: str, key: str) -> None:
                if partner == "SONEDE" and len(partners.keys_of("SONEDE")) in KILL_AT:
                    killed.append(key)
                    os.kill(worker[-1].pid, signal.SIGKILL)

            partners.on_accept = kill_before_reply
            worker.append(start_worker(pg_settings, tmp_path, partners.endpoints(*PARTNERS)))
            deadline = time.monotonic() + DEADLINE
            # STEG and CNAM are delivered while SONEDE waits
            while len(partners.accepted) < STEG_PAYMENTS + FILES:
                assert time.monotonic() < deadline, _log(tmp_path)
                time.sleep(0.05)
            assert partners.keys_of("SONEDE") == []

            clock.set(fixture_time("day 2 11:00"))
            report(dar, "SONEDE", Reachability.REACHABLE, "sonede-up")
            while sum(confirmations(dar).values()) < len(expected) or dar.read.deliveries.waiting(
                limit=1
            ):
                assert time.monotonic() < deadline, f"not all confirmed: {_log(tmp_path)}"
                if worker[-1].poll() is not None:
                    assert worker[-1].returncode == -signal.SIGKILL, _log(tmp_path)
                    worker.append(
                        start_worker(pg_settings, tmp_path, partners.endpoints(*PARTNERS))
                    )
                time.sleep(0.05)
            worker[-1].send_signal(signal.SIGTERM)
            worker[-1].wait(timeout=30)
            keys, confirmed = delivery_keys(dar), confirmations(dar)
        finally:
            for process in worker:
                if process.poll() is None:
                    process.kill()
            dar.close()

    assert len(killed) == len(KILL_AT)
    assert len(worker) == len(KILL_AT) + 1
    assert set(partners.accepted) == expected == keys
    received = Counter(key for _, key in partners.received)
    # the killed items were sent again (the partner answered with its first receipt); so may
    # items confirmed by a killed worker before its read model showed it: the partner dedupes
    assert all(received[key] >= 2 for key in killed), {k: received[k] for k in killed}
    assert confirmed == Counter({(p, 1): 1 for p in [*sonede, *steg]} | {(f, 1): 1 for f in files})


def _log(cwd: Path) -> str:
    path = cwd / LOG
    return path.read_text(errors="replace")[-5000:] if path.exists() else "(no worker log)"
