"""The pages in real headless Chromium: the browser, Haidra seeded through the API, pages opened.

Shared by the browser tests (tests/browser) and the end-to-end test of the pages
(tests/e2e/test_dashboard_pages.py). Without Debian's chromium a test needing it is skipped, unless
DAR_REQUIRE_BROWSER=1 (CI), where it fails.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from api.auth import Role, TokenService
from infrastructure.settings import Settings
from tests.support import e2e
from tests.support.api import Server, graphql, token_for
from tests.support.e2e import Client

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LIVE_SECONDS = 10  # generous: a live page shows a change within a few seconds
expect.set_options(timeout=LIVE_SECONDS * 1000)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium from Debian's package, one per test module that asks for it.

    The fixture is registered in tests/conftest.py for every test that asks for it. Not one for
    the session: while Playwright's sync API runs, its event loop is the thread's running loop,
    and a later module's `asyncio.run` would fail (the suite's workers take modules in any order).
    """
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: apt-get install chromium (the browser tests need it)"
        if os.environ.get("DAR_REQUIRE_BROWSER", "") == "1":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield launched
        launched.close()


@dataclass(frozen=True)
class Site:
    """A running Dar with Haidra and Sbeitla, and their staff.

    Haidra: lines A (STEG bills, collected under a grant) and B (CNAM files), counters 1 and 2,
    closed; agents A17, A18 and A19, accredited for STEG, and supervisor S1. Sbeitla: agent K1.
    """

    server: Server
    http: httpx.Client
    house: str
    other_house: str
    admin: str
    agent_1: str  # A17, at Haidra
    agent_2: str  # A18, at Haidra
    agent_3: str  # A19, at Haidra
    supervisor: str  # S1, at Haidra
    stranger: str  # K1, an agent at Sbeitla

    @property
    def url(self) -> str:
        """The server's base address."""
        return self.server.url

    def mutate(self, token: str, op: str, fields: str, **values: object) -> dict[str, object]:
        """One mutation through the API (an error fails the test)."""
        kind = f"{op[0].upper()}{op[1:]}Input"
        result: dict[str, object] = Client(self.http).mutate(token, op, kind, fields, **values)
        return result

    def queue(self) -> dict[str, object]:
        """Haidra's queue as the API answers it to its first agent."""
        body = graphql(
            self.http,
            "query($h: ID!) { queue(houseId: $h) { serving { ticket counter }"
            " tickets { ticket status counter } } }",
            {"h": self.house},
            self.agent_1,
        )
        assert "errors" not in body, body
        queue: dict[str, object] = body["data"]["queue"]
        return queue

    def issue(self, line: str, key: str) -> str:
        """A ticket issued at Haidra on this line; its label."""
        ticket = self.mutate(
            self.agent_1,
            "issueTicket",
            "ticket position",
            commandId=key,
            houseId=self.house,
            line=line,
        )["ticket"]
        assert isinstance(ticket, str)
        return ticket


def seed(server: Server, http: httpx.Client, settings: Settings) -> Site:
    """Haidra and Sbeitla set up through the API of `server`, and their staff's tokens."""
    admin = token_for(settings, Role.ADMIN)
    c = Client(http)
    house = e2e.setup_haidra(
        c,
        admin,
        lines={"A": ("STEG", ["STEG/BILL_PAYMENT"]), "B": ("CNAM", ["CNAM/REIMBURSEMENT_FILE"])},
        staff={"A17": ["STEG"], "A18": ["STEG"], "A19": ["STEG"], "S1": []},
        grants={"STEG": e2e.Grant(["BILL_PAYMENT"], 500_000)},
    )
    other = c.mutate(
        admin,
        "registerHouse",
        "RegisterHouseInput",
        "id position",
        commandId="h-sbeitla",
        code="sbeitla",
        nameAr="دار الخدمات بسبيطلة",
        nameFr="Maison de services de Sbeitla",
        municipality="Sbeitla",
        governorate="Kasserine",
    )["id"]
    c.mutate(
        admin,
        "enrollAgent",
        "EnrollAgentInput",
        "id position",
        commandId="enrol-K1",
        houseId=other,
        employeeNumber="K1",
        displayName="Agent K1",
    )
    tokens = TokenService(settings)
    return Site(
        server=server,
        http=http,
        house=house,
        other_house=other,
        admin=admin,
        agent_1=tokens.mint("A17", Role.AGENT, house="haidra"),
        agent_2=tokens.mint("A18", Role.AGENT, house="haidra"),
        agent_3=tokens.mint("A19", Role.AGENT, house="haidra"),
        supervisor=tokens.mint("S1", Role.SUPERVISOR, house="haidra"),
        stranger=tokens.mint("K1", Role.AGENT, house="sbeitla"),
    )


@dataclass
class Opened:
    """A page in its own browser context, with the JavaScript errors it raised."""

    page: Page
    errors: list[str]


Opener = Callable[..., Opened]


@contextmanager
def pages(browser: Browser, url: str) -> Iterator[Opener]:
    """Opens `path` of the server at `url` in a fresh context, with `token` in the fragment if given.

    At the end the contexts are closed, and the JavaScript errors the pages raised fail the test
    (a 4xx status the API answered, which a page shows in its banner, is not one).
    """
    contexts = []
    opened: list[Opened] = []

    def opener(path: str, token: str | None = None) -> Opened:
        """The page at `path`, loaded; JavaScript errors are collected."""
        context = browser.new_context()
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(LIVE_SECONDS * 1000)
        result = Opened(page, [])
        page.on("pageerror", lambda error: result.errors.append(str(error)))
        page.on(
            "console",
            lambda message: result.errors.append(message.text) if message.type == "error" else None,
        )
        page.goto(f"{url}{path}" + (f"#token={token}" if token else ""))
        opened.append(result)
        return result

    yield opener
    for context in contexts:
        context.close()
    assert [e for o in opened for e in o.errors if "status of 4" not in e] == []
