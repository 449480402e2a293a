"""History, journal, asOf and inForce for auditors: payloads, sealed personal data, filters, pages."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.auth import Role
from api.bootstrap import Dar
from application.delegation.commands import SuspendDelegation
from domain.citizens.access import PersonalDataAccess
from domain.partners.partner import partner_id
from infrastructure.settings import Settings
from projections.audit.view import JournalFilter
from tests.support.api import error_codes, graphql, token_for
from tests.support.citizens import grant_mandate
from tests.support.clock import TestClock
from tests.support.counter import counter_ready, served

HISTORY = """query($id: ID!, $p: String, $after: Int! = 0, $first: Int! = 100) {
  history(aggregateId: $id, purpose: $p, afterVersion: $after, first: $first) {
    endPosition hasMore
    events { position aggregateId version type recordedAt actor houseId commandId payload withheld }
  } }"""
JOURNAL = """query($after: Position!, $first: Int!, $f: JournalFilterInput) {
  journal(afterPosition: $after, first: $first, filter: $f) {
    endPosition hasMore events { position type actor houseId payload } } }"""
AS_OF = """query($id: ID!, $v: Int, $at: DateTime, $p: String) {
  asOf(aggregateId: $id, version: $v, at: $at, purpose: $p) {
    aggregateId kind version modifiedAt fields withheld } }"""
IN_FORCE = """query($h: ID!, $at: DateTime!) { inForce(houseId: $h, at: $at) {
  grants { grantId version partnerId services } accreditations { employeeNumber partnerId } } }"""


@dataclass(frozen=True)
class Audited:
    client: TestClient
    dar: Dar
    settings: Settings
    citizen: UUID
    mandate: str
    steg_grant: str
    house: str

    def ask(self, role: Role, query: str, **variables: object) -> dict[str, Any]:
        body = graphql(self.client, query, variables, token_for(self.settings, role))
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data

    def history(self, role: Role, aggregate: object, **more: object) -> list[dict[str, Any]]:
        found = self.ask(role, HISTORY, id=str(aggregate), **more)["history"]["events"]
        return list(found)

    def journal(self, after: int, first: int, **narrowed: object) -> dict[str, Any]:
        page: dict[str, Any] = self.ask(
            Role.AUDITOR, JOURNAL, after=after, first=first, f=narrowed or None
        )["journal"]
        return page

    def recorded_reads(self) -> list[tuple[str, str, str, tuple[str, ...]]]:
        found = []
        for n in self.dar.store.recorder.select_notifications(start=1, limit=100_000):
            event = self.dar.store.mapper.to_domain_event(n)
            if isinstance(event, PersonalDataAccess.Recorded):
                found.append((event.actor, event.purpose, event.operation, tuple(event.fields)))
        return found


@pytest.fixture
def audited(api_settings: Settings) -> Iterator[Audited]:
    """Haidra staffed, a citizen's STEG and CNAM scopes, the STEG grant suspended an hour later."""
    dar, citizen = counter_ready(api_settings)
    mandate = grant_mandate(dar, citizen, "partner:STEG", "partner:CNAM")
    assert isinstance(dar.clock, TestClock)
    dar.clock.advance(timedelta(hours=1))
    dar.projections.prepare()
    dar.projections.catch_up()
    steg = JournalFilter(partner_id=partner_id("STEG"), topic="DelegationGrant.Granted")
    [row] = dar.read.audit.journal(0, steg, limit=10)  # the journal's index finds the grant
    dar.delegations.suspend(
        SuspendDelegation(
            command_id="suspend-steg",
            actor="admin:test",
            grant_id=row.originator_id,
            reason="audit of the collections",
        )
    )
    with served(api_settings, dar) as client:
        yield Audited(
            client,
            dar,
            api_settings,
            citizen,
            mandate,
            str(row.originator_id),
            str(row.house_id),
        )


def test_a_grants_history_lists_its_events_in_order_with_their_payloads(
    audited: Audited,
) -> None:
    events = audited.history(Role.AUDITOR, audited.steg_grant)
    assert [(e["version"], e["type"]) for e in events] == [
        (1, "DelegationGrant.Granted"),
        (2, "DelegationGrant.Suspended"),
    ]
    assert events[0]["position"] < events[1]["position"]
    assert events[0]["houseId"] == audited.house
    assert events[1]["actor"] == "admin:test"
    assert events[1]["commandId"] == "suspend-steg"
    assert events[1]["payload"] == {"reason": "audit of the collections"}
    assert "BILL_DUPLICATE" in events[0]["payload"]["services"]
    assert events[0]["withheld"] == []


def test_a_citizens_sealed_particulars_stay_sealed_without_a_purpose_and_nothing_is_recorded(
    audited: Audited,
) -> None:
    [registered] = audited.history(Role.AUDITOR, audited.citizen)
    payload = registered["payload"]
    assert payload["name"] == {"sealed": "identity"}
    assert payload["documentNumber"] == {"sealed": "document"}
    assert payload["phone"] == {"sealed": "contact"}
    assert sorted(registered["withheld"]) == ["documentKind", "documentNumber", "name", "phone"]
    assert "Amel" not in str(payload)
    assert audited.recorded_reads() == []


def test_an_auditors_purpose_opens_nothing_the_matrix_withholds_but_the_read_is_recorded(
    audited: Audited,
) -> None:
    [registered] = audited.history(Role.AUDITOR, audited.citizen, p="counter_service")
    assert registered["payload"]["name"] == {"sealed": "identity"}
    assert audited.recorded_reads() == [("auditor:test-auditor", "counter_service", "history", ())]


