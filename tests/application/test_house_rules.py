"""House and agent rules as given-when-then specifications over fixtures, on both stores."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from api.bootstrap import Dar
from application.houses.commands import (
    AccreditAgent,
    AddCounter,
    AddServiceLine,
    ChangeServiceLine,
    CloseCounter,
    DeactivateAgent,
    OpenCounter,
    RevokeAccreditation,
)
from application.houses.service import AgentOfAnotherHouseError
from application.store import Outcome
from domain.houses.agent import AgentDeactivatedError
from domain.houses.house import CounterStateError
from domain.shared.errors import AlreadyExistsError, NotFoundError, ValidationError
from tests.support.clock import TestClock
from tests.support.spec import Scenario

STAFFED = "delegation/haidra_staffed.yaml"
Action = Callable[[Dar], Outcome]


def open_counter(employee: str, number: int = 1) -> Action:
    return lambda d: d.houses.open_counter(
        OpenCounter(
            command_id=f"open-{employee}-{number}",
            actor=f"agent:{employee}",
            house_code="haidra",
            number=number,
            employee_number=employee,
        )
    )


def close_counter(number: int = 1) -> Action:
    return lambda d: d.counter.close_counter(
        CloseCounter(
            command_id=f"close-{number}",
            actor="agent:A17",
            house_code="haidra",
            number=number,
            agent="A17",
        )
    )


def add_line(prefix: str = "A") -> Action:
    return lambda d: d.houses.add_service_line(
        AddServiceLine(
            command_id=f"line-{prefix}",
            actor="admin:1",
            house_code="haidra",
            prefix=prefix,
            name="Factures",
            services=("STEG/BILL_PAYMENT", "SONEDE/BILL_PAYMENT"),
            priority=False,
        )
    )


def change_line(prefix: str, services: tuple[str, ...], *, priority: bool) -> Action:
    return lambda d: d.houses.change_service_line(
        ChangeServiceLine(
            command_id=f"change-{prefix}",
            actor="admin:1",
            house_code="haidra",
            prefix=prefix,
            services=services,
            priority=priority,
        )
    )


def accredit(partner: str, until: date) -> Action:
    return lambda d: d.houses.accredit_agent(
        AccreditAgent(
            command_id=f"accr-{partner}",
            actor="admin:1",
            employee_number="A18",
            partner_code=partner,
            expires_on=until,
        )
    )


def revoke(partner: str) -> Action:
    return lambda d: d.houses.revoke_accreditation(
        RevokeAccreditation(
            command_id=f"rev-{partner}",
            actor="admin:1",
            employee_number="A18",
            partner_code=partner,
            reason="training lapsed",
        )
    )


def deactivate(key: str = "deact") -> Action:
    return lambda d: d.houses.deactivate_agent(
        DeactivateAgent(
            command_id=key, actor="admin:1", employee_number="A18", reason="left the service"
        )
    )


def add_counter(number: int) -> Action:
    return lambda d: d.houses.add_counter(
        AddCounter(
            command_id=f"counter-{number}",
            actor="admin:1",
            house_code="haidra",
            number=number,
            label="G",
        )
    )


@pytest.mark.parametrize(
    ("given", "at", "action", "expected"),
    [
        ((), "day 2 08:00", open_counter("A17"), "houses/counter_opened.yaml"),
        (
            ("houses/counter_opened.yaml",),
            "day 2 12:00",
            close_counter(),
            "houses/counter_closed.yaml",
        ),
        ((), "day 2 08:00", add_line(), "houses/line_added.yaml"),
        (
            ("houses/line_added.yaml",),
            "day 2 10:00",
            change_line("A", ("STEG/BILL_PAYMENT",), priority=True),
            "houses/line_changed.yaml",
        ),
        (
            (),
            "day 2 08:00",
            accredit("STEG", date(2026, 6, 30)),
            "houses/a18_accredited_for_steg.yaml",
        ),
        ((), "day 2 08:00", revoke("SONEDE"), "houses/a18_accreditation_revoked.yaml"),
        ((), "day 2 08:00", deactivate(), "houses/a18_deactivated.yaml"),
    ],
    ids=[
        "open-counter",
        "close-counter",
        "add-line",
        "change-line",
        "accredit",
        "revoke-accreditation",
        "deactivate",
    ],
)
def test_a_house_or_agent_changes(
    dar: Dar, clock: TestClock, given: tuple[str, ...], at: str, action: Action, expected: str
) -> None:
    Scenario(dar, clock).given(STAFFED, *given).at(at).when(action).then(expected)


@pytest.mark.parametrize(
    ("given", "action", "refusal"),
    [
        (("houses/counter_opened.yaml",), open_counter("A18"), CounterStateError),
        (("houses/counter_opened.yaml",), open_counter("A17", 2), NotFoundError),
        ((), close_counter(), CounterStateError),
        ((), add_counter(1), AlreadyExistsError),
        ((), add_counter(100), ValidationError),
        (("houses/line_added.yaml",), add_line("A"), AlreadyExistsError),
        ((), change_line("B", ("STEG/BILL_PAYMENT",), priority=False), NotFoundError),
        (
            ("houses/line_added.yaml",),
            change_line("A", ("SONEDE/BILL_PAYMENT", "STEG/BILL_PAYMENT"), priority=False),
            ValidationError,
        ),
        (("houses/line_added.yaml",), change_line("A", (), priority=True), ValidationError),
        ((), accredit("STEG", date(2025, 12, 31)), ValidationError),
        ((), revoke("STEG"), NotFoundError),
        (("houses/a18_deactivated.yaml",), deactivate("again"), AgentDeactivatedError),
        (
            ("houses/a18_deactivated.yaml",),
            accredit("STEG", date(2026, 6, 30)),
            AgentDeactivatedError,
        ),
        (("houses/a18_deactivated.yaml",), open_counter("A18"), AgentOfAnotherHouseError),
    ],
    ids=[
        "open-a-held-counter",
        "open-a-missing-counter",
        "close-a-closed-counter",
        "add-a-counter-twice",
        "number-a-counter-100",
        "add-a-line-twice",
        "change-a-missing-line",
        "change-a-line-to-what-it-is",
        "change-a-line-to-serve-nothing",
        "accredit-until-the-past",
        "revoke-an-absent-accreditation",
        "deactivate-twice",
        "accredit-a-deactivated-agent",
        "a-deactivated-agent-opens-a-counter",
    ],
)
def test_a_house_or_agent_refuses(
    dar: Dar, clock: TestClock, given: tuple[str, ...], action: Action, refusal: type[Exception]
) -> None:
    Scenario(dar, clock).given(STAFFED, *given).at("day 2 09:00").when(action).then_raises(refusal)
