"""The governance page in Chromium: what it shows is what `serviceStatistics` answers.

The three houses' fortnight (tests/fixtures/statistics/three_houses.yaml: Kasserine's Haidra and
Sbeitla, Sfax's house, weeks of 2026-01-05 and 2026-01-12) is in the store before a real `dar run`
serves it (small counts: under 2). A governance token opens the page in Arabic and in French; its
table by governorate and week, its chart's points and its ranking of houses are compared with the
API's answer for the same filter, and the export buttons download what `dar stats export` writes.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, Page, expect

from api.auth import Role
from api.bootstrap import bootstrap
from api.pages import WEB
from infrastructure.settings import Settings
from tests.conftest import STORES
from tests.support.api import environment, serve, token_for
from tests.support.browser import Opener, pages
from tests.support.clock import TestClock
from tests.support.e2e import Client
from tests.support.spec import Scenario
from tests.support.statistics import FIXTURE
from tests.support.stores import fresh_store

DAR = str(Path(sys.executable).with_name("dar"))
SMALL = "2"
ARABIC_INDIC = "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669"
DAYS = "from=2026-01-05&to=2026-01-18"
FIGURES = """area { code nameAr nameFr } from to
  visits { visits served waits { medianMinutes p90Minutes withinTargetShare } }
  requests { lodged } outcomes { onTheSpotShare forwardedShare } money { net }"""
QUERY = f"""query($p: Position, $partner: String) {{
  byGovernorate: serviceStatistics(filter: {{from: "2026-01-05", to: "2026-01-18",
    partnerCode: $partner}}, groupBy: GOVERNORATE, period: WEEK, atLeastPosition: $p) {{
    groups {{ {FIGURES} }} }}
  byHouse: serviceStatistics(filter: {{from: "2026-01-05", to: "2026-01-18",
    partnerCode: $partner}}, groupBy: HOUSE, period: WEEK, atLeastPosition: $p) {{
    groups {{ {FIGURES} }} }} }}"""
TEXTS = {
    lang: json.loads((WEB / "i18n" / f"{lang}.json").read_text(encoding="utf-8"))
    for lang in ("ar", "fr")
}


@dataclass(frozen=True)
class Office:
    """The fortnight served by `dar run`, and a governance token."""

    settings: Settings
    url: str
    http: httpx.Client
    token: str
    head: int

    def answer(self, partner: str | None = None) -> dict[str, Any]:
        """The API's figures by governorate and by house, week by week."""
        data: dict[str, Any] = Client(self.http).call(
            self.token, QUERY, p=self.head, partner=partner
        )
        return data


@pytest.fixture(scope="module", params=STORES)
def office(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Office]:
    """The three houses' fortnight in a fresh store of each kind, served by `dar run`."""
    folder = tmp_path_factory.mktemp(f"governance-{request.param}")
    with fresh_store(request, folder) as settings:
        with closing(bootstrap(settings, projector=False)) as dar:
            Scenario(dar, TestClock()).given(FIXTURE)
            head = dar.store.recorder.max_notification_id() or 0
        extra = {"DAR_STATISTICS_SMALL_COUNT": SMALL}
        with serve(settings, folder, **extra) as server, server.client() as http:
            yield Office(settings, server.url, http, token_for(settings, Role.GOVERNANCE), head)


@pytest.fixture
def open_page(browser: Browser, office: Office) -> Iterator[Opener]:
    """Opens a page of the office's Dar in a fresh browser context."""
    with pages(browser, office.url) as opener:
        yield opener


def count(value: int | None) -> str:
    """A count as the page writes it (Western digits)."""
    return "—" if value is None else str(value)


def decimal(value: float | None) -> str:
    """A figure with one decimal, as the page writes it."""
    return "—" if value is None else f"{value:.1f}"


def share(value: float | None) -> str:
    """A share in percent, as the page writes it."""
    return "—" if value is None else f"{value * 100:.1f} %"


def lodged(group: dict[str, Any]) -> int:
    """Requests lodged in a group, all services together."""
    return sum(r["lodged"] for r in group["requests"])


def cells(page: Page, table: str, key: str) -> dict[str, str]:
    """A row's cells by column."""
    row = page.locator(f'#{table} tr[data-key="{key}"]')
    expect(row).to_have_count(1)
    return {
        str(td.get_attribute("data-column")): td.inner_text().strip()
        for td in row.locator("td").all()
    }


