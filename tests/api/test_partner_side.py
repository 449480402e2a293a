"""A partner's back office: the files it decided, those past their deadline, those arriving.

Haidra (A001 served at counter 1) lodges CNAM reimbursement files and STEG connection files;
Thala holds two CNAM files forwarded on day 2. The partner reads through the API with its own
token, on a test clock; the projections follow the log in the app. On both stores.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncGenerator, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from strawberry.types import ExecutionResult

from api.auth import Role, TokenService
from api.bootstrap import Dar
from api.graphql.context import Context, Watchers
from api.graphql.schema import build_schema
from application.delegation.commands import AmendDelegation
from application.houses.commands import AddLocalHoliday, EnrollAgent
from infrastructure.fixtures.binding import Symbols
from infrastructure.fixtures.model import Ref
from infrastructure.settings import Settings
from tests.support.api import error_codes, graphql, token_for
from tests.support.clock import TestClock
from tests.support.counter import counter_ready, lodge, served
from tests.support.spec import Scenario
from tests.support.steps import request_step

CNAM_DOCUMENTS = ("Bulletin de soins", "Ordonnance")
DECISIONS = """
query($p: String!, $first: Int!, $after: String, $decision: PartnerDecision, $house: ID,
      $service: String, $from: Date, $to: Date, $at: Position) {
  partnerDecisions(partnerCode: $p, first: $first, after: $after, decision: $decision,
                   houseId: $house, serviceCode: $service, decidedFrom: $from, decidedTo: $to,
                   atLeastPosition: $at) {
    items { id status houseId serviceCode decidedAt }
    endCursor hasNextPage
  }
}"""
OVERDUE = """
query($p: String!, $first: Int! = 50, $at: Position) {
  partnerOverdue(partnerCode: $p, first: $first, atLeastPosition: $at) {
    id status dueOn overdueWorkingDays
  }
}"""
ARRIVING = """
subscription($p: String!, $after: Position) {
  partnerFilesArriving(partnerCode: $p, afterPosition: $after) { position files { id status } }
}"""


@dataclass(frozen=True)
class Desk:
    """The API over Haidra and Thala, and what the tests name in them."""

    client: TestClient
    dar: Dar
    settings: Settings
    citizen: UUID
    thala: tuple[UUID, UUID]  # Thala's reimbursement file, its chronic-disease approval

    @property
    def clock(self) -> TestClock:
        """The test clock Dar reads."""
        assert isinstance(self.dar.clock, TestClock)
        return self.dar.clock

    def token(self, role: Role, partner: str | None = None, house: str | None = None) -> str:
        """A token of `role` (house staff: the supervisor S01 of `house`)."""
        if house is not None:
            return TokenService(self.settings).mint(f"S01-{house.upper()}", role, house=house)
        return token_for(self.settings, role, partner=partner)

    def lodged(self, partner: str = "CNAM") -> UUID:
        """A forwarded service's file lodged at A001 (CNAM reimbursement, STEG connection)."""
        service, documents = (
            ("REIMBURSEMENT_FILE", CNAM_DOCUMENTS)
            if partner == "CNAM"
            else ("NEW_CONNECTION", ("CIN",))
        )
        return UUID(lodge(self.dar, self.citizen, partner, service, documents).values["request_id"])

    def forwarded(self, partner: str = "CNAM") -> UUID:
        """A file lodged and forwarded to its partner."""
        request = self.lodged(partner)
        self.step("forward", request)
        return request

    def step(self, step: str, request: UUID, partner: str = "CNAM", **extras: Any) -> None:
        """A step on a file: the house's (forward, resubmit) or its partner's (the others)."""
        key = f"{step}-{request}-{self.dar.store.position()}"
        if step in {"forward", "resubmit"}:
            request_step(self.dar, step, key, "agent:A17", request, **extras)
        else:
            by = f"partner:{partner.lower()}-office"
            request_step(self.dar, step, key, by, request, house=None, partner=partner, **extras)

    def decided(self, request: UUID, decision: str, partner: str = "CNAM") -> None:
        """The partner's decision on the file."""
        self.step("decide", request, partner, decision=decision, reason="examined")

    def ask(self, document: str, token: str, **variables: object) -> dict[str, Any]:
        """A query's data once the read models have applied the whole log."""
        body = graphql(self.client, document, {**variables, "at": self.dar.store.position()}, token)
        assert error_codes(body) == [], body
        data: dict[str, Any] = body["data"]
        return data

    def decisions(self, token: str, **filters: object) -> list[str]:
        """The ids of the decided files the filters keep, latest decided first (one page)."""
        found = self.ask(DECISIONS, token, p=filters.pop("p", "CNAM"), first=50, **filters)
        return [item["id"] for item in found["partnerDecisions"]["items"]]


