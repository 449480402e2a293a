"""`moneyReport`: money from the log alone against the payments read model.

They agree until a row is altered by hand; then the disagreement names the day and partner with
both figures, and the log's figures stand.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient

from api.auth import Role
from api.bootstrap import Dar, bootstrap
from domain.counter.request import Reliance
from domain.houses.house import house_id
from domain.payments.payment import Method, Origin, Payment, Reported
from domain.shared.acts import Act
from domain.shared.money import Money
from infrastructure.readmodels.payments import PAYMENTS, REFUNDS
from infrastructure.settings import Settings
from tests.support.api import graphql, token_for
from tests.support.clock import TestClock
from tests.support.counter import served

HAIDRA = house_id("haidra")
DAY_1 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # 10:00 in Tunis, Monday 5 January
DAY_2 = datetime(2026, 1, 6, 9, 0, tzinfo=UTC)
REPORT = """query($from: Date!, $to: Date!, $h: ID) {
  moneyReport(from: $from, to: $to, houseId: $h) {
    lines { businessDate houseId partnerCode refunds figures { captures captured refunded net } }
    disagreements { businessDate houseId partnerCode
      fromLog { captures captured refunded net } readModel { captures captured refunded net } }
  } }"""


def figures(captures: int, captured: str, refunded: str, net: str) -> dict[str, object]:
    return {"captures": captures, "captured": captured, "refunded": refunded, "net": net}


CLEAN_LINES = [
    ("2026-01-05", "SONEDE", 0, figures(1, "40.000", "0.000", "40.000")),
    ("2026-01-05", "STEG", 0, figures(1, "90.000", "0.000", "90.000")),
    ("2026-01-06", "SONEDE", 1, figures(1, "60.000", "60.000", "0.000")),
    # the refund of the 5th's STEG payment counts on the day it was paid back
    ("2026-01-06", "STEG", 1, figures(1, "25.000", "10.000", "15.000")),
]


def _act(at: datetime, actor: str = "agent:A17") -> Act:
    return Act(actor=actor, command_id=str(uuid4()), at=at)


def captured(partner: str, millimes: int, at: datetime, receipt: str) -> Payment:
    """A card payment at Haidra for `partner`, captured at `at`."""
    where = Origin(
        request_id=uuid4(),
        house_id=HAIDRA,
        house_code="haidra",
        citizen_id=uuid4(),
        partner_code=partner,
        service_code="BILL_PAYMENT",
        bill_reference=None,
        reliance=Reliance(grant_id=uuid4(), grant_version=1, agent_id=uuid4(), agent_version=1),
    )
    payment = Payment.initiate(
        payment_id=uuid4(), origin=where, method=Method.CARD, amount=Money(millimes), act=_act(at)
    )
    payment.apply_report(Reported.AUTHORISED, "gw-auth", _act(at))
    payment.request_capture(_act(at))
    payment.confirm_capture(receipt, "gw-capture", _act(at))
    return payment


def paid_back(payment: Payment, millimes: int, at: datetime) -> None:
    payment.request_refund("R1", Money(millimes), "billed twice", _act(at))
    payment.approve_refund("R1", _act(at, "supervisor:S01"))
    payment.pay_back("R1", "gw-R1", _act(at))


@dataclass(frozen=True)
class Paid:
    client: TestClient
    dar: Dar
    settings: Settings
    steg_day_1: UUID
    sonede_day_2: UUID

    def report(
        self, role: Role = Role.AUDITOR, day_from: str = "2026-01-05", **more: object
    ) -> dict[str, Any]:
        variables = {"from": day_from, "to": "2026-01-06", **more}
        body = graphql(self.client, REPORT, variables, token_for(self.settings, role))
        assert "errors" not in body, body
        found: dict[str, Any] = body["data"]["moneyReport"]
        return found

    def alter(self, sql: str, *params: object) -> None:
        """Direct SQL on the read model's tables, as their owner would."""
        db = self.dar.read.db
        with db.write() as cur:
            cur.execute(sql.format(payments=db.table(PAYMENTS), refunds=db.table(REFUNDS)), params)


def lines(report: dict[str, Any]) -> list[tuple[str, str, int, dict[str, object]]]:
    assert {x["houseId"] for x in report["lines"]} <= {str(HAIDRA)}
    return [
        (x["businessDate"], x["partnerCode"], x["refunds"], x["figures"]) for x in report["lines"]
    ]


@pytest.fixture
def paid(api_settings: Settings) -> Iterator[Paid]:
    """STEG and SONEDE paid at Haidra on the 5th and the 6th; two refunds paid back on the 6th."""
    dar = bootstrap(api_settings, TestClock())
    steg_1 = captured("STEG", 90_000, DAY_1, "HAIDRA-2026-P000001")
    sonede_1 = captured("SONEDE", 40_000, DAY_1, "HAIDRA-2026-P000002")
    steg_2 = captured("STEG", 25_000, DAY_2, "HAIDRA-2026-P000003")
    sonede_2 = captured("SONEDE", 60_000, DAY_2, "HAIDRA-2026-P000004")
    paid_back(steg_1, 10_000, DAY_2)
    paid_back(sonede_2, 60_000, DAY_2)
    dar.store.save(steg_1, sonede_1, steg_2, sonede_2)
    with served(api_settings, dar) as client:
        yield Paid(client, dar, api_settings, steg_1.id, sonede_2.id)


def test_on_a_clean_history_the_log_and_the_read_model_agree_to_the_millime(paid: Paid) -> None:
    report = paid.report()
    assert lines(report) == CLEAN_LINES
    assert report["disagreements"] == []
    assert paid.report(Role.ADMIN) == report
    one_day = paid.report(day_from="2026-01-06")
    assert lines(one_day) == CLEAN_LINES[2:]
    elsewhere = paid.report(h="00000000-0000-0000-0000-000000000001")
    assert elsewhere == {"lines": [], "disagreements": []}


def test_a_read_model_row_altered_by_hand_is_named_with_both_figures(paid: Paid) -> None:
    before = paid.report()
    paid.alter(
        "UPDATE {payments} SET captured_millimes = ? WHERE payment_id = ?", 91_000, paid.steg_day_1
    )
    paid.alter(
        "UPDATE {refunds} SET amount_millimes = ? WHERE payment_id = ?", 6_000, paid.sonede_day_2
    )
    after = paid.report()
    assert after["lines"] == before["lines"], "the log's figures moved with the read model"
    assert after["disagreements"] == [
        {
            "businessDate": "2026-01-05",
            "houseId": str(HAIDRA),
            "partnerCode": "STEG",
            "fromLog": figures(1, "90.000", "0.000", "90.000"),
            "readModel": figures(1, "91.000", "0.000", "91.000"),
        },
        {
            "businessDate": "2026-01-06",
            "houseId": str(HAIDRA),
            "partnerCode": "SONEDE",
            "fromLog": figures(1, "60.000", "60.000", "0.000"),
            "readModel": figures(1, "60.000", "6.000", "54.000"),
        },
    ]
