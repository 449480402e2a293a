"""The volunteer's page in Chromium, on a phone: what it shows is what `inclusionCalendar` answers.

A real `dar run` on each store: Haidra, its supervisor (who registers volunteer V-017) and agent
A17 (who registers a citizen by CIN); the volunteer schedules, through the API, a session that
started ten minutes ago, and another in the next room. With their own token, on a phone-sized
screen, the volunteer opens the page, enrols an anonymous participant and the citizen by CIN,
records who came and a milestone, and enrols the participant who came in the other session,
picked among the week's participants: after each act the page shows what the API answers for the session, and the governance office's
`inclusionStatistics` counts the week as worked out by hand. Then the governance office's page
shows the inclusion figures `inclusionStatistics` answers for the same days.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, ViewportSize, expect

from api.auth import Role, TokenService
from api.pages import WEB
from domain.shared.time import TUNIS
from infrastructure.settings import Settings
from tests.conftest import STORES
from tests.support.api import serve, token_for
from tests.support.browser import LIVE_SECONDS, Opener, pages
from tests.support.e2e import Client
from tests.support.stores import fresh_store

CIN = "07654321"
TEXTS = {
    lang: json.loads((WEB / "i18n" / f"{lang}.json").read_text(encoding="utf-8"))
    for lang in ("ar", "fr")
}
PHONE = ViewportSize(width=390, height=844)
CALENDAR = """query($h: ID!, $from: Date!, $to: Date!) { inclusionCalendar(houseId: $h, from: $from,
  to: $to) { id status enrolled capacity fillRate attended volunteerMinutes
  participants { participantId known ageBand gender firstTime present milestones } } }"""
INCLUSION = """query($f: StatisticsFilterInput!) { inclusionStatistics(filter: $f,
  groupBy: GOVERNORATE, period: WEEK) { groups { area { code } from to
  sessions { scheduled held cancelled enrolled attended firstTimers fillRate attendanceRate
    volunteerMinutes } milestones { reached } } } }"""


@dataclass(frozen=True)
class Room:
    """Haidra's inclusion room served by `dar run`: its house, the session, and the tokens."""

    settings: Settings
    url: str
    http: httpx.Client
    house: str
    session: str
    day: str  # the session's Tunis day
    volunteer: str
    governance: str

    def call(self, token: str, query: str, **variables: object) -> dict[str, Any]:
        """An operation through the API (an error fails the test)."""
        data: dict[str, Any] = Client(self.http).call(token, query, **variables)
        return data

    def sessions(self) -> list[dict[str, Any]]:
        """The day's sessions as the API answers them to the volunteer."""
        found = self.call(
            self.volunteer, CALENDAR, h=self.house, **{"from": self.day, "to": self.day}
        )
        sessions: list[dict[str, Any]] = found["inclusionCalendar"]
        return sessions

    def session_now(self) -> dict[str, Any]:
        """The first session as the API answers it to the volunteer."""
        (session,) = [s for s in self.sessions() if s["id"] == self.session]
        return session


def just_started() -> tuple[datetime, datetime]:
    """Ten minutes ago to twenty minutes from now, kept within today in Tunis."""
    now = datetime.now(TUNIS).replace(second=0, microsecond=0)
    midnight = now.replace(hour=0, minute=0)
    starts = max(now - timedelta(minutes=10), midnight + timedelta(minutes=1))
    ends = min(starts + timedelta(minutes=30), midnight + timedelta(hours=23, minutes=59))
    return starts, ends


