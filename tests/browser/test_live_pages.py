"""The supervisor's dashboard and the waiting-room display in Chromium, pushed live.

These need the `counterDashboard` query and subscription and the public `calledTickets`
subscription (issue 15's contract): an agent calls a ticket on the counter page, the display shows
it within seconds; the dashboard follows the agents' commands; the supervisor approves a refund.
"""

from __future__ import annotations

import json

from playwright.sync_api import Page, expect

from api.pages import WEB
from tests.browser.conftest import Opener, Site

FR = json.loads((WEB / "i18n" / "fr.json").read_text(encoding="utf-8"))
WAITING = 3  # the lines table's column: prefix, name, waiting, …


def waiting_on(page: Page, line: str) -> int:
    """The waiting figure of a line on the supervisor's page (Western digits)."""
    cell = page.locator(f'#lines tr[data-key="{line}"] td:nth-child({WAITING})')
    expect(cell).to_be_visible()
    return int(cell.inner_text())


def test_the_display_shows_the_ticket_the_counter_page_calls(site: Site, open_page: Opener) -> None:
    display = open_page(f"/pages/display?house={site.house}&lang=fr").page
    counter = open_page(
        f"/pages/counter?house={site.house}&counter=2&lines=A&lang=fr", site.agent_2
    ).page
    counter.get_by_role("button", name=FR["counter.open"]).click()
    expect(counter.get_by_role("button", name=FR["counter.open"])).to_be_hidden()
    issued = site.issue("A", "display-issue")
    expect(counter.locator(f'[data-ticket="{issued}"].ticket')).to_be_visible()

    counter.get_by_role("button", name=FR["counter.call"]).click()

    expect(counter.locator("#current")).not_to_have_attribute("data-ticket", "")
    called = counter.locator("#current").get_attribute("data-ticket")
    expect(display.locator("#latest")).to_have_attribute("data-ticket", str(called))
    expect(display.locator("#latest")).to_contain_text("Guichet 2")
    expect(display.locator("#banner")).to_be_hidden()


def test_the_supervisors_dashboard_follows_an_agents_command(site: Site, open_page: Opener) -> None:
    page = open_page(f"/pages/supervisor?house={site.house}&lang=fr", site.supervisor).page
    before = waiting_on(page, "B")

    site.issue("B", "supervisor-sees-it")  # an agent's mutation, not the page's

    expect(page.locator('#lines tr[data-key="B"] td').nth(WAITING - 1)).to_have_text(
        str(before + 1)
    )
    expect(page.locator("#banner")).to_be_hidden()


def test_another_houses_token_sees_nothing_of_this_dashboard(site: Site, open_page: Opener) -> None:
    page = open_page(f"/pages/supervisor?house={site.house}&lang=fr", site.stranger).page

    expect(page.locator("#banner .code")).to_have_text("NOT_FOUND")
    expect(page.locator("#lines")).to_be_empty()
    expect(page.locator("#today")).to_be_empty()
    assert "Haidra" not in page.locator("body").inner_text()


def test_the_supervisor_approves_a_refund_from_the_dashboard(site: Site, open_page: Opener) -> None:
    payment, refund = _refund_awaiting_approval(site)
    page = open_page(f"/pages/supervisor?house={site.house}&lang=fr", site.supervisor).page
    row = page.locator(f'#refunds tr[data-key="{payment}/{refund}"]')
    expect(row).to_contain_text("STEG")

    row.get_by_role("button", name=FR["supervisor.approve"]).click()

    expect(row).to_have_count(0)
    expect(page.locator("#banner")).to_be_hidden()


def _refund_awaiting_approval(site: Site) -> tuple[str, str]:
    """A STEG bill paid in cash at counter 3 (A19), and a refund of it asked for by A18."""
    site.mutate(
        site.admin,
        "addCounter",
        "id position",
        commandId="c3",
        houseId=site.house,
        number=3,
        label="Guichet 3",
    )
    site.mutate(
        site.agent_3, "openCounter", "position", commandId="open-3", houseId=site.house, number=3
    )
    site.mutate(site.agent_3, "openTill", "id", commandId="till-3", float="20.000")
    # the refund A18 asks for is paid back from A18's own till
    site.mutate(site.agent_2, "openTill", "id", commandId="till-2", float="20.000")
    site.issue("A", "refund-ticket")
    ticket = site.mutate(
        site.agent_3,
        "callNextTicket",
        "ticket position",
        commandId="refund-call",
        houseId=site.house,
        counter=3,
        lines=["A"],
    )["ticket"]
    citizen = site.mutate(
        site.agent_3,
        "registerCitizen",
        "id position",
        commandId="refund-citizen",
        houseId=site.house,
        name="Hedia Gharbi",
        documentKind="CIN",
        documentNumber="04417263",
    )["id"]
    request = site.mutate(
        site.agent_3,
        "lodgeRequest",
        "id position",
        commandId="refund-lodge",
        houseId=site.house,
        ticket=ticket,
        citizenId=citizen,
        partnerCode="STEG",
        serviceCode="BILL_PAYMENT",
        documents=[],
    )["id"]
    payment = site.mutate(
        site.agent_3,
        "recordCashPayment",
        "id position",
        commandId="refund-cash",
        requestId=request,
        billReference="20261101",
    )["id"]
    refund = site.mutate(
        site.agent_2,
        "requestRefund",
        "refundId position",
        commandId="refund-ask",
        paymentId=payment,
        amount="1.000",
        reason="frais facturés deux fois",
    )["refundId"]
    return str(payment), str(refund)