def test_an_admitted_purpose_opens_sealed_particulars_and_the_read_is_recorded(
    audited: Audited,
) -> None:
    [registered] = audited.history(Role.ADMIN, audited.citizen, p="data_subject_rights")
    payload = registered["payload"]
    assert payload["name"] == "Amel Ben Salah"
    assert payload["documentNumber"] == "01234567"
    assert payload["documentKind"] == "cin"
    assert payload["phone"] == {"sealed": "contact"}  # the admin's role never sees phones
    assert registered["withheld"] == ["phone"]
    assert audited.recorded_reads() == [
        (
            "admin:test-admin",
            "data_subject_rights",
            "history",
            ("documentKind", "documentNumber", "name"),
        )
    ]


def test_health_scopes_of_a_mandate_stay_sealed_for_an_auditor_whatever_the_purpose(
    audited: Audited,
) -> None:
    bare = audited.history(Role.AUDITOR, audited.mandate)
    granted = next(e for e in bare if e["type"] == "Mandate.Granted")
    assert sorted(map(str, granted["payload"]["scopes"])) == [
        "{'sealed': 'health'}",
        "{'sealed': 'mandates'}",
    ]
    purposeful = audited.history(Role.AUDITOR, audited.mandate, p="mandate_management")
    granted = next(e for e in purposeful if e["type"] == "Mandate.Granted")
    assert sorted(map(str, granted["payload"]["scopes"])) == [
        "partner:STEG",
        "{'sealed': 'health'}",
    ]
    reads = audited.recorded_reads()
    assert reads == [("auditor:test-auditor", "mandate_management", "history", ("mandates",))]


def test_history_pages_by_version(audited: Audited) -> None:
    first = audited.ask(Role.AUDITOR, HISTORY, id=audited.steg_grant, first=1)["history"]
    assert [e["version"] for e in first["events"]] == [1]
    assert first["hasMore"] is True
    rest = audited.history(Role.AUDITOR, audited.steg_grant, after=1)
    assert [e["version"] for e in rest] == [2]


def _pages(audited: Audited, first: int, **narrowed: object) -> list[int]:
    seen, after = [], 0
    while True:
        page = audited.journal(after, first, **narrowed)
        seen += [e["position"] for e in page["events"]]
        after = page["endPosition"]
        if not page["hasMore"]:
            return seen


def test_the_journal_pages_in_log_order_and_its_pages_stay_stable_as_the_log_grows(
    audited: Audited,
) -> None:
    everything = _pages(audited, 7)
    assert everything == sorted(everything)
    assert everything == list(range(1, audited.dar.store.position() + 1))
    first_page = audited.journal(0, 5)
    grant_mandate(audited.dar, audited.citizen, "payments", key="later")
    audited.dar.projections.catch_up()
    assert audited.journal(0, 5) == first_page
    assert _pages(audited, 7)[: len(everything)] == everything


def test_the_journal_filters_by_partner_type_actor_house_and_day(audited: Audited) -> None:
    steg = audited.journal(0, 100, partnerCode="STEG", type="DelegationGrant.Granted")["events"]
    assert [e["type"] for e in steg] == ["DelegationGrant.Granted"]
    by_actor = audited.journal(0, 100, actor="admin:test")["events"]
    assert {e["actor"] for e in by_actor} == {"admin:test"}
    assert "DelegationGrant.Suspended" in {e["type"] for e in by_actor}
    at_house = audited.journal(0, 100, houseId=audited.house)["events"]
    assert at_house
    assert {e["houseId"] for e in at_house} <= {audited.house, None}
    everything = audited.journal(0, 100)["events"]
    assert len(at_house) < len(everything)
    day = audited.journal(0, 100, fromDay="1999-01-01", toDay="1999-12-31")["events"]
    assert day == []
    narrowed = [e["position"] for e in audited.journal(0, 100, type="Mandate.Granted")["events"]]
    assert narrowed == [e["position"] for e in everything if e["type"] == "Mandate.Granted"]


def test_a_grant_is_seen_as_it_was_before_its_suspension(audited: Audited) -> None:
    granted, suspended = audited.history(Role.AUDITOR, audited.steg_grant)
    before = audited.ask(Role.AUDITOR, AS_OF, id=audited.steg_grant, at=granted["recordedAt"])
    after = audited.ask(Role.AUDITOR, AS_OF, id=audited.steg_grant, at=suspended["recordedAt"])
    assert before["asOf"]["version"] == 1
    assert before["asOf"]["fields"]["state"] == "active"
    assert after["asOf"]["fields"]["state"] == "suspended"
    by_version = audited.ask(Role.AUDITOR, AS_OF, id=audited.steg_grant, v=1)
    assert by_version == before


def test_in_force_before_and_after_a_suspension(audited: Audited) -> None:
    granted, suspended = audited.history(Role.AUDITOR, audited.steg_grant)
    before = audited.ask(Role.GOVERNANCE, IN_FORCE, h=audited.house, at=granted["recordedAt"])
    after = audited.ask(Role.AUDITOR, IN_FORCE, h=audited.house, at=suspended["recordedAt"])
    ids_before = {g["grantId"] for g in before["inForce"]["grants"]}
    ids_after = {g["grantId"] for g in after["inForce"]["grants"]}
    assert audited.steg_grant in ids_before
    assert audited.steg_grant not in ids_after
    assert ids_after  # the CNAM grant stays in force
    assert ("A17",) in {(a["employeeNumber"],) for a in after["inForce"]["accreditations"]}


def test_as_of_refuses_a_version_the_aggregate_never_had(audited: Audited) -> None:
    token = token_for(audited.settings, Role.AUDITOR)
    body = graphql(audited.client, AS_OF, {"id": audited.steg_grant, "v": 9}, token)
    assert error_codes(body) == ["NOT_FOUND"]
    body = graphql(audited.client, AS_OF, {"id": audited.steg_grant}, token)
    assert error_codes(body) == ["VALIDATION"]
