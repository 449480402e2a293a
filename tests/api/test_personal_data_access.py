"""The access log for auditors: who read which citizen's data, when and why, narrowed and paged."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.auth import Role
from api.bootstrap import Dar
from domain.shared.time import tunis_day
from infrastructure.settings import Settings
from tests.support.api import error_codes, graphql, token_for
from tests.support.citizens import register
from tests.support.clock import TestClock
from tests.support.counter import counter_ready, served

ACCESS = """query($c: ID, $a: String, $from: Date, $to: Date, $first: Int! = 100,
  $after: Position! = 0) {
  personalDataAccess(citizenId: $c, actor: $a, from: $from, to: $to, first: $first,
    after: $after) {
    endPosition hasMore accesses { id actor at purpose operation fields position } } }"""
HISTORY = """query($id: ID!, $p: String) { history(aggregateId: $id, purpose: $p) {
  endPosition } }"""
AS_OF = """query($id: ID!, $p: String) { asOf(aggregateId: $id, version: 1, purpose: $p) {
  version } }"""
JOURNAL = """query($p: String) { journal(filter: {type: "Citizen.Registered"}, purpose: $p) {
  endPosition } }"""
AUDITOR = "auditor:test-auditor"
ADMIN = "admin:test-admin"


@dataclass(frozen=True)
class Logged:
    client: TestClient
    dar: Dar
    settings: Settings
    amel: UUID
    hedi: UUID

    def ask(self, role: Role, query: str, **variables: object) -> dict[str, Any]:
        body = graphql(self.client, query, variables, token_for(self.settings, role))
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data

    def page(self, **narrowed: object) -> dict[str, Any]:
        self.dar.projections.catch_up()
        found: dict[str, Any] = self.ask(Role.AUDITOR, ACCESS, **narrowed)["personalDataAccess"]
        return found

    def reads(self, **narrowed: object) -> list[tuple[str, str]]:
        return [(a["actor"], a["operation"]) for a in self.page(**narrowed)["accesses"]]

    def all_pages(self, first: int) -> list[int]:
        seen, after = [], 0
        while True:
            page = self.page(first=first, after=after)
            seen += [a["position"] for a in page["accesses"]]
            after = page["endPosition"]
            if not page["hasMore"]:
                return seen


@pytest.fixture
def logged(api_settings: Settings) -> Iterator[Logged]:
    """Amel's file read by an auditor; two days later Amel's and Hedi's by an admin."""
    dar, amel = counter_ready(api_settings)
    hedi = register(dar, "07654321", "Hedi Trabelsi")
    assert isinstance(dar.clock, TestClock)
    with served(api_settings, dar) as client:
        log = Logged(client, dar, api_settings, amel, hedi)
        log.ask(Role.AUDITOR, HISTORY, id=str(amel), p="counter_service")
        dar.clock.advance(timedelta(days=2))
        log.ask(Role.ADMIN, HISTORY, id=str(amel), p="data_subject_rights")
        log.ask(Role.ADMIN, AS_OF, id=str(hedi), p="data_subject_rights")
        yield log


def _day(access: dict[str, Any]) -> date:
    return tunis_day(datetime.fromisoformat(access["at"]))


def test_the_audit_reads_with_a_purpose_are_in_the_access_log_in_log_order(
    logged: Logged,
) -> None:
    page = logged.page()
    assert [(a["actor"], a["purpose"], a["operation"]) for a in page["accesses"]] == [
        (AUDITOR, "counter_service", "history"),
        (ADMIN, "data_subject_rights", "history"),
        (ADMIN, "data_subject_rights", "asOf"),
    ]
    positions = [a["position"] for a in page["accesses"]]
    assert positions == sorted(positions)
    assert page["hasMore"] is False
    assert page["endPosition"] == positions[-1]
    logged.ask(Role.AUDITOR, JOURNAL, p="counter_service")
    assert logged.reads()[3:] == [(AUDITOR, "journal"), (AUDITOR, "journal")]


def test_the_access_log_is_narrowed_by_citizen(logged: Logged) -> None:
    assert logged.reads(c=str(logged.amel)) == [(AUDITOR, "history"), (ADMIN, "history")]
    assert logged.reads(c=str(logged.hedi)) == [(ADMIN, "asOf")]


def test_the_access_log_is_narrowed_by_actor(logged: Logged) -> None:
    assert logged.reads(a=ADMIN) == [(ADMIN, "history"), (ADMIN, "asOf")]
    assert logged.reads(a=AUDITOR, c=str(logged.hedi)) == []


def test_the_access_log_is_narrowed_by_tunis_days_both_included(logged: Logged) -> None:
    first, later, _ = logged.page()["accesses"]
    day, two_days_on = _day(first), _day(later)
    assert two_days_on == day + timedelta(days=2)
    only_first = logged.reads(**{"from": day.isoformat(), "to": day.isoformat()})
    assert only_first == [(AUDITOR, "history")]
    from_later = logged.reads(**{"from": two_days_on.isoformat()})
    assert from_later == [(ADMIN, "history"), (ADMIN, "asOf")]
    between = logged.reads(
        **{"from": (day + timedelta(days=1)).isoformat(), "to": two_days_on.isoformat()}
    )
    assert between == from_later
    assert logged.reads(to=(day - timedelta(days=1)).isoformat()) == []


def test_its_pages_stay_stable_as_new_reads_are_recorded(logged: Logged) -> None:
    everything = logged.all_pages(2)
    assert len(everything) == 3
    first_page = logged.page(first=2)
    assert first_page["hasMore"] is True
    logged.ask(Role.AUDITOR, HISTORY, id=str(logged.hedi), p="counter_service")
    assert logged.page(first=2) == first_page
    grown = logged.all_pages(2)
    assert grown[:3] == everything
    assert len(grown) == 4


@pytest.mark.parametrize(
    ("role", "house", "partner"),
    [(Role.GOVERNANCE, None, None), (Role.PARTNER, None, "STEG")],
)
def test_other_roles_are_refused_the_access_log(
    logged: Logged, role: Role, house: str | None, partner: str | None
) -> None:
    token = token_for(logged.settings, role, house=house, partner=partner)
    body = graphql(logged.client, ACCESS, {}, token)
    assert error_codes(body) == ["FORBIDDEN"]