def _enrol(dar: Dar, house: str) -> None:
    command = EnrollAgent(
        f"enrol-s01-{house}", "admin:1", f"S01-{house.upper()}", house, "Supervisor"
    )
    dar.houses.enroll_agent(command)


@pytest.fixture
def desk(api_settings: Settings) -> Iterator[Desk]:
    dar, citizen = counter_ready(api_settings)
    assert isinstance(dar.clock, TestClock)
    scenario = Scenario(dar, dar.clock)
    scenario.given("delegation/thala_staffed.yaml", "counter/thala_cnam_files.yaml")
    symbols = Symbols()
    steg = symbols.resolve(Ref("grant-steg"))
    dar.delegations.amend(AmendDelegation("connections", "admin:1", steg, ("NEW_CONNECTION",), ()))
    for house in ("haidra", "thala"):
        _enrol(dar, house)
    thala = (symbols.resolve(Ref("thala-file-1")), symbols.resolve(Ref("thala-file-2")))
    with served(api_settings, dar) as client:
        yield Desk(client, dar, api_settings, citizen, thala)


def _ids(*requests: UUID) -> list[str]:
    return [str(r) for r in requests]


def _at_tunis(desk: Desk, day: date, hour: int = 12) -> None:
    """The clock at `hour` o'clock in Tunis (UTC+1, no summer time) on `day`."""
    desk.clock.set(datetime.combine(day, time(hour - 1, 0), tzinfo=UTC))


# --- the decided files ------------------------------------------------------------------------


def test_the_decision_history_comes_a_page_at_a_time_complete_while_decisions_arrive(
    desk: Desk,
) -> None:
    files = [desk.forwarded() for _ in range(7)]
    for n, request in enumerate(files[:5]):
        desk.decided(request, "accepted" if n % 2 else "refused")
    token = desk.token(Role.PARTNER, partner="CNAM")
    seen: list[str] = []
    after, late = None, iter(files[5:])
    for _ in range(len(files)):  # more pages than that would be a cursor that does not move on
        page = desk.ask(DECISIONS, token, p="CNAM", first=2, after=after)["partnerDecisions"]
        seen += [item["id"] for item in page["items"]]
        if not page["hasNextPage"]:
            break
        after = page["endCursor"]
        arriving = next(late, None)
        if arriving is not None:  # a decision recorded between two pages
            desk.decided(arriving, "closed")
    assert seen == _ids(*reversed(files[:5]))  # each once, latest decided first, none skipped
    assert desk.decisions(token)[:2] == _ids(files[6], files[5])  # the late ones lead a new read