def shown_groups(page: Page, answer: dict[str, Any], lang: str) -> None:
    """The table by governorate and week says the API's figures, row for row."""
    groups = answer["byGovernorate"]["groups"]
    assert groups, "the fixture has figures"
    keys = [f"{g['area']['code']}/{g['from']}" for g in groups]
    expect(page.locator("#governorates tbody tr")).to_have_count(len(keys))
    assert (
        page.locator("#governorates tbody tr").evaluate_all("rows => rows.map(r => r.dataset.key)")
        == keys
    )
    name = "nameAr" if lang == "ar" else "nameFr"
    for group, key in zip(groups, keys, strict=True):
        visits = group["visits"]
        waits = visits["waits"] if visits else {}
        expected = {
            "area": group["area"][name],
            "days": f"{group['from']} \u2013 {group['to']}",
            "visits": count(visits and visits["visits"]),
            "served": count(visits and visits["served"]),
            "waitMedian": decimal(waits.get("medianMinutes")),
            "waitP90": decimal(waits.get("p90Minutes")),
            "withinTarget": share(waits.get("withinTargetShare")),
            "lodged": count(lodged(group)),
            "onTheSpotShare": share(group["outcomes"]["onTheSpotShare"]),
            "forwardedShare": share(group["outcomes"]["forwardedShare"]),
            "net": f"{sum(Decimal(m['net']) for m in group['money']):.3f} {TEXTS[lang]['currency']}",
        }
        shown = cells(page, "governorates", key)
        assert {column: shown[column] for column in expected} == expected


def shown_points(page: Page, answer: dict[str, Any], measure: str) -> None:
    """The chart has a point per governorate and week, at the API's figure (0 without one)."""
    groups = answer["byGovernorate"]["groups"]
    weeks = sorted({g["from"] for g in groups})
    areas = sorted({g["area"]["code"] for g in groups})
    figure = {
        (g["area"]["code"], g["from"]): (
            g["visits"]["visits"] if measure == "visits" else lodged(g)
        )
        for g in groups
    }
    expected = sorted((a, w, figure.get((a, w), 0)) for a in areas for w in weeks)
    points = page.locator("#chart circle.point").evaluate_all(
        "cs => cs.map(c => [c.dataset.area, c.dataset.from, Number(c.dataset.value)])"
    )
    assert sorted(tuple(p) for p in points) == expected


def shown_ranking(page: Page, answer: dict[str, Any], lang: str, measure: str) -> None:
    """The houses, most visits (or requests) over the fortnight first, with those totals."""
    totals: dict[str, dict[str, Any]] = {}
    for g in answer["byHouse"]["groups"]:
        house = totals.setdefault(g["area"]["code"], {"area": g["area"], "visits": 0, "lodged": 0})
        house["visits"] += g["visits"]["visits"] if g["visits"] else 0
        house["lodged"] += lodged(g)
    ranked = sorted(totals.values(), key=lambda h: (-h[measure], h["area"]["code"]))
    rows = page.locator("#ranking tbody tr")
    expect(rows).to_have_count(len(ranked))
    name = "nameAr" if lang == "ar" else "nameFr"
    for rank, house in enumerate(ranked, start=1):
        shown = cells(page, "ranking", house["area"]["code"])
        assert shown["rank"] == str(rank)
        assert shown["house"] == house["area"][name]
        assert shown["lodged"] == str(house["lodged"])
        if measure == "visits":
            assert shown["visits"] == str(house["visits"])


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_the_page_shows_the_apis_figures_by_governorate_and_week(
    office: Office, open_page: Opener, lang: str
) -> None:
    answer = office.answer()
    page = open_page(f"/pages/governance?lang={lang}&{DAYS}", office.token).page

    expect(page.locator("#title")).to_have_text(TEXTS[lang]["governance.title"])
    expect(page.locator("html")).to_have_attribute("dir", "rtl" if lang == "ar" else "ltr")
    shown_groups(page, answer, lang)
    shown_points(page, answer, "visits")
    shown_ranking(page, answer, lang, "visits")
    expect(page.locator("#banner")).to_be_hidden()

    page.locator('#switches button[data-value="arab"]').click()  # Arabic-Indic digits

    first = answer["byGovernorate"]["groups"][0]
    key = f"{first['area']['code']}/{first['from']}"
    visits = str(first["visits"]["visits"]).translate(str.maketrans("0123456789", ARABIC_INDIC))
    assert cells(page, "governorates", key)["visits"] == visits