def seed(http: httpx.Client, settings: Settings) -> tuple[str, str, str, str]:
    """Haidra, S01, A17, a citizen by CIN, volunteer V-017 and their session; ids and token."""
    c = Client(http)
    admin = token_for(settings, Role.ADMIN)
    house = c.mutate(
        admin,
        "registerHouse",
        "RegisterHouseInput",
        "id",
        commandId="h1",
        code="haidra",
        nameAr="دار الخدمات بحيدرة",
        nameFr="Maison de services de Haidra",
        municipality="Haidra",
        governorate="Kasserine",
    )["id"]
    for number in ("S01", "A17"):
        c.mutate(
            admin,
            "enrollAgent",
            "EnrollAgentInput",
            "id",
            commandId=f"enrol-{number}",
            houseId=house,
            employeeNumber=number,
            displayName=number,
        )
    tokens = TokenService(settings)
    agent, supervisor = (
        tokens.mint(n, r, house="haidra")
        for n, r in (("A17", Role.AGENT), ("S01", Role.SUPERVISOR))
    )
    c.mutate(
        agent,
        "registerCitizen",
        "RegisterCitizenInput",
        "id",
        commandId="citizen-1",
        houseId=house,
        name="Mabrouka Hamdi",
        documentKind="CIN",
        documentNumber=CIN,
    )
    c.mutate(
        supervisor,
        "registerVolunteer",
        "RegisterVolunteerInput",
        "id",
        commandId="v1",
        houseId=house,
        code="V-017",
        displayName="Amel Ben Salah",
        association="Jeunes de Haidra",
        topics=["INTERNET_BASICS", "E_PAYMENT"],
    )
    volunteer = tokens.mint("V-017", Role.VOLUNTEER, house="haidra")
    starts, ends = just_started()
    session = c.mutate(
        volunteer,
        "scheduleSession",
        "ScheduleSessionInput",
        "id",
        commandId="s1",
        houseId=house,
        room="Salle numérique",
        topic="INTERNET_BASICS",
        format="GROUP",
        capacity=3,
        startsAt=starts.isoformat(),
        endsAt=ends.isoformat(),
    )["id"]
    c.mutate(
        volunteer,
        "scheduleSession",
        "ScheduleSessionInput",
        "id",
        commandId="s2",
        houseId=house,
        room="Salle 2",
        topic="E_PAYMENT",
        format="GROUP",
        capacity=2,
        startsAt=starts.isoformat(),
        endsAt=ends.isoformat(),
    )
    return house, session, starts.date().isoformat(), volunteer


@pytest.fixture(scope="module", params=STORES)
def room(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Room]:
    """Haidra's room in a fresh store of each kind, served by `dar run`."""
    folder = tmp_path_factory.mktemp(f"volunteer-{request.param}")
    with (
        fresh_store(request, folder) as settings,
        serve(settings, folder) as server,
        server.client() as http,
    ):
        house, session, day, volunteer = seed(http, settings)
        governance = token_for(settings, Role.GOVERNANCE)
        yield Room(settings, server.url, http, house, session, day, volunteer, governance)


@pytest.fixture
def open_page(browser: Browser, room: Room) -> Iterator[Opener]:
    """Opens a page of the room's Dar in a fresh browser context."""
    with pages(browser, room.url) as opener:
        yield opener


def card(page: Page, room: Room) -> Locator:
    return page.locator(f'article.session[data-session="{room.session}"]')


def shown_as_the_api_says(page: Page, room: Room, lang: str) -> dict[str, Any]:
    """The session's card says the API's status, places, fill rate and participants."""
    session = room.session_now()
    texts = TEXTS[lang]
    box = card(page, room)
    expect(box).to_have_attribute("data-status", session["status"])
    expect(box.locator('[data-field="status"]')).to_have_text(
        texts[f"sessionStatus.{session['status']}"]
    )
    places = texts["volunteer.places"].format(
        enrolled=session["enrolled"], capacity=session["capacity"]
    )
    expect(box.locator(".facts")).to_contain_text(places)
    rate = f"{round(session['fillRate'] * 100)} %"
    expect(box.locator(".facts")).to_contain_text(texts["volunteer.fill"].format(rate=rate))
    rows = box.locator(".participants li")
    expect(rows).to_have_count(len(session["participants"]))
    for row, p in zip(rows.all(), session["participants"], strict=True):
        assert row.get_attribute("data-participant") == p["participantId"]
        assert row.get_attribute("data-present") == json.dumps(p["present"])
        text = row.inner_text()
        assert texts[f"ageBand.{p['ageBand']}"] in text
        assert texts[f"gender.{p['gender']}"] in text
        assert (texts["volunteer.known"] in text) == p["known"]
        assert [m for m in texts if m.startswith("milestone.") and texts[m] in text] == [
            f"milestone.{m}" for m in p["milestones"]
        ]
    return session