def test_a_cursor_of_another_list_or_beyond_any_position_is_refused(desk: Desk) -> None:
    token = desk.token(Role.PARTNER, partner="CNAM")
    desk.decided(desk.forwarded(), "accepted")
    page = desk.ask(DECISIONS, token, p="CNAM", first=1)["partnerDecisions"]
    assert page["endCursor"]
    haidra = desk.dar.houses.house("haidra").id
    admin = token_for(desk.settings, Role.ADMIN)
    listed = graphql(
        desk.client, f'{{ requests(houseId: "{haidra}") {{ endCursor }} }}', token=admin
    )
    lodged = listed["data"]["requests"]["endCursor"]
    beyond = base64.urlsafe_b64encode(f"decided:{2**64}".encode()).decode()  # no such position
    for after in (lodged, beyond):
        body = graphql(desk.client, DECISIONS, {"p": "CNAM", "first": 1, "after": after}, token)
        assert error_codes(body) == ["VALIDATION"], after


def test_each_filter_narrows_the_decided_files(desk: Desk) -> None:
    haidra_accepted, haidra_refused = desk.forwarded(), desk.forwarded()
    steg = desk.forwarded("STEG")
    thala_closed, thala_accepted = desk.thala
    _at_tunis(desk, date(2026, 1, 6))
    desk.decided(haidra_accepted, "accepted")
    desk.decided(steg, "refused", partner="STEG")
    _at_tunis(desk, date(2026, 1, 7))
    desk.decided(thala_closed, "closed")
    desk.clock.set(datetime(2026, 1, 7, 23, 30, tzinfo=UTC))  # 8 January, 00:30 in Tunis
    desk.decided(haidra_refused, "refused")
    _at_tunis(desk, date(2026, 1, 9))
    desk.decided(thala_accepted, "accepted")
    token = desk.token(Role.PARTNER, partner="CNAM")
    haidra, thala = (str(desk.dar.houses.house(h).id) for h in ("haidra", "thala"))
    every = _ids(thala_accepted, haidra_refused, thala_closed, haidra_accepted)
    expected: list[tuple[dict[str, object], list[UUID]]] = [
        ({"decision": "ACCEPTED"}, [thala_accepted, haidra_accepted]),
        ({"decision": "REFUSED"}, [haidra_refused]),
        ({"decision": "CLOSED"}, [thala_closed]),
        ({"house": thala}, [thala_accepted, thala_closed]),
        ({"house": haidra}, [haidra_refused, haidra_accepted]),
        ({"service": "CHRONIC_DISEASE_APPROVAL"}, [thala_accepted]),
        ({"service": "REIMBURSEMENT_FILE"}, [haidra_refused, thala_closed, haidra_accepted]),
        ({"from": "2026-01-08", "to": "2026-01-08"}, [haidra_refused]),  # its Tunisian day
        ({"to": "2026-01-07"}, [thala_closed, haidra_accepted]),
        ({"from": "2026-01-07"}, [thala_accepted, haidra_refused, thala_closed]),
        ({"decision": "ACCEPTED", "house": haidra}, [haidra_accepted]),
    ]
    assert desk.decisions(token) == every
    for filters, kept in expected:
        assert desk.decisions(token, **filters) == _ids(*kept), filters
    steg_token = desk.token(Role.PARTNER, partner="STEG")
    assert desk.decisions(steg_token, p="STEG") == _ids(steg)
    backwards = {"p": "CNAM", "first": 5, "from": "2026-01-08", "to": "2026-01-07"}
    assert error_codes(graphql(desk.client, DECISIONS, backwards, token)) == ["VALIDATION"]


def test_a_decided_file_shows_when_and_what_was_decided_and_no_personal_data(desk: Desk) -> None:
    request = desk.forwarded()
    _at_tunis(desk, date(2026, 1, 8), hour=10)
    desk.decided(request, "refused")
    token = desk.token(Role.PARTNER, partner="CNAM")
    found = desk.ask(
        'query($at: Position) { partnerDecisions(partnerCode: "CNAM", atLeastPosition: $at) '
        "{ items { id status decidedAt citizenId } } }",
        token,
    )["partnerDecisions"]["items"]
    assert found == [
        {
            "id": str(request),
            "status": "REFUSED",
            "decidedAt": "2026-01-08T09:00:00+00:00",
            "citizenId": str(desk.citizen),
        }
    ]
    assert "Amel" not in str(found)


