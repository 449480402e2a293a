"""The pages' own GraphQL client (api/web/lib/graphql.js) in Chromium, over today's API.

A subscription over `graphql-transport-ws` keeps its pushes coming after the connection drops, and
a mutation's error reaches the caller with the API's code.
"""

from __future__ import annotations

import time

from playwright.sync_api import Page, expect

from tests.browser.conftest import LIVE_SECONDS, Opener, Site

LOAD = """async ([token]) => {
  const script = document.querySelector('script[type="module"]').src;
  const client = await import(script.replace(/[^/]+\\.js$/, "lib/graphql.js"));
  window.client = client;
  window.pushes = [];
  window.states = [];
  window.live = new client.LiveConnection(
    { authorization: `Bearer ${token}` }, (state) => window.states.push(state));
  window.live.subscribe(
    "subscription { partnersChanged { position partners { code } } }", {},
    { next: (d) => window.pushes.push(d.partnersChanged.partners.map((p) => p.code)),
      error: (e) => window.pushes.push(e.code) });
}"""


def wait_until(page: Page, condition: str) -> None:
    """Wait for a JavaScript condition on the page.

    It is evaluated through the driver: the pages' Content-Security-Policy forbids the in-page
    `eval` that `wait_for_function` needs.
    """
    deadline = time.monotonic() + LIVE_SECONDS
    while not page.evaluate(condition):
        assert time.monotonic() < deadline, f"still false after {LIVE_SECONDS} s: {condition}"
        page.wait_for_timeout(50)


def pushed(page: Page) -> list[list[str]]:
    """The partner codes of each push so far."""
    value: list[list[str]] = page.evaluate("window.pushes")
    return value


def register_partner(site: Site, code: str) -> None:
    site.mutate(
        site.admin,
        "registerPartner",
        "position",
        commandId=f"partner-{code}",
        code=code,
        nameAr="شريك",
        nameFr=code,
    )


def test_a_subscription_keeps_pushing_after_the_connection_drops(
    site: Site, open_page: Opener
) -> None:
    page = open_page(f"/pages/counter?house={site.house}&counter=1", site.agent_1).page
    page.evaluate(LOAD, [site.agent_1])
    wait_until(page, "window.states.includes('live')")
    register_partner(site, "BEFORE")
    wait_until(page, "window.pushes.some((codes) => codes.includes('BEFORE'))")

    page.evaluate("window.live.socket.close()")  # the network drops the socket
    wait_until(page, "window.states.includes('reconnecting')")
    wait_until(page, "window.states.lastIndexOf('live') > window.states.indexOf('reconnecting')")
    register_partner(site, "AFTER")

    wait_until(page, "window.pushes.some((codes) => codes.includes('AFTER'))")
    assert all(isinstance(p, list) for p in pushed(page))  # no error pushed


def test_an_error_reaches_the_page_with_the_apis_code(site: Site, open_page: Opener) -> None:
    page = open_page(f"/pages/counter?house={site.house}&counter=1", site.agent_1).page
    page.evaluate(LOAD, [site.agent_1])

    code = page.evaluate(
        """async ([house]) => {
          try {
            await window.client.mutate(
              "mutation($input: EndVisitInput!) { endVisit(input: $input) { position } }",
              { houseId: house, ticket: "Z999" }, null);
          } catch (error) { return error.code; }
        }""",
        [site.house],
    )

    assert code == "UNAUTHENTICATED"
    expect(page.locator("#banner")).to_be_hidden()
