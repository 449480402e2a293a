"""`make run`'s path: `dar run --demo --scenario haidra-first-week` on an empty SQLite file.

The scenario is loaded after the demo, its last day placed on today (yesterday before its last
event's time of day); the served dashboard and reports, and the governance page a newcomer opens
without choosing anything (in headless Chromium), show the week's figures, computed here from the
shipped file itself; a second run loads nothing more.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from api.auth import Role, TokenService
from api.bootstrap import bootstrap
from api.cli import prepare
from api.pages import WEB
from api.scenarios import scenario_epoch, scenario_path
from domain.houses.house import house_id
from infrastructure.fixtures.loader import TUNIS, Fixture, read_fixture
from infrastructure.settings import Settings
from tests.support.api import Server, _wait_until_healthy, environment, free_port, running
from tests.support.browser import pages
from tests.support.e2e import Client

NAME = "haidra-first-week"
DASHBOARD = """query($h: ID!) { counterDashboard(houseId: $h) {
  businessDate today { visits requestsForwarded } } }"""
COLLECTIONS = """query($h: ID!, $d: Date!) { collections(houseId: $h, businessDate: $d) {
  collected refunded } }"""
DECISIONS = """query($h: ID!) { partnerDecisions(partnerCode: "CNAM", houseId: $h, first: 100) {
  items { id } } }"""
CAUGHT_UP = """query($p: Position, $d: Date!) { serviceStatistics(
  filter: {from: $d, to: $d}, groupBy: NATION, period: DAY, atLeastPosition: $p) { period } }"""
SHARES = ("onTheSpotShare", "forwardedShare", "redirectedShare")
KASSERINE = "TN-42"  # Haidra's governorate (infrastructure/reference/geography.yaml)
TEXTS = {
    lang: json.loads((WEB / "i18n" / f"{lang}.json").read_text(encoding="utf-8"))
    for lang in ("ar", "fr")
}


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


@dataclass(frozen=True)
class Run:
    """`dar run --demo --scenario` serving its store; the scenario's day 1 in it."""

    settings: Settings
    server: Server
    epoch: date
    today: date


@pytest.fixture(scope="module")
def make_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    """The README's first command on an empty SQLite file, served until the module ends."""
    folder = tmp_path_factory.mktemp("make-run")
    settings = Settings(database_url=f"sqlite:///{folder / 'dar.sqlite'}")
    path = scenario_path(NAME)
    port = free_port()
    env = environment(settings, DAR_PORT=str(port))
    dar = str(Path(sys.executable).with_name("dar"))
    command = [dar, "run", "--demo", "--scenario", NAME]
    before = scenario_epoch(path, datetime.now(tz=UTC))
    with running(command, env, folder) as process:
        server = Server(url=f"http://127.0.0.1:{port}", process=process)
        _wait_until_healthy(server)
        after = scenario_epoch(path, datetime.now(tz=UTC))
        supervisor = TokenService(settings).mint("S01", Role.SUPERVISOR, house="haidra")
        with server.client() as http:
            board = Client(http).call(supervisor, DASHBOARD, h=str(house_id("haidra")))
        today = date.fromisoformat(board["counterDashboard"]["businessDate"])
        epoch = before if today - before == timedelta(days=6) else after
        yield Run(settings, server, epoch, today)


def test_make_runs_path_serves_haidras_first_week_and_loads_it_once(
    make_run: Run, capsys: pytest.CaptureFixture[str]
) -> None:
    fixture = read_fixture(scenario_path(NAME))
    supervisor = TokenService(make_run.settings).mint("S01", Role.SUPERVISOR, house="haidra")
    haidra = str(house_id("haidra"))
    epoch = make_run.epoch
    with make_run.server.client() as http:
        c = Client(http)
        board = c.call(supervisor, DASHBOARD, h=haidra)["counterDashboard"]
        today = date.fromisoformat(board["businessDate"])
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

    prepare(make_run.settings, demo=True, scenario=NAME)  # the next `make run`, in this process
    assert f"Scenario {NAME}: not loaded" in capsys.readouterr().out


# --- the governance page ---------------------------------------------------------------------


@dataclass
class Figures:
    """The governance figures of an area and a period, by the formulas of docs/statistics.md."""

    visits: int = 0  # tickets issued
    served: int = 0  # visits ended at a counter
    lodged: int = 0
    on_the_spot: int = 0  # requests completed
    forwarded: int = 0
    redirected: int = 0  # contacts of kind redirection
    net: int = 0  # millimes captured less refunded, on their business dates

    def share(self, part: int) -> float | None:
        """`part` over on the spot + forwarded + redirected."""
        cases = self.on_the_spot + self.forwarded + self.redirected
        return part / cases if cases else None


def monday(day: date) -> date:
    """The first day of `day`'s week (Monday to Sunday)."""
    return day - timedelta(days=day.weekday())


COUNTED = {  # event type -> the figure it counts, on its day
    "Queue.TicketIssued": "visits",
    "Queue.VisitEnded": "served",
    "CitizenRequest.Lodged": "lodged",
    "CitizenRequest.Completed": "on_the_spot",
    "CitizenRequest.Forwarded": "forwarded",
}


