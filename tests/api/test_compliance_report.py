"""`complianceReport`: every act not covered at its log position, replayed from the log alone.

Empty on a history made through the commands (which refuse uncovered acts); on events written
around the rules, straight into the store, exactly the acts and the covers they lacked.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient

from api.auth import Role
from api.bootstrap import Dar
from domain.counter.request import CitizenRequest, Reliance
from domain.delegation.grant import DelegationGrant
from domain.houses.agent import Agent
from domain.partners.partner import partner_id
from domain.payments.payment import Method, Origin, Payment
from domain.shared.acts import Act
from domain.shared.money import Money
from infrastructure.settings import Settings
from tests.support.api import graphql, token_for
from tests.support.clock import TestClock
from tests.support.counter import served
from tests.support.payments import bill_request, pay_cash, payments_ready

REPORT = """query($from: Date!, $to: Date!, $h: ID) {
  complianceReport(from: $from, to: $to, houseId: $h) {
    position uncovered { position act houseId partnerCode serviceCode actor missing } } }"""


@dataclass
class Lodged:
    dar: Dar
    clock: TestClock
    settings: Settings
    request: CitizenRequest

    def act(self, actor: str = "agent:A17") -> Act:
        self.clock.advance(timedelta(minutes=1))
        return Act(actor=actor, command_id=str(uuid4()), at=self.clock.now())

    def around(self, *, absent: bool = False) -> int:
        """A request lodged straight into the store (no rule checked, no mandate); its position."""
        r = self.request
        relied = r.reliance
        reliance = Reliance(
            relied.grant_id, relied.grant_version, relied.agent_id, relied.agent_version
        )
        lodged = CitizenRequest.lodge(
            request_id=uuid4(),
            house_id=r.house_id,
            visit_id=r.visit_id,
            citizen_id=r.citizen_id,
            citizen_present=not absent,
            service=(r.partner_code, r.service_code, r.mode),
            documents=(),
            receipt=f"AROUND-{uuid4().hex[:6]}",
            due_on=None,
            reliance=reliance,
            act=self.act(),
        )
        self.dar.store.save(lodged)
        return self.dar.store.position()

    def paid_around(self) -> tuple[int, int]:
        """Cash taken and a refund approved straight into the store; their positions."""
        r = self.request
        where = Origin(
            request_id=r.id,
            house_id=r.house_id,
            house_code="haidra",
            citizen_id=r.citizen_id,
            partner_code=r.partner_code,
            service_code=r.service_code,
            bill_reference=None,
            reliance=r.reliance,
        )
        payment = Payment.initiate(
            payment_id=uuid4(),
            origin=where,
            method=Method.CASH,
            amount=Money(5_000),
            act=self.act(),
        )
        payment.take_cash(f"AROUND-{uuid4().hex[:6]}", self.act())
        self.dar.store.save(payment)
        captured = self.dar.store.position()
        payment.request_refund("R1", Money(5_000), "billed twice", self.act())
        payment.approve_refund("R1", self.act("supervisor:S01"))
        self.dar.store.save(payment)
        return captured, self.dar.store.position()

    def report(self, client: TestClient, role: Role = Role.AUDITOR, **more: object) -> Any:
        day = self.clock.now().date().isoformat()
        variables = {"from": day, "to": day, **more}
        body = graphql(client, REPORT, variables, token_for(self.settings, role))
        assert "errors" not in body, body
        return body["data"]["complianceReport"]


@pytest.fixture
def lodged(api_settings: Settings) -> Iterator[Lodged]:
    """A STEG bill request lodged at Haidra and paid in cash, both through the commands."""
    clock = TestClock()
    dar, _, citizen = payments_ready(api_settings, clock)
    request = bill_request(dar, citizen)
    pay_cash(dar, request, "5000-0", "cash")
    yield Lodged(dar, clock, api_settings, dar.store.load(request, CitizenRequest, "request"))
    dar.close()


def lines(report: Any) -> list[tuple[str, str, list[str]]]:
    return [(x["act"], x["actor"], x["missing"]) for x in report["uncovered"]]


def test_a_history_made_through_the_commands_has_every_act_covered(lodged: Lodged) -> None:
    with served(lodged.settings, lodged.dar) as client:
        report = lodged.report(client)
        assert report["uncovered"] == []
        assert report["position"] == lodged.dar.store.position()
        assert lodged.report(client, Role.ADMIN) == report


def test_acts_written_around_the_rules_are_listed_with_the_cover_they_lacked(
    lodged: Lodged,
) -> None:
    dar, r = lodged.dar, lodged.request
    lodged.around()  # still covered: nothing has changed yet
    proxy = lodged.around(absent=True)  # an absent citizen, no mandate named
    grant = dar.store.load(r.reliance.grant_id, DelegationGrant, "grant")
    grant.suspend("audit of the convention", lodged.act("admin:1"))
    dar.store.save(grant)
    suspended = lodged.around()
    grant.reinstate(lodged.act("admin:1"))
    dar.store.save(grant)
    agent = dar.store.load(r.reliance.agent_id, Agent, "agent")
    agent.revoke_accreditation(partner_id("STEG"), "left the STEG desk", lodged.act("admin:1"))
    dar.store.save(agent)
    paid, approved = lodged.paid_around()
    with served(lodged.settings, dar) as client:
        report = lodged.report(client)
        elsewhere = lodged.report(client, h="00000000-0000-0000-0000-000000000001")
    assert lines(report) == [
        ("REQUEST_LODGED", "agent:A17", ["MANDATE"]),
        ("REQUEST_LODGED", "agent:A17", ["GRANT"]),
        ("PAYMENT_COLLECTED", "agent:A17", ["ACCREDITATION"]),
        ("REFUND_APPROVED", "supervisor:S01", ["ACCREDITATION"]),
    ]
    assert [x["position"] for x in report["uncovered"]] == [proxy, suspended, paid, approved]
    assert {(x["houseId"], x["partnerCode"], x["serviceCode"]) for x in report["uncovered"]} == {
        (str(r.house_id), "STEG", "BILL_PAYMENT")
    }
    assert elsewhere["uncovered"] == []
