"""Catalogue rules as given-when-then specifications over fixtures, on both stores."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from api.bootstrap import Dar
from application.catalogue.commands import ChangeServiceFee, WithdrawService
from application.store import Outcome
from domain.catalogue.service import ServiceWithdrawnError
from domain.shared.errors import NotFoundError, ValidationError
from tests.support.clock import TestClock
from tests.support.spec import Scenario

PUBLISHED = "catalogue/stamp_published.yaml"
Action = Callable[[Dar], Outcome]


def change_fee(rule: str, millimes: int | None, code: str = "FISCAL_STAMP") -> Action:
    return lambda d: d.catalogue.change_fee(
        ChangeServiceFee(
            command_id=f"fee-{rule}-{millimes}",
            actor="admin:1",
            partner_code="RECETTE_FINANCES",
            code=code,
            fee_rule=rule,
            fee_millimes=millimes,
        )
    )


def withdraw(key: str = "w") -> Action:
    return lambda d: d.catalogue.withdraw(
        WithdrawService(
            command_id=key,
            actor="admin:1",
            partner_code="RECETTE_FINANCES",
            code="FISCAL_STAMP",
            reason="sold online only",
        )
    )


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        (change_fee("fixed", 40_000), "catalogue/stamp_fee_changed.yaml"),
        (withdraw(), "catalogue/stamp_withdrawn.yaml"),
    ],
    ids=["change-fee", "withdraw"],
)
def test_a_service_changes(dar: Dar, clock: TestClock, action: Action, expected: str) -> None:
    Scenario(dar, clock).given(PUBLISHED).at("day 2 09:00").when(action).then(expected)


@pytest.mark.parametrize(
    ("given", "action", "refusal"),
    [
        ((), change_fee("fixed", 30_000), ValidationError),
        ((), change_fee("fixed", None), ValidationError),
        ((), change_fee("none", 5), ValidationError),
        ((), change_fee("fixed", 1, code="NO_SUCH_SERVICE"), NotFoundError),
        (("catalogue/stamp_withdrawn.yaml",), change_fee("fixed", 40_000), ServiceWithdrawnError),
        (("catalogue/stamp_withdrawn.yaml",), withdraw("again"), ServiceWithdrawnError),
    ],
    ids=[
        "same-fee",
        "fixed-without-amount",
        "amount-without-fixed",
        "unknown-service",
        "change-a-withdrawn-service",
        "withdraw-twice",
    ],
)
def test_a_service_refuses(
    dar: Dar, clock: TestClock, given: tuple[str, ...], action: Action, refusal: type[Exception]
) -> None:
    Scenario(dar, clock).given(PUBLISHED, *given).at("day 2 09:00").when(action).then_raises(
        refusal
    )