def by_week(fixture: Fixture) -> dict[date, Figures]:
    """The scenario's governance figures by week (its Monday), from the file's events alone."""
    weeks: dict[date, Figures] = {}
    amounts: dict[tuple[str, str], int] = {}  # (payment, refund id or ""): millimes

    def of(day: date) -> Figures:
        return weeks.setdefault(monday(day), Figures())

    for event in fixture.events:
        assert event.at is not None
        figures, fields = of(event.at.astimezone(TUNIS).date()), event.fields
        payment, kind = event.subject.symbol, event.type_name
        if kind in COUNTED:
            setattr(figures, COUNTED[kind], getattr(figures, COUNTED[kind]) + 1)
        elif kind == "Visit.ContactRecorded" and fields["kind"] == "redirection":
            figures.redirected += 1
        elif kind in {"Payment.Initiated", "Payment.RefundRequested"}:
            amounts[payment, fields.get("refund_id", "")] = fields["amount_millimes"]
        elif kind == "Payment.Captured":
            of(fields["business_date"]).net += amounts[payment, ""]
        elif kind == "Payment.Refunded":
            of(fields["business_date"]).net -= amounts[payment, fields["refund_id"]]
    return weeks


def share(value: float | None) -> str:
    """A share in percent, as the page writes it."""
    return "—" if value is None else f"{value * 100:.1f} %"


def dinars(millimes: int, lang: str) -> str:
    """An amount as the page writes it."""
    return f"{money(millimes):.3f} {TEXTS[lang]['currency']}"


def cells(page: Page, selector: str) -> dict[str, str]:
    """A table row's cells by column."""
    row = page.locator(selector)
    expect(row).to_have_count(1)
    return {
        str(td.get_attribute("data-column")): td.inner_text().strip()
        for td in row.locator("td").all()
    }


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_the_governance_page_shows_the_scenarios_week_at_once(
    make_run: Run, browser: Browser, lang: str
) -> None:
    fixture = read_fixture(scenario_path(NAME), make_run.epoch)  # placed as `dar run` placed it
    weeks = by_week(fixture)
    today = make_run.today
    assert min(weeks) >= monday(today - timedelta(days=27)), "the week is in the page's range"
    with closing(bootstrap(make_run.settings, projector=False)) as dar:
        head = dar.store.recorder.max_notification_id() or 0
    governance = TokenService(make_run.settings).mint("office", Role.GOVERNANCE)
    with make_run.server.client() as http:  # the projections have read the whole scenario
        Client(http).call(governance, CAUGHT_UP, p=head, d=today.isoformat())

    query = "" if lang == "ar" else "?lang=fr"  # Arabic is the page's own default
    with pages(browser, make_run.server.url) as open_page:
        page = open_page(f"/pages/governance{query}", governance).page
        rows = page.locator("#governorates tbody tr")
        expect(rows).to_have_count(len(weeks))
        assert rows.evaluate_all("rows => rows.map(r => r.dataset.key)") == [
            f"{KASSERINE}/{first.isoformat()}" for first in sorted(weeks)
        ]
        for first, figures in sorted(weeks.items()):
            last = min(first + timedelta(days=6), today)
            shown = cells(page, f'#governorates tr[data-key="{KASSERINE}/{first.isoformat()}"]')
            assert {
                column: shown[column]
                for column in (*("area", "days", "visits", "served", "lodged", "net"), *SHARES)
            } == {
                "area": "القصرين" if lang == "ar" else "Kasserine",
                "days": f"{first.isoformat()} \u2013 {last.isoformat()}",
                "visits": str(figures.visits),
                "served": str(figures.served),
                "lodged": str(figures.lodged),
                "net": dinars(figures.net, lang),
                "onTheSpotShare": share(figures.share(figures.on_the_spot)),
                "forwardedShare": share(figures.share(figures.forwarded)),
                "redirectedShare": share(figures.share(figures.redirected)),
            }
        whole = Figures()
        for figures in weeks.values():
            for name in vars(whole):
                setattr(whole, name, getattr(whole, name) + getattr(figures, name))
        totals = {
            str(item.get_attribute("data-figure")): item.locator("dd").inner_text().strip()
            for item in page.locator("#totals > div").all()
        }
        assert totals == {
            "visits": str(whole.visits),
            "lodged": str(whole.lodged),
            "onTheSpot": str(whole.on_the_spot),
            "forwarded": str(whole.forwarded),
            "redirected": str(whole.redirected),
            "net": dinars(whole.net, lang),
        }
        haidra = cells(page, "#ranking tbody tr")
        assert (haidra["rank"], haidra["visits"], haidra["lodged"]) == (
            "1",
            str(whole.visits),
            str(whole.lodged),
        )
        assert whole.visits > 100
        assert whole.net > 0
        assert whole.forwarded > 0
        expect(page.locator("#banner")).to_be_hidden()


@pytest.mark.browser
def test_the_governance_pages_today_is_the_day_in_tunis(make_run: Run, browser: Browser) -> None:
    """At 23:30 UTC it is already the next day in Tunis: the default range ends on that day."""
    late = datetime.combine(make_run.today, datetime.min.time(), UTC) + timedelta(hours=23.5)
    governance = TokenService(make_run.settings).mint("office", Role.GOVERNANCE)
    context = browser.new_context()
    try:
        page = context.new_page()
        page.clock.set_fixed_time(late)
        page.goto(f"{make_run.server.url}/pages/governance?lang=fr#token={governance}")
        tunis = late.astimezone(TUNIS).date()
        assert tunis == make_run.today + timedelta(days=1)
        expect(page.locator("#to")).to_have_value(tunis.isoformat())
        expect(page.locator("#from")).to_have_value((tunis - timedelta(days=27)).isoformat())
    finally:
        context.close()
