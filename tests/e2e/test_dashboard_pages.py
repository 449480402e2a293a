"""Issue 15 done, through the pages in headless Chromium, on both stores.

Dar runs as a real `dar run` API process with its projections in a separate `dar project` worker.
Haidra is seeded through the API. An agent calls the next ticket on the counter page; the
waiting-room displays (Arabic and French) show that ticket and its counter, and the supervisor's
dashboard shows the counter's new ticket and one ticket fewer waiting on its line; first with the
counter page in Arabic and the dashboard in French, then switched to the other languages. The worker
is then SIGKILLed in the middle of a burst of commands, which the API keeps accepting; once it is
restarted the pages show the state the API answers, and the dashboard read model equals one rebuilt
from zero by `dar projections rebuild counter_dashboard`, the real CLI, run while the pages are open
(its rebuild held after its first page, its transaction open, until the test has looked at the
pages): the supervisor's page keeps its figures and shows no error throughout, the API answers the
same dashboard, a supervisor's page opened during the rebuild shows it, and a call made after the
switch still reaches the displays and the dashboard.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from api.bootstrap import bootstrap, projections
from api.pages import WEB
from infrastructure.settings import Settings
from tests.support.api import environment, serve
from tests.support.browser import Opener, Site, pages, seed

pytestmark = pytest.mark.browser
AR = json.loads((WEB / "i18n" / "ar.json").read_text(encoding="utf-8"))
FR = json.loads((WEB / "i18n" / "fr.json").read_text(encoding="utf-8"))
DAR = str(Path(sys.executable).with_name("dar"))
LOG = "worker.log"
BOARD = """query($h: ID!, $p: Position) { counterDashboard(houseId: $h, atLeastPosition: $p) {
  position
  lines { prefix name waiting longestWaitSeconds openCounters averageHandlingSeconds
          estimatedWaitSeconds }
  counters { number agentId agentName currentTicket calledAt }
  today { visits contacts requestsOnTheSpot requestsForwarded requestsRefused noShows }
  collected { partnerCode method amount payments }
  refundsAwaitingApproval { paymentId refundId }
  overdueAtPartners { requestId }
  expiring { kind partnerCode agentId validUntil daysLeft }
  agents { agentId agentName visitsServed averageHandlingSeconds contacts requests } } }"""
WAITING, CURRENT = 3, 3  # columns of the lines table (waiting) and the counters table (ticket)
BURST = 12  # commands through the API around the worker's death
REBUILD_PAGE, HOLD_SECONDS = 10, 60  # events per page of the rebuild; longest hold after one
HELD_REBUILD = (  # the CLI; its rebuild, its first page applied and its transaction open, waits
    "import sys, time\n"  # until the test has looked at the pages (file `looked`) or at most
    "from pathlib import Path\n"  # HOLD_SECONDS, then goes on
    "from api import projections_cli\n"
    "from api.cli import app\n"
    "rebuild = projections_cli.rebuild\n"
    "def held(*args, progress, **kwargs):\n"
    "    def step(at, head):\n"
    "        if not Path('rebuilding').exists():\n"
    "            Path('rebuilding').touch()\n"
    "            until = time.monotonic() + float(sys.argv[2])\n"
    "            while not Path('looked').exists() and time.monotonic() < until:\n"
    "                time.sleep(0.02)\n"
    "        progress(at, head)\n"
    "    return rebuild(*args, progress=step, **{**kwargs, 'page': int(sys.argv[1])})\n"
    "projections_cli.rebuild = held\n"
    "app(['projections', 'rebuild', 'counter_dashboard'])\n"
)


class Worker:
    """`dar project` in its own process, which the test may SIGKILL and start again.

    No settling sweep (it would write commands of its own); its output goes to `worker.log`.
    """

    def __init__(self, settings: Settings, cwd: Path) -> None:
        self.env = environment(settings, DAR_SETTLE_EVERY_SECONDS="0")
        self.cwd = cwd
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start a worker."""
        with (self.cwd / LOG).open("ab") as output:
            self.process = subprocess.Popen(  # noqa: S603 - our own entry point
                [DAR, "project"], env=self.env, cwd=self.cwd, stdout=output, stderr=output
            )

    def kill(self) -> None:
        """SIGKILL the worker; it must have been running until then."""
        assert self.process is not None
        assert self.process.poll() is None, self.log()
        self.process.kill()
        self.process.wait(timeout=30)

    def log(self) -> str:
        """The end of the workers' output."""
        return (self.cwd / LOG).read_text(errors="replace")[-5000:]


@contextmanager
def dar_apart(settings: Settings, cwd: Path) -> Iterator[tuple[Site, Worker]]:
    """`dar project` and `dar run` (without embedded projections), Haidra seeded through the API."""
    worker = Worker(settings, cwd)
    worker.start()
    try:
        with (
            serve(settings, cwd, DAR_EMBEDDED_PROJECTIONS="false") as server,
            server.client() as http,
        ):
            yield seed(server, http, settings), worker
    finally:
        if worker.process is not None and worker.process.poll() is None:
            worker.process.terminate()
            worker.process.wait(timeout=30)


