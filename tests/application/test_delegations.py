"""Delegation grants and the policy, on both stores, as given-when-then specifications."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from threading import Barrier
from uuid import UUID, uuid4

import pytest

from api.bootstrap import Dar
from application.delegation.commands import (
    GrantDelegation,
    RevokeDelegation,
    SuspendDelegation,
)
from application.errors import ConflictError
from application.store import Decision
from domain.delegation.policy import (
    AboveCeilingError,
    AgentNotAccreditedError,
    DelegationNotInForceError,
    ServiceNotDelegatedError,
)
from domain.delegation.register import OverlappingGrantError
from domain.houses.house import House
from domain.shared.acts import Act
from tests.support.clock import TestClock
from tests.support.spec import Scenario

STAFFED = "delegation/haidra_staffed.yaml"


def grant_steg(
    grant_id: UUID | None = None,
    key: str = "grant-steg",
    starts_on: date = date(2026, 1, 1),
    ends_on: date = date(2026, 12, 31),
) -> GrantDelegation:
    return GrantDelegation(
        command_id=key,
        actor="admin:1",
        grant_id=grant_id or uuid4(),
        house_code="haidra",
        partner_code="STEG",
        convention_reference="CONV-STEG-2026",
        convention_version="1",
        signed_on=date(2025, 12, 20),
        services=("BILL_PAYMENT", "DUPLICATE"),
        starts_on=starts_on,
        ends_on=ends_on,
        may_collect=True,
        ceiling_millimes=500_000,
    )


def granted(dar: Dar, clock: TestClock) -> tuple[Scenario, UUID]:
    scenario = Scenario(dar, clock).given(STAFFED).at("day 2 09:00")
    command = grant_steg()
    scenario.when(lambda d: d.delegations.grant(command))
    return scenario, command.grant_id


def test_a_grant_records_itself_and_its_days(dar: Dar, clock: TestClock) -> None:
    scenario, _ = granted(dar, clock)
    scenario.then("delegation/steg_granted.yaml")


def test_an_overlapping_grant_is_refused(dar: Dar, clock: TestClock) -> None:
    granted(dar, clock)
    overlapping = grant_steg(key="grant-2", starts_on=date(2026, 12, 1), ends_on=date(2027, 6, 30))
    scenario = Scenario(dar, clock).when(lambda d: d.delegations.grant(overlapping))
    scenario.then_raises(OverlappingGrantError)


def test_a_following_grant_is_accepted_and_a_revoked_one_frees_its_days(
    dar: Dar, clock: TestClock
) -> None:
    _, first = granted(dar, clock)
    following = grant_steg(key="grant-2", starts_on=date(2027, 1, 1), ends_on=date(2027, 12, 31))
    dar.delegations.grant(following)
    dar.delegations.revoke(
        RevokeDelegation(command_id="rv", actor="admin:1", grant_id=first, reason="ended")
    )
    again = grant_steg(key="grant-3", starts_on=date(2026, 6, 1), ends_on=date(2026, 12, 31))
    assert not dar.delegations.grant(again).replayed


def test_of_two_concurrent_grants_exactly_one_wins(dar: Dar, clock: TestClock) -> None:
    Scenario(dar, clock).given(STAFFED)
    barrier = Barrier(4)

    def attempt(i: int) -> str:
        barrier.wait()
        try:
            dar.delegations.grant(grant_steg(key=f"g{i}"))
        except OverlappingGrantError:
            return "refused"
        return "granted"

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(attempt, range(4)))
    assert sorted(results) == ["granted", "refused", "refused", "refused"]


def test_the_policy_permits_and_names_what_it_relied_on(dar: Dar, clock: TestClock) -> None:
    _, grant_id = granted(dar, clock)
    permission = dar.policy.may_perform(
        house_code="haidra",
        employee_number="A17",
        partner_code="STEG",
        service_code="BILL_PAYMENT",
        amount_millimes=120_500,
    )
    assert permission.grant_id == grant_id
    assert permission.reads[grant_id] == 1


@pytest.mark.parametrize(
    ("employee", "service", "amount", "refusal"),
    [
        ("A17", "NEW_CONNECTION", None, ServiceNotDelegatedError),
        ("A18", "BILL_PAYMENT", None, AgentNotAccreditedError),
        ("A17", "BILL_PAYMENT", 500_001, AboveCeilingError),
    ],
)
def test_the_policy_refuses_with_the_reason(
    dar: Dar,
    clock: TestClock,
    employee: str,
    service: str,
    amount: int | None,
    refusal: type[Exception],
) -> None:
    granted(dar, clock)
    with pytest.raises(refusal):
        dar.policy.may_perform(
            house_code="haidra",
            employee_number=employee,
            partner_code="STEG",
            service_code=service,
            amount_millimes=amount,
        )


def test_a_suspended_grant_refuses_now_but_history_still_answers(
    dar: Dar, clock: TestClock
) -> None:
    _, grant_id = granted(dar, clock)
    before = clock.now()
    clock.advance(timedelta(hours=1))
    dar.delegations.suspend(
        SuspendDelegation(command_id="s", actor="admin:1", grant_id=grant_id, reason="audit")
    )
    question = {
        "house_code": "haidra",
        "employee_number": "A17",
        "partner_code": "STEG",
        "service_code": "BILL_PAYMENT",
    }
    with pytest.raises(DelegationNotInForceError, match="suspended"):
        dar.policy.may_perform(**question)  # type: ignore[arg-type]
    assert dar.policy.may_perform(**question, at=before).grant_version == 1  # type: ignore[arg-type]


def test_a_suspension_between_the_check_and_the_act_makes_the_act_fail(
    dar: Dar, clock: TestClock
) -> None:
    _, grant_id = granted(dar, clock)
    house = dar.houses.house("haidra")

    def act_at_the_counter(act: Act) -> Decision:
        permission = dar.policy.may_perform(
            house_code="haidra",
            employee_number="A17",
            partner_code="STEG",
            service_code="BILL_PAYMENT",
        )
        dar.delegations.suspend(  # the partner suspends the grant meanwhile
            SuspendDelegation(command_id="s", actor="admin:2", grant_id=grant_id, reason="audit")
        )
        fresh = dar.houses.house("haidra")
        fresh.add_counter(2, "Guichet 2", act)  # stands for any act relying on the grant
        return Decision(aggregates=[fresh], value={}, reads=permission.reads)

    before = dar.store.position()
    with pytest.raises(ConflictError):
        dar.runner.run(grant_steg(key="act-1"), act_at_the_counter)
    assert dar.store.position() == before + 1  # the suspension, and nothing of the act
    assert isinstance(house, House)
    assert 2 not in dar.houses.house("haidra").counters