# --- who sees what ------------------------------------------------------------------------------


def test_another_partners_token_sees_nothing_of_this_partners_files(desk: Desk) -> None:
    decided, waiting = desk.forwarded(), desk.forwarded()
    desk.decided(decided, "accepted")
    _at_tunis(desk, date(2026, 3, 2))  # every CNAM file is past its deadline
    cnam, steg = (desk.token(Role.PARTNER, partner=p) for p in ("CNAM", "STEG"))
    assert desk.decisions(cnam) == _ids(decided)
    assert len(desk.ask(OVERDUE, cnam, p="CNAM")["partnerOverdue"]) == 3
    assert desk.decisions(steg) == []
    assert desk.ask(OVERDUE, steg, p="CNAM")["partnerOverdue"] == []
    assert str(waiting) in str(desk.ask(OVERDUE, cnam, p="CNAM"))


def test_a_supervisor_sees_its_own_houses_files_only(desk: Desk) -> None:
    decided = desk.forwarded()
    desk.decided(decided, "accepted")
    desk.decided(desk.thala[0], "closed")
    _at_tunis(desk, date(2026, 3, 2))
    haidra = desk.dar.houses.house("haidra").id
    thala = desk.token(Role.SUPERVISOR, house="thala")
    assert desk.decisions(thala) == _ids(desk.thala[0])
    overdue = desk.ask(OVERDUE, thala, p="CNAM")["partnerOverdue"]
    assert [f["id"] for f in overdue] == _ids(desk.thala[1])
    named = {"p": "CNAM", "first": 5, "house": str(haidra)}
    assert error_codes(graphql(desk.client, DECISIONS, named, thala)) == ["NOT_FOUND"]
    assert desk.decisions(desk.token(Role.SUPERVISOR, house="haidra")) == _ids(decided)


def test_oversight_roles_are_refused_the_partners_views(desk: Desk) -> None:
    """Administrators and auditors read files through `requests`, per house, not these views."""
    for role in (Role.ADMIN, Role.AUDITOR, Role.GOVERNANCE):
        for document in (DECISIONS, OVERDUE):
            body = graphql(desk.client, document, {"p": "CNAM", "first": 5}, desk.token(role))
            assert error_codes(body) == ["FORBIDDEN"], (role, document)


# --- overdue files ------------------------------------------------------------------------------


def _overdue(desk: Desk, token: str, first: int = 50) -> list[tuple[str, int]]:
    found = desk.ask(OVERDUE, token, p="CNAM", first=first)["partnerOverdue"]
    return [(f["id"], f["overdueWorkingDays"]) for f in found]


def test_overdue_files_count_working_days_on_the_clock_most_overdue_first(desk: Desk) -> None:
    submitted, acknowledged = desk.forwarded(), desk.forwarded()  # due 17 February
    returned, decided = desk.forwarded(), desk.forwarded()
    desk.lodged()  # not yet sent: not late at the partner
    desk.step("acknowledge", acknowledged, reference="CNAM-1")
    desk.step("return_for_correction", returned, reason="illegible")
    desk.decided(decided, "accepted")
    reimbursement, chronic = desk.thala  # due 10 and 3 February
    for day in (11, 12, 13, 16, 17, 18):  # Thala closed six working days: not counted there
        holiday = date(2026, 2, day)
        desk.dar.houses.add_local_holiday(
            AddLocalHoliday(f"closed-{day}", "admin:1", "thala", holiday, "Festival")
        )
    token = desk.token(Role.PARTNER, partner="CNAM")
    _at_tunis(desk, date(2026, 2, 3))  # a Tuesday: the chronic file's last day
    assert _overdue(desk, token) == []
    _at_tunis(desk, date(2026, 2, 4))
    assert _overdue(desk, token) == [(str(chronic), 1)]
    _at_tunis(desk, date(2026, 2, 18))  # a Wednesday; Thala's reimbursement file not yet late
    assert _overdue(desk, token) == [(str(chronic), 5), (str(submitted), 1), (str(acknowledged), 1)]
    _at_tunis(desk, date(2026, 2, 20))  # Friday: due before Haidra's, yet less late
    friday = [
        (str(chronic), 7),
        (str(submitted), 3),
        (str(acknowledged), 3),
        (str(reimbursement), 2),
    ]
    assert _overdue(desk, token) == friday
    # the most overdue first: read in due order, Thala's file due before Haidra's comes after
    assert [_overdue(desk, token, first=n) for n in (1, 2, 3)] == [
        friday[:1],
        friday[:2],
        friday[:3],
    ]
    _at_tunis(desk, date(2026, 2, 22))  # the weekend adds no working day
    assert _overdue(desk, token) == friday