def board(site: Site, position: int | None = None) -> dict[str, Any]:
    """Haidra's counter dashboard as the supervisor's token gets it, at least at `position`."""
    client = site.http
    body = client.post(
        "/graphql",
        json={"query": BOARD, "variables": {"h": site.house, "p": position}},
        headers={"Authorization": f"Bearer {site.supervisor}"},
    ).json()
    assert "errors" not in body, body
    found: dict[str, Any] = body["data"]["counterDashboard"]
    return found


def timeless(dashboard: dict[str, Any]) -> dict[str, Any]:
    """The dashboard without the figures computed from the clock's now at query time."""
    lines = [
        {k: v for k, v in line.items() if k != "longestWaitSeconds"} for line in dashboard["lines"]
    ]
    return {**dashboard, "lines": lines}


def dashboard_tables(settings: Settings) -> dict[str, list[tuple[str, ...]]]:
    """Every row of the counter dashboard read model's tables, as text, in a stable order."""
    [registered] = [r for r in projections() if r.key.startswith("counter_dashboard_v")]
    found: dict[str, list[tuple[str, ...]]] = {}
    with closing(bootstrap(settings, projector=False)) as dar, dar.read.db.read() as cur:
        for table in registered.tables:
            cur.execute(f"SELECT * FROM {dar.read.db.table(table)}")
            found[table] = sorted(tuple(str(v) for v in row) for row in cur.fetchall())
    return found


def waiting_cell(page: Page, line: str) -> Any:
    """The waiting figure of a line on the supervisor's page."""
    return page.locator(f'#lines tr[data-key="{line}"] td:nth-child({WAITING})')


def ticket_cell(page: Page, counter: int) -> Any:
    """The current ticket of a counter on the supervisor's page."""
    return page.locator(f'#counters tr[data-key="{counter}"] td:nth-child({CURRENT})')


def shows(page: Page, dashboard: dict[str, Any]) -> None:
    """The supervisor's page shows the lines' waiting and the counters' tickets of `dashboard`."""
    for line in dashboard["lines"]:
        expect(waiting_cell(page, line["prefix"])).to_have_text(str(line["waiting"]))
    for counter in dashboard["counters"]:
        expect(ticket_cell(page, counter["number"])).to_have_text(counter["currentTicket"] or "—")
    expect(page.locator("#banner")).to_be_hidden()


def displays_show(displays: dict[str, Page], ticket: str, counter: int) -> None:
    """Each waiting-room display shows `ticket` called to `counter`, in its language."""
    for language, display in displays.items():
        texts = AR if language == "ar" else FR
        latest = display.locator("#latest")
        expect(latest).to_have_attribute("data-ticket", ticket)
        expect(latest).to_contain_text(texts["display.counter"].replace("{n}", str(counter)))
        expect(display.locator("#banner")).to_be_hidden()


def call_on_the_page(
    site: Site,
    counter_page: Page,
    texts: dict[str, str],
    displays: dict[str, Page],
    board_page: Page,
) -> str:
    """Call the next ticket on the counter page (counter 1); the displays and the dashboard follow."""
    before = board(site)
    counter_page.get_by_role("button", name=texts["counter.call"]).click()

    current = counter_page.locator("#current")
    expect(current).not_to_have_attribute("data-ticket", "")
    called = str(current.get_attribute("data-ticket"))
    displays_show(displays, called, 1)
    expect(ticket_cell(board_page, 1)).to_have_text(called)
    waited = {line["prefix"]: line["waiting"] for line in before["lines"]}
    expect(waiting_cell(board_page, called[0])).to_have_text(str(waited[called[0]] - 1))
    expect(board_page.locator("#banner")).to_be_hidden()
    return called


def end_on_the_page(counter_page: Page, texts: dict[str, str]) -> None:
    """End the visit at the counter page's counter."""
    counter_page.get_by_role("button", name=texts["counter.end"]).click()
    expect(counter_page.locator("#current")).to_have_attribute("data-ticket", "")


