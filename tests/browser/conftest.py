"""The pages in real headless Chromium, against a real `dar run` seeded through the API.

One browser for the session (the `browser` fixture, from tests/support/browser.py), one server per store (SQLite, PostgreSQL) shared by the tests of that
store; each test opens its pages in a fresh browser context (its own session storage). The browser,
the seeding and the opening of pages are in tests/support/browser.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.conftest import STORES
from tests.support.api import serve
from tests.support.browser import LIVE_SECONDS, Opened, Opener, Site, pages, seed
from tests.support.stores import fresh_store

__all__ = ["LIVE_SECONDS", "Opened", "Opener", "Site"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test under tests/browser carries the `browser` marker."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session", params=STORES)
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    """Dar served on each store, seeded through its API, for every browser test of that store."""
    folder = tmp_path_factory.mktemp(f"pages-{request.param}")
    with (
        fresh_store(request, folder) as settings,
        serve(settings, folder) as server,
        server.client() as http,
    ):
        yield seed(server, http, settings)


@pytest.fixture
def open_page(browser: Browser, site: Site) -> Iterator[Opener]:
    """Opens `path` of the site in a fresh context, with `token` in the fragment if given."""
    with pages(browser, site.url) as opener:
        yield opener
