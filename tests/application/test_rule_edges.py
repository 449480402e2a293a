"""Rules at their edges, through the application services, on both stores.

Each test here guards a rule that a one-character change would break unnoticed by the rest of the
suite: the collection ceiling exactly at its value and one millime above it; an agent accredited
at another house acting at this one; a counter calling across several lines where the best ticket
waits in the second.
"""

from __future__ import annotations

from collections.abc import Iterator
from uuid import UUID

import pytest

from api.bootstrap import Dar
from application.counter.commands import CallNextTicket, EndVisit, IssueTicket
from application.payments.commands import InitiatePayment, RecordCashPayment
from application.payments.ports import BillDue
from domain.delegation.policy import AboveCeilingError, AgentNotAccreditedError
from domain.partners.partner import partner_id
from domain.shared.money import Money
from infrastructure.settings import Settings
from tests.support.clock import TestClock
from tests.support.payments import bill_request, pay_cash, payment_of, payments_ready
from tests.support.spec import Scenario

CEILING = 500_000  # the STEG and SONEDE grants of payments/payments_ready.yaml
BILLS = {"5000-0": CEILING, "5000-1": CEILING + 1}


class CeilingBiller:
    """Bills due exactly at the grant's ceiling, and one millime above it."""

    def inquire(self, partner_code: str, reference: str) -> BillDue:
        return BillDue(partner_code, reference, Money(BILLS[reference]), "2026-01", None)


@pytest.fixture
def at_the_ceiling(store_settings: Settings) -> Iterator[tuple[Dar, UUID]]:
    dar, _, citizen = payments_ready(store_settings, biller=CeilingBiller())
    try:
        yield dar, citizen
    finally:
        dar.close()


def test_a_bill_exactly_at_the_ceiling_is_collected_in_cash_and_by_card(
    at_the_ceiling: tuple[Dar, UUID],
) -> None:
    dar, citizen = at_the_ceiling
    cash = payment_of(dar, pay_cash(dar, bill_request(dar, citizen), "5000-0", "cash"))
    assert cash.captured == Money(CEILING)
    request = bill_request(dar, citizen, "SONEDE")
    card = InitiatePayment("card", "agent:A17", "haidra", request, "A17", "card", "5000-0")
    assert payment_of(dar, dar.payments.initiate(card)).amount == Money(CEILING)


def test_a_bill_one_millime_above_the_ceiling_is_refused_and_nothing_recorded(
    at_the_ceiling: tuple[Dar, UUID],
) -> None:
    dar, citizen = at_the_ceiling
    request = bill_request(dar, citizen)
    before = dar.store.position()
    with pytest.raises(AboveCeilingError):
        pay_cash(dar, request, "5000-1", "cash")
    card = InitiatePayment("card", "agent:A17", "haidra", request, "A17", "card", "5000-1")
    with pytest.raises(AboveCeilingError):
        dar.payments.initiate(card)
    assert dar.store.position() == before


@pytest.mark.parametrize(("millimes", "allowed"), [(CEILING, True), (CEILING + 1, False)])
def test_the_policy_answers_at_the_ceiling_and_one_millime_above(
    at_the_ceiling: tuple[Dar, UUID], millimes: int, *, allowed: bool
) -> None:
    dar, _ = at_the_ceiling
    question = {
        "house_code": "haidra",
        "employee_number": "A17",
        "partner_code": "STEG",
        "service_code": "BILL_PAYMENT",
        "amount_millimes": millimes,
    }
    if allowed:
        assert dar.policy.may_perform(**question).grant_version >= 1  # type: ignore[arg-type]
    else:
        with pytest.raises(AboveCeilingError):
            dar.policy.may_perform(**question)  # type: ignore[arg-type]


@pytest.fixture
def with_thala(store_settings: Settings) -> Iterator[tuple[Dar, UUID]]:
    """Haidra ready to take payments, and T01: Thala's agent, accredited for STEG and SONEDE."""
    clock = TestClock()
    dar, _, citizen = payments_ready(store_settings, clock)
    try:
        Scenario(dar, clock).given("delegation/thala_staffed.yaml")
        yield dar, citizen
    finally:
        dar.close()


def test_an_agent_of_another_house_is_refused_by_the_policy_though_accredited(
    with_thala: tuple[Dar, UUID],
) -> None:
    dar, _ = with_thala
    t01 = dar.houses.agent("T01")
    assert t01.accredited_at(partner_id("STEG"), dar.clock.now())  # only the house is wrong
    with pytest.raises(AgentNotAccreditedError):
        dar.policy.may_perform(
            house_code="haidra",
            employee_number="T01",
            partner_code="STEG",
            service_code="BILL_PAYMENT",
        )


def test_an_agent_of_another_house_cannot_collect_at_this_one(
    with_thala: tuple[Dar, UUID],
) -> None:
    dar, citizen = with_thala
    request = bill_request(dar, citizen)
    before = dar.store.position()
    cash = RecordCashPayment("cash", "agent:T01", "haidra", request, "T01", "4001-2333")
    with pytest.raises(AgentNotAccreditedError):
        dar.payments.record_cash(cash)
    card = InitiatePayment("card", "agent:T01", "haidra", request, "T01", "card", "4001-2333")
    with pytest.raises(AgentNotAccreditedError):
        dar.payments.initiate(card)
    assert dar.store.position() == before


OPEN = ("delegation/haidra_staffed.yaml", "counter/haidra_open.yaml")


def issue(dar: Dar, prefix: str, priority: str | None = None) -> str:
    command = IssueTicket(f"issue-{dar.store.position()}", "kiosk:1", "haidra", prefix, priority)
    return dar.counter.issue_ticket(command).values["ticket"]


def call_next(dar: Dar, key: str, prefixes: tuple[str, ...] = ()) -> str:
    command = CallNextTicket(key, "agent:A17", "haidra", 1, "A17", prefixes)
    return dar.counter.call_next(command).values["ticket"]


@pytest.mark.parametrize("prefixes", [(), ("A", "B")], ids=["every-line", "lines-named"])
def test_a_counter_on_several_lines_calls_the_longest_wait_though_it_is_in_the_second_line(
    dar: Dar, clock: TestClock, prefixes: tuple[str, ...]
) -> None:
    scenario = Scenario(dar, clock).given(*OPEN).at("day 2 08:00")
    first = issue(dar, "B")
    scenario.at("day 2 08:05")
    issue(dar, "A")
    assert first == "B001"
    assert call_next(dar, "call", prefixes) == "B001"


@pytest.mark.parametrize("prefixes", [(), ("A", "B")], ids=["every-line", "lines-named"])
def test_a_counter_on_several_lines_calls_a_priority_ticket_of_the_second_line_first(
    dar: Dar, clock: TestClock, prefixes: tuple[str, ...]
) -> None:
    scenario = Scenario(dar, clock).given(*OPEN).at("day 2 08:00")
    issue(dar, "A")
    issue(dar, "A")
    scenario.at("day 2 08:05")
    issue(dar, "B", "pregnant")
    called = [call_next(dar, "call-1", prefixes)]
    scenario.at("day 2 08:10")
    dar.counter.end_visit(EndVisit("end", "agent:A17", "haidra", called[0]))
    called.append(call_next(dar, "call-2", prefixes))
    assert called == ["B001", "A001"]
