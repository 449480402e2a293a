"""The counter page in Chromium.

An agent calls the next ticket and ends the visit; the page reads right to left in Arabic, with
either digits; a token of another house sees nothing of Haidra. Only today's API (the queue query,
callNextTicket, endVisit, openCounter) is needed: the page reads again every few seconds while the
dashboard subscription is missing.
"""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import expect

from api.pages import WEB
from tests.browser.conftest import Opener, Site

FR = json.loads((WEB / "i18n" / "fr.json").read_text(encoding="utf-8"))
AR = json.loads((WEB / "i18n" / "ar.json").read_text(encoding="utf-8"))


def serving_at(site: Site, counter: int) -> str | None:
    """The ticket at this counter now, as the API says."""
    serving: list[dict[str, Any]] = site.queue()["serving"]  # type: ignore[assignment]
    return next((s["ticket"] for s in serving if s["counter"] == counter), None)


def status_of(site: Site, ticket: str) -> str:
    """A ticket's status, as the API says."""
    tickets: list[dict[str, Any]] = site.queue()["tickets"]  # type: ignore[assignment]
    status: str = next(t["status"] for t in tickets if t["ticket"] == ticket)
    return status


def test_the_counter_page_calls_the_next_ticket_and_ends_the_visit(
    site: Site, open_page: Opener
) -> None:
    page = open_page(
        f"/pages/counter?house={site.house}&counter=1&lines=B&lang=fr", site.agent_1
    ).page
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    assert "#token" not in page.url  # the token went to session storage
    page.get_by_role("button", name=FR["counter.open"]).click()
    expect(page.get_by_role("button", name=FR["counter.open"])).to_be_hidden()
    issued = site.issue("B", "counter-page-issue")
    expect(page.locator(f'[data-line="B"] [data-ticket="{issued}"]')).to_be_visible()  # live
    first = page.locator('[data-line="B"] .ticket').first.get_attribute("data-ticket")
    assert first is not None  # the oldest ticket of line B: the issued one, unless one waited

    page.get_by_role("button", name=FR["counter.call"]).click()

    expect(page.locator("#current")).to_have_attribute("data-ticket", first)
    expect(page.locator("#current")).to_have_text(first)
    assert serving_at(site, 1) == first
    expect(page.locator(f'[data-ticket="{first}"].ticket')).to_have_count(0)

    page.get_by_role("button", name=FR["counter.end"]).click()

    expect(page.locator("#current")).to_have_text(FR["counter.none"])
    expect(page.get_by_role("button", name=FR["counter.end"])).to_be_disabled()
    assert status_of(site, first) == "DONE"
    assert serving_at(site, 1) is None


def test_the_arabic_page_reads_right_to_left_with_arabic_labels_and_either_digits(
    site: Site, open_page: Opener
) -> None:
    page = open_page(f"/pages/counter?house={site.house}&counter=2&digits=arab", site.agent_2).page
    html = page.locator("html")

    expect(html).to_have_attribute("lang", "ar")
    expect(html).to_have_attribute("dir", "rtl")
    expect(page.get_by_role("button", name=AR["counter.call"])).to_be_visible()
    expect(page.locator("#title")).to_contain_text("الشباك ٢ · دار الخدمات بحيدرة")
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"

    page.get_by_role("button", name="0123").click()
    expect(page.locator("#title")).to_contain_text("الشباك 2")
    assert "digits=latn" in page.url

    page.get_by_role("button", name="Français").click()
    expect(html).to_have_attribute("lang", "fr")
    expect(html).to_have_attribute("dir", "ltr")
    expect(page.get_by_role("button", name=FR["counter.call"])).to_be_visible()
    expect(page.locator("#title")).to_have_text("Guichet 2 · Maison de services de Haidra")
    assert "lang=fr" in page.url


def test_a_token_of_another_house_sees_nothing_of_this_one(site: Site, open_page: Opener) -> None:
    waiting = site.issue("B", "stranger-sees-nothing")
    page = open_page(f"/pages/counter?house={site.house}&counter=1&lang=fr", site.stranger).page

    expect(page.locator("#banner")).to_be_visible()
    expect(page.locator("#banner .code")).to_have_text("NOT_FOUND")
    expect(page.locator("#lines")).to_be_empty()
    expect(page.locator("#current")).to_have_attribute("data-ticket", "")
    expect(page.locator(".ticket")).to_have_count(0)
    assert waiting not in page.content()
    assert "Haidra" not in page.locator("body").inner_text()


def test_a_page_opened_without_a_token_shows_the_apis_refusal(
    site: Site, open_page: Opener
) -> None:
    page = open_page(f"/pages/counter?house={site.house}&counter=1&lang=fr").page

    expect(page.locator("#banner .code")).to_have_text("UNAUTHENTICATED")
    expect(page.locator("#lines")).to_be_empty()
    expect(page.get_by_role("button", name=FR["counter.call"])).to_be_disabled()
