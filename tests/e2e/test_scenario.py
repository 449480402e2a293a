"""`make run`'s path: `dar run --demo --scenario haidra-first-week` on an empty SQLite file.

The scenario is loaded after the demo, its last day placed on today (yesterday before its last
event's time of day); the served dashboard and reports show the week's figures, computed here
from the shipped file itself; a second run loads nothing more.
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from api.auth import Role, TokenService
from api.cli import prepare
from api.scenarios import scenario_epoch, scenario_path
from domain.houses.house import house_id
from infrastructure.fixtures.loader import TUNIS, Fixture, read_fixture
from infrastructure.settings import Settings
from tests.support.api import Server, _wait_until_healthy, environment, free_port, running
from tests.support.e2e import Client

NAME = "haidra-first-week"
DASHBOARD = """query($h: ID!) { counterDashboard(houseId: $h) {
  businessDate today { visits requestsForwarded } } }"""
COLLECTIONS = """query($h: ID!, $d: Date!) { collections(houseId: $h, businessDate: $d) {
  collected refunded } }"""
DECISIONS = """query($h: ID!) { partnerDecisions(partnerCode: "CNAM", houseId: $h, first: 100) {
  items { id } } }"""


@dataclass(frozen=True)
class Week:
    """The scenario's figures by day: visits and money collected; the refund; CNAM's decisions."""

    visits: Counter[date]
    collected: Counter[date]
    refunded: int
    decided: int


def week(fixture: Fixture, epoch: date) -> Week:
    """What the scenario holds, by day once placed at `epoch`: visits, money, decisions."""
    shift = epoch - fixture.epoch
    visits: Counter[date] = Counter()
    amounts: dict[str, int] = {}
    collected: Counter[date] = Counter()
    refunded = 0
    decided = 0
    for event in fixture.events:
        assert event.at is not None
        day = (event.at + shift).astimezone(TUNIS).date()
        match event.type_name:
            case "Visit.Opened":
                visits[day] += 1
            case "Payment.Initiated":
                amounts[event.subject.symbol] = event.fields["amount_millimes"]
            case "Payment.Captured":
                collected[day] += amounts[event.subject.symbol]
            case "Payment.RefundRequested":
                refunded += event.fields["amount_millimes"]
            case "CitizenRequest.Decided":
                decided += 1
    return Week(visits, collected, refunded, decided)


def money(millimes: int) -> Decimal:
    """Millimes as the Money scalar's dinars."""
    return Decimal(millimes) / 1000


def test_make_runs_path_serves_haidras_first_week_and_loads_it_once(
    sqlite_settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = scenario_path(NAME)
    fixture = read_fixture(path)
    port = free_port()
    env = environment(sqlite_settings, DAR_PORT=str(port))
    dar = str(Path(sys.executable).with_name("dar"))
    command = [dar, "run", "--demo", "--scenario", NAME]
    before = scenario_epoch(path, datetime.now(tz=UTC))
    with running(command, env, tmp_path) as process:
        server = Server(url=f"http://127.0.0.1:{port}", process=process)
        _wait_until_healthy(server)
        after = scenario_epoch(path, datetime.now(tz=UTC))
        supervisor = TokenService(sqlite_settings).mint("S01", Role.SUPERVISOR, house="haidra")
        haidra = str(house_id("haidra"))
        with server.client() as http:
            c = Client(http)
            board = c.call(supervisor, DASHBOARD, h=haidra)["counterDashboard"]
            today = date.fromisoformat(board["businessDate"])
            epoch = before if today - before == timedelta(days=6) else after
            expected = week(fixture, epoch)
            by_day = {
                epoch + timedelta(days=n): c.call(
                    supervisor, COLLECTIONS, h=haidra, d=(epoch + timedelta(days=n)).isoformat()
                )["collections"]
                for n in range(8)
            }
            decisions = c.call(supervisor, DECISIONS, h=haidra)["partnerDecisions"]["items"]

    visits, collected = expected.visits, expected.collected
    assert board["today"]["visits"] == visits[today]
    assert max(visits) <= today  # no day of the week is in the future
    assert {d: Decimal(found["collected"]) for d, found in by_day.items()} == {
        d: money(collected[d]) for d in by_day
    }
    assert sum(collected.values()) > 0
    refunded = sum(Decimal(found["refunded"]) for found in by_day.values())
    assert refunded == money(expected.refunded) > 0
    assert len(decisions) == expected.decided > 0

    prepare(sqlite_settings, demo=True, scenario=NAME)  # the next `make run`, in this process
    assert f"Scenario {NAME}: not loaded" in capsys.readouterr().out
