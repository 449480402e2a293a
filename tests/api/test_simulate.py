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
from uuid import UUID

import pytest

from api.bootstrap import Dar, bootstrap
from api.simulate_cli import FIRST_DAY, Simulated, simulate_store
from api.simulation import plan
from api.simulation.gateway import SimulatorGateway
from api.simulation.world import houses
from application.audit.compliance import ComplianceFromLog
from application.payments.ports import Session
from domain.payments.payment import Method, Payment, PaymentStatus, Reported
from domain.shared.money import Money
from infrastructure.payments.simulated_gateway import Delivery
from infrastructure.reference.places import business_calendar
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
        paid = {p.method for p in payments(dar)}
    assert paid == {Method.CASH, Method.CARD}  # cards through the simulated gateway


def payments(dar: Dar) -> list[Payment]:
    """Every payment of the log, as it stands."""
    return [
        dar.payments.current(UUID(str(n.originator_id)))
        for n in dar.store.recorder.select_notifications(start=None, limit=100_000)
        if n.topic.endswith(":Payment.Initiated")
    ]


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


# --- card payments: a run that dies at any step of one carries on to the uninterrupted log ---


class Died(BaseException):
    """The simulator's process dies here: nothing in Dar catches it, nothing after it runs."""


class DyingGateway(SimulatorGateway):
    """The simulator's gateway, dying at the first of its steps still in `points` (then gone).

    Points: `open_session` (the payment initiated, no page yet), `pay` and `declined` (the page
    open, the citizen not yet paid), `callback` (the gateway changed, Dar not yet told),
    `capture` (the capture asked for, not taken), `refund` (a refund approved, not paid back).
    """

    def __init__(self, settings: Settings, seed: int, points: set[str]) -> None:
        super().__init__(settings.gateway_secret.get_secret_value().encode(), seed)
        self.points = points
        self.died_at: str | None = None

    def _die(self, point: str) -> None:
        if point in self.points and self.died_at is None:
            self.points.discard(point)
            self.died_at = point
            raise Died(point)

    def open_session(self, order_id: UUID, amount: Money, method: Method) -> Session:
        self._die("open_session")
        return super().open_session(order_id, amount, method)

    def pay(self, session_id: str, *, approve: bool = True) -> Reported:
        self._die("pay" if approve else "declined")
        return super().pay(session_id, approve=approve)

    def take_deliveries(self) -> list[Delivery]:
        with self._lock:
            waiting = bool(self._outbox)
        if waiting:
            self._die("callback")
        return super().take_deliveries()

    def capture(self, order_id: UUID, amount: Money) -> Reported:
        self._die("capture")
        return super().capture(order_id, amount)

    def refund(self, order_id: UUID, refund_id: str, amount: Money) -> None:
        self._die("refund")
        super().refund(order_id, refund_id, amount)


CARDS = {"houses_count": 1, "days": 1, "visits": 6}


def card_day(monkeypatch: pytest.MonkeyPatch) -> int:
    """A seed whose one day at Haidra has a declined card and two refunded ones, served.

    Every fee is then paid by card, half of them partly refunded, a third declined.
    """
    monkeypatch.setattr(plan, "CARD_SHARE", 1.0)
    monkeypatch.setattr(plan, "REFUND_SHARE", 0.5)
    monkeypatch.setattr(plan, "DECLINED_SHARE", 0.3)
    haidra, calendar = houses(1)[0], business_calendar()

    def served_fee(visit: plan.Visit) -> bool:
        return (
            visit.purpose is plan.Purpose.REQUEST
            and visit.patience is None
            and visit.service.mode == "immediate"
            and visit.service.fee_rule != "none"
        )

    for seed in range(1_000):
        day = plan.day_plan(seed, haidra, FIRST_DAY, calendar, CARDS["visits"])
        served = [v for v in day.visits if served_fee(v)]
        refunded = [v for v in served if v.refund and not v.declined]
        if day.suspension is None and len(refunded) >= 2 and any(v.declined for v in served):
            return seed
    raise AssertionError("no seed makes such a day")  # pragma: no cover - the plan changed


def test_a_run_dying_at_any_step_of_a_card_payment_carries_on_to_the_uninterrupted_log(
    fresh_store: FreshStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed = card_day(monkeypatch)
    whole = simulate_store(fresh_store(), seed=seed, **CARDS)  # type: ignore[arg-type]
    settings = fresh_store()
    points = {"open_session", "pay", "declined", "callback", "capture", "refund"}
    died: list[str] = []
    while points:
        gateway = DyingGateway(settings, seed, points)
        with pytest.raises(Died):
            simulate_store(settings, seed=seed, gateway=gateway, **CARDS)  # type: ignore[arg-type]
        assert gateway.died_at is not None
        died.append(gateway.died_at)
    resumed = simulate_store(settings, seed=seed, **CARDS)  # type: ignore[arg-type]
    assert resumed.digest == whole.digest, died
    with closing(bootstrap(settings, projector=False)) as dar:
        card = [p for p in payments(dar) if p.method is Method.CARD]
        assert ComplianceFromLog(dar.store).report() == []
    assert {p.status for p in card} == {PaymentStatus.CAPTURED, PaymentStatus.FAILED}
    assert sum(1 for p in card for r in p.refunds.values() if r.paid) >= 2
