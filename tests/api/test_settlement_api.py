"""Settlement through GraphQL on both stores: a day closed, its statement imported and matched.

STEG and SONEDE bills are paid in cash at Haidra; Haidra's supervisor closes STEG's day; a STEG
payment taken after the close goes into the next day's remittance; STEG's statement of the day
matches to the millime, and importing it twice changes nothing; a statement with a wrong amount,
a line twice and a line missing is flagged line by line. Who may do what, and the typed refusals.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.auth import Role, TokenService
from api.bootstrap import Dar
from domain.houses.house import house_id
from infrastructure.settings import Settings
from tests.support.api import error_codes, graphql, token_for
from tests.support.counter import served
from tests.support.payments import bill_request, pay_cash, payments_ready

HAIDRA = str(house_id("haidra"))
DAY = date(2026, 1, 6)
HEADER = "business_date,house_code,reference,kind,amount_millimes,partner_reference\n"
CLOSE = """mutation($input: CloseRemittanceInput!) {
  closeRemittance(input: $input) { id captured refunded entries position replayed } }"""
IMPORT = """mutation($input: ImportStatementInput!) {
  importStatement(input: $input) { id lines days alreadyImported position } }"""
REMITTANCES = """query($p: String!, $from: Date!, $to: Date!, $h: ID) {
  remittances(partnerCode: $p, from: $from, to: $to, houseId: $h) {
    houseCode partnerCode businessDate closed captured refunded net entries carriedIn } }"""
RECONCILIATION = """query($p: String!, $d: Date!) {
  reconciliation(partnerCode: $p, businessDate: $d) {
    statementId matched mismatched duplicate unexpected missing
    statementTotal recordedTotal difference clean
    lines { status reference line houseCode kind statementAmount recordedAmount partnerReference }
  } }"""


@dataclass(frozen=True)
class Day:
    client: TestClient
    dar: Dar
    settings: Settings
    receipts: dict[str, list[str]]
    citizen: UUID

    def token(self, role: Role, partner: str | None = None) -> str:
        if role in {Role.SUPERVISOR, Role.AGENT}:
            number = "A18" if role is Role.SUPERVISOR else "A17"
            return TokenService(self.settings).mint(number, role, house="haidra")
        return token_for(self.settings, role, partner=partner)

    def run(self, query: str, token: str, **variables: object) -> dict[str, Any]:
        return graphql(self.client, query, variables, token)

    def ok(self, query: str, token: str, **variables: object) -> dict[str, Any]:
        body = self.run(query, token, **variables)
        assert "errors" not in body, body
        found: dict[str, Any] = body["data"]
        return found

    def close(self, key: str, partner: str = "STEG", day: str = "2026-01-06") -> dict[str, Any]:
        given = {"commandId": key, "houseId": HAIDRA, "partnerCode": partner, "businessDate": day}
        return self.run(CLOSE, self.token(Role.SUPERVISOR), input=given)

    def statement(self, key: str, text: str, token: str | None = None) -> dict[str, Any]:
        given = {"commandId": key, "partnerCode": "STEG", "source": "PARTNER", "statement": text}
        return self.run(IMPORT, token or self.token(Role.ADMIN), input=given)

    def reconciliation(self, day: str = "2026-01-06") -> dict[str, Any]:
        found = self.ok(RECONCILIATION, self.token(Role.AUDITOR), p="STEG", d=day)
        day_found: dict[str, Any] = found["reconciliation"]
        return day_found


@pytest.fixture
def day(api_settings: Settings) -> Iterator[Day]:
    """Two STEG bills (174.700 and 52.300 TND) and one SONEDE bill paid in cash on 6 January."""
    dar, _, citizen = payments_ready(api_settings)
    receipts: dict[str, list[str]] = {"STEG": [], "SONEDE": []}
    for partner, reference in (("STEG", "4001-2333"), ("STEG", "4001-2334"), ("SONEDE", "77-1")):
        request = bill_request(dar, citizen, partner)
        outcome = pay_cash(dar, request, reference, f"cash-{reference}")
        receipts[partner].append(outcome.values["receipt"])
    with served(api_settings, dar) as client:
        yield Day(client, dar, api_settings, receipts, citizen)


def millimes(amount: str) -> int:
    """A Money string as millimes (the test's own arithmetic, not Dar's)."""
    sign = -1 if amount.startswith("-") else 1
    dinars, _, decimals = amount.lstrip("-").partition(".")
    return sign * (int(dinars) * 1000 + int(decimals.ljust(3, "0")))


def _line(receipt: str, millimes: int, theirs: str = "") -> str:
    return f"2026-01-06,haidra,{receipt},capture,{millimes},{theirs}\n"


def _clean_statement(d: Day) -> str:
    steg = d.dar.settlement.remittances("STEG", ["haidra"], DAY, DAY)
    entries = [e for r in steg for e in d.dar.settlement.entries(r)]
    return HEADER + "".join(_line(e.reference, e.amount.millimes, "S-1") for e in entries)


def test_the_supervisor_closes_the_day_and_a_later_payment_goes_into_the_next(day: Day) -> None:
    closed = day.close("close-steg")
    assert "errors" not in closed, closed
    fixed = closed["data"]["closeRemittance"]
    assert (fixed["entries"], fixed["refunded"]) == (2, "0.000")
    steg_total = fixed["captured"]
    again = day.close("close-steg")
    assert again["data"]["closeRemittance"]["replayed"] is True
    assert error_codes(day.close("close-steg-2")) == ["REMITTANCE_CLOSED"]
    assert error_codes(day.close("close-ahead", day="2026-01-07")) == ["REMITTANCE_DAY_AHEAD"]

    late = bill_request(day.dar, day.citizen, "STEG")
    pay_cash(day.dar, late, "4001-2399", "cash-late")  # same evening, after the close
    found = day.ok(
        REMITTANCES,
        day.token(Role.SUPERVISOR),
        **{"p": "STEG", "from": "2026-01-06", "to": "2026-01-07", "h": HAIDRA},
    )["remittances"]
    assert [(r["businessDate"], r["closed"], r["entries"], r["carriedIn"]) for r in found] == [
        ("2026-01-06", True, 2, 0),
        ("2026-01-07", False, 1, 1),
    ]
    assert found[0]["net"] == steg_total


def test_a_clean_statement_matches_to_the_millime_and_twice_changes_nothing(day: Day) -> None:
    text = _clean_statement(day)
    first = day.statement("import-1", text)["data"]["importStatement"]
    assert (first["lines"], first["days"], first["alreadyImported"]) == (2, 1, False)
    partner = day.token(Role.PARTNER, partner="STEG")
    second = day.statement("import-2", text, partner)["data"]["importStatement"]
    assert second["id"] == first["id"]
    assert second["alreadyImported"] is True
    found = day.reconciliation()
    assert found["clean"] is True
    assert found["difference"] == "0.000"
    assert (found["matched"], found["missing"], found["duplicate"], found["mismatched"]) == (
        2, 0, 0, 0,
    )  # fmt: skip
    assert found["statementId"] == first["id"]


def test_a_faulty_statement_is_flagged_line_by_line(day: Day) -> None:
    first, second = day.receipts["STEG"]
    text = HEADER + _line(first, 174_000) + _line(first, 174_000) + _line("HAIDRA-2026-X", 5)
    assert "errors" not in day.statement("faulty", text)
    found = day.reconciliation()
    statuses = [(x["status"], x["reference"], x["line"]) for x in found["lines"]]
    assert statuses == [
        ("MISMATCHED", first, 2),
        ("DUPLICATE", first, 3),
        ("UNEXPECTED", "HAIDRA-2026-X", 4),
        ("MISSING", second, None),
    ]
    assert found["clean"] is False
    stated = 174_000 + 174_000 + 5  # the duplicate counts: the partner says it twice
    assert millimes(found["statementTotal"]) == stated
    assert millimes(found["difference"]) == stated - millimes(found["recordedTotal"])


def test_refusals_are_typed_and_change_nothing(day: Day) -> None:
    before = day.dar.store.position()
    assert error_codes(day.statement("bad", "a,b\n1,2\n")) == ["INVALID_STATEMENT"]
    crlf = HEADER.replace("\n", "\r\n") + _line(day.receipts["STEG"][0], 1)
    assert error_codes(day.statement("crlf", crlf)) == ["VALIDATION"]
    sonede = day.token(Role.PARTNER, partner="SONEDE")
    assert error_codes(day.statement("theirs", _clean_statement(day), sonede)) == ["FORBIDDEN"]
    asked = {"p": "STEG", "from": "2026-01-01", "to": "2026-06-30"}
    assert error_codes(day.run(REMITTANCES, day.token(Role.ADMIN), **asked)) == ["VALIDATION"]
    other = {"p": "STEG", "d": "2026-01-06"}
    assert error_codes(day.run(RECONCILIATION, sonede, **other)) == ["NOT_FOUND"]
    given = {
        "commandId": "c",
        "houseId": HAIDRA,
        "partnerCode": "STEG",
        "businessDate": "2026-01-06",
    }
    assert error_codes(day.run(CLOSE, day.token(Role.AGENT), input=given)) == ["FORBIDDEN"]
    assert day.dar.store.position() == before