def enrolled_again(page: Page, room: Room, first: dict[str, Any], session: dict[str, Any]) -> None:
    """The participant who came, enrolled in the next room's session, picked among the week's."""
    texts = TEXTS["fr"]
    (other,) = [s for s in room.sessions() if s["id"] != room.session]
    next_room = page.locator(f'article.session[data-session="{other["id"]}"]')
    next_room.locator('[data-action="enrol"]').click()
    form = next_room.locator('[data-form="enrol"]')
    form.get_by_label(texts["volunteer.returning"]).check()
    offered = form.locator("datalist option").evaluate_all("os => os.map(o => o.value)")
    assert offered == [p["participantId"] for p in session["participants"]]
    form.locator('input[name="participantId"]').fill(first["participantId"])
    form.get_by_role("button", name=texts["volunteer.enrolAction"]).click()
    expect(next_room.locator(".participants li")).to_have_count(1)
    (again,) = next(s for s in room.sessions() if s["id"] == other["id"])["participants"]
    assert (again["participantId"], again["firstTime"]) == (first["participantId"], False)
    row = next_room.locator(".participants li")
    expect(row).to_have_attribute("data-participant", first["participantId"])
    expect(row).not_to_contain_text(texts["volunteer.firstTime"])


def the_governance_office_counts_the_week(room: Room) -> None:
    """The volunteer's acts in Haidra's figures: 2 sessions, 1 held with 1 of 2 present, etc."""
    day = date.fromisoformat(room.day)
    days = {"from": (day - timedelta(days=day.weekday())).isoformat(), "to": room.day}
    query = INCLUSION.replace("GOVERNORATE", "HOUSE")
    deadline = time.monotonic() + LIVE_SECONDS  # the read model follows the log within seconds
    while True:
        (group,) = room.call(room.governance, query, f=days)["inclusionStatistics"]["groups"]
        if group["sessions"]["held"] or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    s = group["sessions"]
    assert group["area"]["code"] == "haidra"
    #     scheduled held cancelled enrolled attended first-timers
    assert (s["scheduled"], s["held"], s["cancelled"], s["enrolled"]) == (2, 1, 0, 3)
    assert (s["attended"], s["firstTimers"], s["volunteerMinutes"]) == (1, 1, 25)
    assert (s["fillRate"], s["attendanceRate"]) == (0.6667, 0.5)  # 2 of 3 places; 1 of 2
    assert [m["reached"] for m in group["milestones"]] == [1]


def fits_a_phone(page: Page) -> None:
    """Nothing wider than the screen, every button a finger's size."""
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    for button in page.locator("button.action").all():
        height = (button.bounding_box() or {"height": 0})["height"]
        assert height >= 48, button.inner_text()


def test_a_volunteer_enrols_records_attendance_and_a_milestone_on_a_phone(
    room: Room, open_page: Opener
) -> None:
    texts = TEXTS["fr"]
    page = open_page(f"/pages/volunteer?house={room.house}&lang=fr", room.volunteer).page
    page.set_viewport_size(PHONE)
    expect(page.locator("#title")).to_have_text(texts["volunteer.title"])
    box = card(page, room)
    expect(box.locator(".topic")).to_have_text(texts["topic.INTERNET_BASICS"])
    shown_as_the_api_says(page, room, "fr")

    # an anonymous participant: an age band and a gender, nothing else
    box.locator('[data-action="enrol"]').click()
    form = box.locator('[data-form="enrol"]')
    form.locator('select[name="ageBand"]').select_option("FROM_60")
    form.locator('select[name="gender"]').select_option("FEMALE")
    form.get_by_role("button", name=texts["volunteer.enrolAction"]).click()
    expect(box.locator(".participants li")).to_have_count(1)
    first = shown_as_the_api_says(page, room, "fr")["participants"][0]
    expect(page.locator("#notice")).to_have_text(
        texts["volunteer.enrolled"].format(id=first["participantId"])
    )

    # a citizen by CIN: nothing of them comes back but a participant number
    box.locator('[data-action="enrol"]').click()
    form = box.locator('[data-form="enrol"]')
    form.get_by_label(texts["volunteer.byCin"]).check()
    form.locator('input[name="cin"]').fill(CIN)
    form.get_by_role("button", name=texts["volunteer.enrolAction"]).click()
    expect(box.locator(".participants li")).to_have_count(2)
    session = shown_as_the_api_says(page, room, "fr")
    assert [p["known"] for p in session["participants"]] == [False, True]
    assert CIN not in page.locator("body").inner_text()
    assert "Mabrouka" not in page.locator("body").inner_text()

    # attendance: the anonymous participant came, the citizen did not; 25 minutes given
    box.locator('[data-action="attendance"]').click()
    form = box.locator('[data-form="attendance"]')
    form.locator(f'input[value="{session["participants"][1]["participantId"]}"]').uncheck()
    form.locator('input[name="minutes"]').fill("25")
    form.get_by_role("button", name=texts["volunteer.recordAttendance"]).click()
    expect(box).to_have_attribute("data-status", "HELD")
    session = shown_as_the_api_says(page, room, "fr")
    assert (session["attended"], session["volunteerMinutes"]) == (1, 25)
    expect(box.locator(".facts")).to_contain_text(texts["volunteer.minutes"].format(n=25))

    # a milestone of autonomy for the participant who came
    box.locator('[data-action="milestone"]').click()
    form = box.locator('[data-form="milestone"]')
    form.locator('select[name="milestone"]').select_option("FIRST_E_PAYMENT_ALONE")
    form.get_by_role("button", name=texts["volunteer.recordMilestone"]).click()
    expect(box.locator(".participants li").first).to_contain_text(
        texts["milestone.FIRST_E_PAYMENT_ALONE"]
    )
    session = shown_as_the_api_says(page, room, "fr")
    assert session["participants"][0]["milestones"] == ["FIRST_E_PAYMENT_ALONE"]

    enrolled_again(page, room, first, session)
    the_governance_office_counts_the_week(room)
    expect(page.locator("#banner")).to_be_hidden()

    fits_a_phone(page)