# --- files arriving -----------------------------------------------------------------------------


def _context(desk: Desk, token: str) -> Context:
    """A subscriber's context over the app's Dar, its watchers made in the test's event loop."""
    state = desk.client.app.state  # type: ignore[attr-defined]
    context = Context(
        dar=desk.dar, tokens=state.tokens, metrics=state.metrics, watchers=Watchers.of(desk.dar)
    )
    context.principal = state.tokens.verify(token)
    return context


async def _subscribed(desk: Desk, token: str, after: int) -> AsyncGenerator[ExecutionResult, None]:
    stream = await build_schema(desk.settings).subscribe(
        ARRIVING, variable_values={"p": "CNAM", "after": after}, context_value=_context(desk, token)
    )
    assert not isinstance(stream, ExecutionResult), stream
    return stream


async def _first_change(
    desk: Desk, token: str, after: int, then: list[tuple[str, UUID]]
) -> dict[str, Any]:
    """The first change a subscriber from `after` sees, the house's steps `then` run once subscribed."""
    stream = await _subscribed(desk, token, after)
    first = asyncio.ensure_future(anext(stream))
    try:
        for step, request in then:
            await asyncio.to_thread(desk.step, step, request)
        result = await asyncio.wait_for(first, timeout=15)
    finally:
        await stream.aclose()
    assert result.errors is None, result.errors
    assert result.data is not None
    change: dict[str, Any] = result.data["partnerFilesArriving"]
    return change


def test_a_file_forwarded_after_the_subscription_started_arrives_and_another_partners_not(
    desk: Desk,
) -> None:
    cnam, steg = desk.lodged(), desk.lodged("STEG")
    start = desk.dar.store.position()
    token = desk.token(Role.PARTNER, partner="CNAM")
    steps = [("forward", steg), ("forward", cnam)]  # STEG's arrives first, at its partner
    change = asyncio.run(_first_change(desk, token, start, steps))
    assert [f["id"] for f in change["files"]] == [str(cnam)]
    assert change["files"][0]["status"] == "SUBMITTED"
    assert change["position"] > start


def test_a_corrected_file_sent_again_arrives_again(desk: Desk) -> None:
    request = desk.forwarded()
    desk.step("return_for_correction", request, reason="missing page")
    start = desk.dar.store.position()
    token = desk.token(Role.PARTNER, partner="CNAM")
    change = asyncio.run(_first_change(desk, token, start, [("resubmit", request)]))
    assert change["files"] == [{"id": str(request), "status": "RESUBMITTED"}]


def test_another_partners_subscription_ends_with_nothing(desk: Desk) -> None:
    async def everything_steg_gets() -> list[ExecutionResult]:
        stream = await _subscribed(desk, desk.token(Role.PARTNER, partner="STEG"), 0)
        return [item async for item in stream]

    # a subscription that never ends would fail here, after a generous wait
    assert desk.dar.read.requests.last_arrival() > 0  # Thala's CNAM files were forwarded
    assert asyncio.run(asyncio.wait_for(everything_steg_gets(), timeout=15)) == []
