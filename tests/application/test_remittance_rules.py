"""Given-when-then specifications of remittances and statements: what is recorded, what is refused.

On SQLite and PostgreSQL; the fixtures under `tests/fixtures/remittances/` are the expected events.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from api.bootstrap import Dar
from application.settlement.commands import CloseRemittance, ImportStatement
from application.store import Outcome
from domain.payments.remittance import RemittanceClosedError, RemittanceDayAheadError
from domain.settlement.statement import InvalidStatementError
from domain.shared.errors import NotFoundError, ValidationError
from tests.application.test_payment_rules import PAID, REFUND_ASKED, approve
from tests.support.clock import TestClock
from tests.support.payments import PAYMENTS_READY
from tests.support.spec import Scenario

Action = Callable[[Dar], Outcome]
DAY = date(2026, 1, 6)  # day 2 of the fixtures
HEADER = "business_date,house_code,reference,kind,amount_millimes,partner_reference\n"
STATEMENT = HEADER + "2026-01-06,haidra,HAIDRA-2026-P000001,capture,174700,STEG-88231\n"
CLOSED = "remittances/steg_day_closed.yaml"


@pytest.fixture
def ready(dar: Dar, clock: TestClock) -> Scenario:
    return Scenario(dar, clock).given(*PAYMENTS_READY)


def close(
    partner: str = "STEG", day: date = DAY, house: str = "haidra", key: str = "close-1"
) -> Action:
    def run(d: Dar) -> Outcome:
        command = CloseRemittance(key, "supervisor:S01", house, partner, day)
        return d.settlement.close_remittance(command)

    return run


def import_statement(content: str = STATEMENT, key: str = "import-1") -> Action:
    def run(d: Dar) -> Outcome:
        command = ImportStatement(key, "admin:1", "STEG", "partner", content)
        return d.settlement.import_statement(command)

    return run


def test_closing_fixes_the_days_captures(ready: Scenario) -> None:
    ready.given(*PAID).at("day 2 17:30").when(close()).then(CLOSED)


def test_closing_fixes_captured_less_refunded(ready: Scenario) -> None:
    ready.given(*REFUND_ASKED, "payments/steg_refund_paid.yaml").at("day 2 17:30")
    ready.when(close()).then("remittances/steg_refunded_day_closed.yaml")


def test_a_day_without_payments_closes_at_zero(ready: Scenario) -> None:
    ready.given(*PAID).at("day 2 17:30").when(close("SONEDE"))
    ready.then("remittances/sonede_empty_day_closed.yaml")


def test_a_refund_paid_after_the_close_goes_into_the_next_remittance(ready: Scenario) -> None:
    ready.given(*REFUND_ASKED, CLOSED).at("day 2 18:00").when(approve(ready))
    ready.then("remittances/refund_after_close.yaml")


def test_a_closed_remittance_is_not_closed_again(ready: Scenario) -> None:
    ready.given(*PAID, CLOSED).at("day 2 18:00").when(close(key="close-2"))
    ready.then_raises(RemittanceClosedError)


def test_a_day_is_not_closed_before_it_starts(ready: Scenario) -> None:
    ready.given(*PAID).at("day 2 23:59").when(close(day=date(2026, 1, 7)))
    ready.then_raises(RemittanceDayAheadError)


@pytest.mark.parametrize(
    ("partner", "house", "error"),
    [
        pytest.param("ONAS", "haidra", NotFoundError, id="an-unknown-partner"),
        pytest.param("STEG", "sbeitla", NotFoundError, id="an-unknown-house"),
        pytest.param("steg", "haidra", ValidationError, id="a-malformed-partner-code"),
    ],
)
def test_closing_is_refused_for(
    ready: Scenario, partner: str, house: str, error: type[Exception]
) -> None:
    ready.given(*PAID).at("day 2 17:30").when(close(partner, house=house)).then_raises(error)


def test_a_statement_is_kept_by_its_content_and_its_lines_by_day(ready: Scenario) -> None:
    ready.given(*PAID).at("day 3 09:00").when(import_statement())
    ready.then("remittances/steg_statement.yaml")


def test_the_same_statement_imported_again_records_nothing(ready: Scenario) -> None:
    ready.given(*PAID).at("day 3 09:00").given_command(import_statement())
    ready.at("day 3 10:00").when(import_statement(key="import-2"))
    assert ready.new_events() == []
    assert getattr(ready.result, "value").already == 1  # noqa: B009 - the outcome's value


@pytest.mark.parametrize(
    "content",
    [
        pytest.param("date,amount\n2026-01-06,1\n", id="another-header"),
        pytest.param(HEADER, id="no-line"),
        pytest.param(HEADER + "2026-01-06,haidra,R-1,capture,12.5,\n", id="dinars-not-millimes"),
        pytest.param(HEADER + "2026-01-06,haidra,R-1,capture,-5,\n", id="a-signed-amount"),
        pytest.param(HEADER + "06/01/2026,haidra,R-1,capture,5,\n", id="a-french-date"),
        pytest.param(HEADER + "2026-01-06,haidra,R-1,payment,5,\n", id="an-unknown-kind"),
        pytest.param(HEADER + "2026-01-06,haidra,R-1,capture,5\n", id="a-column-short"),
        pytest.param(HEADER + '2026-01-06,haidra,"R-1,capture,5,\n', id="an-open-quote"),
    ],
)
def test_a_statement_out_of_format_is_refused(ready: Scenario, content: str) -> None:
    ready.given(*PAID).at("day 3 09:00").when(import_statement(content))
    ready.then_raises(InvalidStatementError)