def test_the_page_reads_right_to_left_in_arabic_and_shows_the_apis_session(
    room: Room, open_page: Opener
) -> None:
    page = open_page(f"/pages/volunteer?house={room.house}", room.volunteer).page
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(card(page, room).locator(".topic")).to_have_text(TEXTS["ar"]["topic.INTERNET_BASICS"])
    shown_as_the_api_says(page, room, "ar")


def test_a_token_of_another_role_sees_the_refusal_and_no_session(
    room: Room, open_page: Opener
) -> None:
    partner = token_for(room.settings, Role.PARTNER, partner="STEG")
    page = open_page(f"/pages/volunteer?house={room.house}&lang=fr", partner).page
    expect(page.locator("#banner .code")).to_have_text("FORBIDDEN")
    expect(page.locator("#sessions")).to_be_empty()


def test_the_governance_page_shows_the_inclusion_figures_the_api_answers(
    room: Room, open_page: Opener
) -> None:
    monday = datetime.fromisoformat(room.day).date()
    monday -= timedelta(days=monday.weekday())
    days = {"from": (monday - timedelta(days=7)).isoformat(), "to": room.day}
    groups = room.call(room.governance, INCLUSION, f=days)["inclusionStatistics"]["groups"]
    assert groups, "the session counts"
    texts = TEXTS["fr"]
    page = open_page(
        f"/pages/governance?lang=fr&from={days['from']}&to={days['to']}", room.governance
    ).page
    rows = page.locator("#inclusion tbody tr")
    expect(rows).to_have_count(len(groups))
    for group in groups:
        s = group["sessions"]
        row = page.locator(f'#inclusion tr[data-key="{group["area"]["code"]}/{group["from"]}"]')
        shown = {
            str(td.get_attribute("data-column")): td.inner_text().strip()
            for td in row.locator("td").all()
        }
        expected = {
            "scheduled": str(s["scheduled"]),
            "held": str(s["held"]),
            "enrolled": str(s["enrolled"]),
            "attended": str(s["attended"]),
            "firstTimers": str(s["firstTimers"]),
            "fillRate": "—" if s["fillRate"] is None else f"{s['fillRate'] * 100:.1f} %",
            "volunteerHours": f"{s['volunteerMinutes'] / 60:.1f}",
            "milestones": str(sum(m["reached"] for m in group["milestones"])),
        }
        assert {k: shown[k] for k in expected} == expected
    held = page.locator('#inclusion-totals [data-figure="held"] dd')
    expect(held).to_have_text(str(sum(g["sessions"]["held"] for g in groups)))
    expect(page.locator("#h-inclusion")).to_have_text(texts["governance.inclusion"])