def test_a_partner_chosen_in_the_filters_narrows_the_figures_as_the_api_does(
    office: Office, open_page: Opener
) -> None:
    page = open_page(f"/pages/governance?lang=fr&{DAYS}", office.token).page
    expect(page.locator("#governorates tbody tr").first).to_be_visible()

    page.locator("#partner").select_option("STEG")
    page.get_by_role("button", name=TEXTS["fr"]["governance.apply"]).click()

    answer = office.answer(partner="STEG")
    expect(page.locator("#h-chart")).to_have_text(TEXTS["fr"]["governance.chart.lodged"])
    shown_groups(page, answer, "fr")
    shown_points(page, answer, "lodged")
    shown_ranking(page, answer, "fr", "lodged")
    assert "partner=STEG" in page.url


def cli_export(office: Office, folder: Path, file_format: str) -> bytes:
    """`dar stats export` of the page's filter, in its own process."""
    out = folder / f"cli.{file_format}"
    args = ["stats", "export", "--format", file_format, "--group-by", "governorate"]
    args += ["--period", "week", "--from", "2026-01-05", "--to", "2026-01-18", "--out", str(out)]
    env = environment(office.settings, DAR_STATISTICS_SMALL_COUNT=SMALL)
    done = subprocess.run(  # noqa: S603 - our own entry point
        [DAR, *args], env=env, cwd=folder, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return out.read_bytes()


def test_the_export_buttons_download_the_figures_dar_stats_export_writes(
    office: Office, open_page: Opener, tmp_path: Path
) -> None:
    answer = office.answer()
    page = open_page(f"/pages/governance?lang=ar&{DAYS}", office.token).page
    expect(page.locator("#governorates tbody tr").first).to_be_visible()

    with page.expect_download() as csv_download:
        page.locator("#export-csv").click()
    with page.expect_download() as xlsx_download:
        page.locator("#export-xlsx").click()

    body = Path(csv_download.value.path()).read_bytes()
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM: a spreadsheet reads the Arabic as UTF-8
    assert body == cli_export(office, tmp_path, "csv")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    visits = {(r["area_code"], r["from"]): r for r in rows if r["measure"] == "visits"}
    small = int(SMALL)
    for group in answer["byGovernorate"]["groups"]:
        shown = visits[group["area"]["code"], group["from"]]
        figure = group["visits"]["visits"]
        blanked = 0 < figure < small
        assert (shown["value"], shown["note"]) == (
            ("", f"fewer than {small}") if blanked else (str(figure), "")
        )
    assert {r["area_name_ar"] for r in rows} == {
        g["area"]["nameAr"] for g in answer["byGovernorate"]["groups"]
    }
    assert csv_download.value.suggested_filename.endswith(".csv")
    assert xlsx_download.value.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(Path(xlsx_download.value.path()).read_bytes())).active
    assert sheet is not None
    assert [
        ["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)
    ] == [list(r) for r in csv.reader(io.StringIO(body.decode("utf-8-sig")))]
    expect(page.locator("#banner")).to_be_hidden()


def test_the_export_route_is_the_governance_offices_and_refuses_bad_input(office: Office) -> None:
    address = f"/statistics/export?{DAYS}&groupBy=governorate"
    partner = token_for(office.settings, Role.PARTNER, partner="STEG")

    def status(path: str, token: str | None) -> tuple[int, str]:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        answer = office.http.get(path, headers=headers)
        return answer.status_code, answer.json().get(
            "code", ""
        ) if answer.status_code >= 400 else ""

    assert status(address, None) == (401, "UNAUTHENTICATED")
    assert status(address, partner) == (403, "FORBIDDEN")
    assert status(f"{address}&format=pdf", office.token)[0] == 400
    assert status("/statistics/export?from=2026-01-18&to=2026-01-05", office.token)[0] == 400
    assert status(f"{address}&period=year", office.token)[0] == 400
    admin = token_for(office.settings, Role.ADMIN)
    assert status(address, admin) == (200, "")


def test_a_token_outside_the_office_sees_the_refusal_and_no_figure(
    office: Office, open_page: Opener
) -> None:
    partner = token_for(office.settings, Role.PARTNER, partner="STEG")
    page = open_page(f"/pages/governance?lang=fr&{DAYS}", partner).page

    expect(page.locator("#banner .code")).to_have_text("FORBIDDEN")
    expect(page.locator("#governorates")).to_be_empty()
    expect(page.locator("#ranking")).to_be_empty()
    expect(page.locator("#chart")).to_be_empty()
    assert "Kasserine" not in page.locator("body").inner_text()