@pytest.mark.timeout(240)
def test_a_call_on_the_pages_reaches_the_display_and_the_dashboard_across_a_kill_and_a_rebuild(
    store_settings: Settings, browser: Browser, tmp_path: Path
) -> None:
    settings = store_settings.model_copy(update={"freshness_wait_seconds": 30.0})
    with dar_apart(settings, tmp_path) as (site, worker), pages(browser, site.url) as open_page:
        for n in range(6):
            site.issue("AB"[n % 2], f"waiting-{n}")
        opened = site.mutate(site.agent_2, "openCounter", "position", commandId="open-2",
                             houseId=site.house, number=2)  # fmt: skip
        counter_page = _counter_page(open_page, site)
        displays = {
            lang: open_page(f"/pages/display?house={site.house}&lang={lang}").page
            for lang in ("ar", "fr")
        }
        board_page = open_page(
            f"/pages/supervisor?house={site.house}&lang=fr", site.supervisor
        ).page
        expect(board_page.locator("html")).to_have_attribute("lang", "fr")
        shows(board_page, board(site, int(str(opened["position"]))))

        # Counter page in Arabic, dashboard in French; then the other way round.
        first = call_on_the_page(site, counter_page, AR, displays, board_page)
        end_on_the_page(counter_page, AR)
        counter_page.get_by_role("button", name=FR["language.name"]).click()
        board_page.get_by_role("button", name=AR["language.name"]).click()
        expect(counter_page.locator("html")).to_have_attribute("dir", "ltr")
        expect(board_page.locator("html")).to_have_attribute("dir", "rtl")
        expect(board_page.locator("#lines th").nth(WAITING - 1)).to_have_text(AR["col.waiting"])
        second = call_on_the_page(site, counter_page, FR, displays, board_page)
        assert second != first

        # The worker dies in the middle of a burst; the API accepts the commands all the same.
        for n in range(BURST // 2):
            site.issue("AB"[n % 2], f"burst-{n}")
        worker.kill()
        at_kill = _tracked(settings)
        for n in range(BURST // 2, BURST - 1):
            site.issue("AB"[n % 2], f"burst-{n}")
        late = site.mutate(site.agent_2, "callNextTicket", "ticket position",
                           commandId="call-while-dead", houseId=site.house, counter=2)  # fmt: skip
        issued_late = site.issue("B", "issued-while-dead")
        last = int(str(late["position"]))
        assert _tracked(settings) == at_kill < last, "only the worker may project"

        worker.start()
        caught_up = board(site, last + 1)  # the issued-while-dead ticket came after the call
        shows(board_page, caught_up)
        assert any(c["currentTicket"] == late["ticket"] for c in caught_up["counters"])
        displays_show(displays, str(late["ticket"]), 2)
        expect(counter_page.locator(f'.ticket[data-ticket="{issued_late}"]')).to_be_visible()

        # The dashboard rebuilt from zero by the CLI while the pages are open.
        tables = dashboard_tables(settings)
        assert any(tables.values()), "the dashboard read model holds no rows"
        rebuilt, looks = _rebuild_while_looking(worker, site, open_page, board_page, caught_up)
        assert rebuilt.returncode == 0, rebuilt.stdout
        assert "rebuilt counter_dashboard_v" in rebuilt.stdout, rebuilt.stdout
        assert looks == 4, f"the pages were looked at {looks} times during the rebuild"
        assert dashboard_tables(settings) == tables
        assert timeless(board(site, caught_up["position"])) == timeless(caught_up)

        # After the switch, a call on the counter page still reaches the display and the dashboard.
        end_on_the_page(counter_page, FR)
        third = call_on_the_page(site, counter_page, FR, displays, board_page)
        assert third not in (first, second)
        shows(board_page, board(site))


def _counter_page(open_page: Opener, site: Site) -> Page:
    """Counter 1's page for agent A17, in Arabic (right to left), the counter opened on it."""
    page = open_page(f"/pages/counter?house={site.house}&counter=1", site.agent_1).page
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.get_by_role("button", name=AR["counter.open"]).click()
    expect(page.get_by_role("button", name=AR["counter.open"])).to_be_hidden()
    return page


def _tracked(settings: Settings) -> int:
    """The counter dashboard projection's tracked position."""
    with closing(bootstrap(settings, projector=False)) as dar:
        positions = dar.read.db.tracked_all()
    return next(v for k, v in positions.items() if k.startswith("counter_dashboard_v"))


def figures(page: Page) -> list[str]:
    """The supervisor's page's waiting figures and current tickets (nothing that follows now)."""
    cells = f"#lines td:nth-child({WAITING}), #counters td:nth-child({CURRENT})"
    return page.locator(cells).all_inner_texts()


def _rebuild_while_looking(
    worker: Worker, site: Site, open_page: Opener, page: Page, expected: dict[str, Any]
) -> tuple[subprocess.CompletedProcess[str], int]:
    """`dar projections rebuild counter_dashboard` in a subprocess; the pages looked at during it.

    The CLI's rebuild holds after its first page (its transaction open) until the test has looked:
    the supervisor's page must keep its figures and show no error banner, the API answer
    `expected`, and a supervisor's page opened then show `expected`; the same before the hold.
    The CLI's result, and how many looks fell during the rebuild.
    """
    shown = figures(page)
    assert shown, "the supervisor's page shows no figures"

    def look() -> None:
        assert page.locator("#banner").is_hidden()
        assert figures(page) == shown
        assert timeless(board(site)) == timeless(expected)

    command = [sys.executable, "-c", HELD_REBUILD, str(REBUILD_PAGE), str(HOLD_SECONDS)]
    during = 0
    with subprocess.Popen(  # noqa: S603 - our own entry point
        command,
        env=worker.env,
        cwd=worker.cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as process:
        while not (worker.cwd / "rebuilding").exists() and process.poll() is None:
            look()
            page.wait_for_timeout(50)
        for _ in range(3):
            look()
            during += process.poll() is None
        opened = open_page(f"/pages/supervisor?house={site.house}&lang=fr", site.supervisor)
        shows(opened.page, expected)
        look()
        during += process.poll() is None
        (worker.cwd / "looked").touch()
        output = process.communicate(timeout=HOLD_SECONDS)[0]
    return subprocess.CompletedProcess(command, process.returncode, output), during
