"""Every change to a grant and every refusal, as given-when-then specifications over fixtures."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from uuid import UUID

import pytest

from api.bootstrap import Dar
from application.delegation.commands import (
    AmendDelegation,
    ReinstateDelegation,
    RenewDelegation,
    RevokeDelegation,
    SuspendDelegation,
)
from application.store import Outcome
from domain.shared.errors import InvalidTransitionError, ValidationError
from infrastructure.fixtures.model import Ref
from tests.support.clock import TestClock
from tests.support.spec import Scenario

HISTORY = ("delegation/haidra_staffed.yaml", "delegation/steg_granted.yaml")
Action = Callable[[Dar, UUID], Outcome]


def suspend(key: str = "suspend-1") -> Action:
    return lambda d, g: d.delegations.suspend(
        SuspendDelegation(
            command_id=key, actor="admin:2", grant_id=g, reason="audit of the collections"
        )
    )


def reinstate(key: str = "reinstate-1") -> Action:
    return lambda d, g: d.delegations.reinstate(
        ReinstateDelegation(command_id=key, actor="admin:2", grant_id=g)
    )


def renew(ends_on: date = date(2027, 12, 31)) -> Action:
    return lambda d, g: d.delegations.renew(
        RenewDelegation(
            command_id="renew-1",
            actor="admin:2",
            grant_id=g,
            ends_on=ends_on,
            convention_reference="CONV-STEG-2027",
            convention_version="1",
            signed_on=date(2026, 11, 30),
        )
    )


def revoke(key: str = "revoke-1") -> Action:
    return lambda d, g: d.delegations.revoke(
        RevokeDelegation(
            command_id=key, actor="admin:2", grant_id=g, reason="convention terminated"
        )
    )


def amend(added: tuple[str, ...], removed: tuple[str, ...], key: str = "amend-1") -> Action:
    return lambda d, g: d.delegations.amend(
        AmendDelegation(command_id=key, actor="admin:2", grant_id=g, added=added, removed=removed)
    )


def history(dar: Dar, clock: TestClock, *extra: str) -> tuple[Scenario, UUID]:
    scenario = Scenario(dar, clock).given(*HISTORY, *extra)
    return scenario, scenario.symbols.resolve(Ref("grant-steg"))


@pytest.mark.parametrize(
    ("before", "at", "action", "expected"),
    [
        ((), "day 3 10:00", suspend(), "delegation/steg_suspended.yaml"),
        (
            ("delegation/steg_suspended.yaml",),
            "day 4 10:00",
            reinstate(),
            "delegation/steg_reinstated.yaml",
        ),
        ((), "day 3 10:00", renew(), "delegation/steg_renewed.yaml"),
        ((), "day 3 10:00", revoke(), "delegation/steg_revoked.yaml"),
        (
            (),
            "day 3 10:00",
            amend(("INSTALMENT_PLAN",), ("DUPLICATE",)),
            "delegation/steg_amended.yaml",
        ),
    ],
    ids=["suspend", "reinstate", "renew", "revoke", "amend"],
)
def test_a_grant_changes(
    dar: Dar, clock: TestClock, before: tuple[str, ...], at: str, action: Action, expected: str
) -> None:
    scenario, grant = history(dar, clock, *before)
    scenario.at(at).when(lambda d: action(d, grant)).then(expected)


@pytest.mark.parametrize(
    ("before", "at", "action", "refusal"),
    [
        ((), "day 3 10:00", reinstate(), InvalidTransitionError),
        (
            ("delegation/steg_suspended.yaml",),
            "day 3 11:00",
            suspend("suspend-2"),
            InvalidTransitionError,
        ),
        (("delegation/steg_suspended.yaml",), "day 400 09:00", reinstate(), InvalidTransitionError),
        ((), "day 3 10:00", renew(date(2026, 6, 30)), ValidationError),
        ((), "day 3 10:00", amend(("BILL_PAYMENT",), ()), ValidationError),
        ((), "day 3 10:00", amend((), ("NEW_CONNECTION",)), ValidationError),
        ((), "day 3 10:00", amend((), ("BILL_PAYMENT", "DUPLICATE")), ValidationError),
        (
            ("delegation/steg_revoked.yaml",),
            "day 4 10:00",
            suspend("suspend-3"),
            InvalidTransitionError,
        ),
        (
            ("delegation/steg_revoked.yaml",),
            "day 4 10:00",
            revoke("revoke-2"),
            InvalidTransitionError,
        ),
    ],
    ids=[
        "reinstate-an-active-grant",
        "suspend-twice",
        "reinstate-an-expired-grant",
        "renew-shorter",
        "add-a-delegated-service",
        "remove-an-absent-service",
        "remove-every-service",
        "suspend-a-revoked-grant",
        "revoke-twice",
    ],
)
def test_a_grant_refuses(
    dar: Dar,
    clock: TestClock,
    before: tuple[str, ...],
    at: str,
    action: Action,
    refusal: type[Exception],
) -> None:
    scenario, grant = history(dar, clock, *before)
    scenario.at(at).when(lambda d: action(d, grant)).then_raises(refusal)
