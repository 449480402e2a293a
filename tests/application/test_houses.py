"""Houses, counters, lines and agents, on both stores."""

from __future__ import annotations

from datetime import date

import pytest

from api.bootstrap import Dar
from application.houses.commands import (
    AccreditAgent,
    AddLocalHoliday,
    AddServiceLine,
    ChangeServiceLine,
    CloseCounter,
    DeactivateAgent,
    EnrollAgent,
    OpenCounter,
    RegisterHouse,
    SetOpeningHours,
)
from application.houses.service import AgentOfAnotherHouseError
from domain.houses.agent import AgentDeactivatedError
from domain.houses.house import CounterStateError
from domain.shared.errors import AlreadyExistsError, NotFoundError, ValidationError
from tests.support.clock import TestClock
from tests.support.spec import Scenario

STAFFED = "delegation/haidra_staffed.yaml"


def register(code: str, governorate: str = "Kasserine") -> RegisterHouse:
    return RegisterHouse(
        command_id=f"reg-{code}",
        actor="admin:1",
        code=code,
        name_ar="دار الخدمات",
        name_fr=f"Maison {code}",
        municipality=code.title(),
        governorate=governorate,
    )


def open_counter(number: int, employee: str, key: str = "o") -> OpenCounter:
    return OpenCounter(
        command_id=key,
        actor=f"agent:{employee}",
        house_code="haidra",
        number=number,
        employee_number=employee,
    )


def test_a_house_is_registered_once_in_a_known_governorate(dar: Dar) -> None:
    dar.houses.register_house(register("sbeitla"))
    with pytest.raises(AlreadyExistsError):
        dar.houses.register_house(
            register("sbeitla").__class__(**{**vars(register("sbeitla")), "command_id": "again"})
        )
    with pytest.raises(ValidationError, match="governorate"):
        dar.houses.register_house(register("atlantis", governorate="Atlantis"))


def test_an_agent_holds_one_counter_of_its_own_house(dar: Dar, clock: TestClock) -> None:
    Scenario(dar, clock).given(STAFFED)
    dar.houses.register_house(register("sbeitla"))
    dar.houses.enroll_agent(
        EnrollAgent(
            command_id="e",
            actor="admin:1",
            employee_number="B01",
            house_code="sbeitla",
            display_name="B",
        )
    )
    with pytest.raises(AgentOfAnotherHouseError):
        dar.houses.open_counter(open_counter(1, "B01"))
    dar.houses.open_counter(open_counter(1, "A17"))
    with pytest.raises(CounterStateError, match="already open"):
        dar.houses.open_counter(open_counter(1, "A18", key="o2"))
    with pytest.raises(NotFoundError):
        dar.houses.open_counter(open_counter(7, "A18", key="o3"))
    dar.counter.close_counter(
        CloseCounter(command_id="c", actor="agent:A17", house_code="haidra", number=1, agent="A17")
    )
    with pytest.raises(CounterStateError, match="not open"):
        dar.counter.close_counter(
            CloseCounter(
                command_id="c2", actor="agent:A17", house_code="haidra", number=1, agent="A17"
            )
        )


def test_service_lines_are_added_and_changed(dar: Dar, clock: TestClock) -> None:
    Scenario(dar, clock).given(STAFFED)
    dar.houses.add_service_line(
        AddServiceLine(
            command_id="l",
            actor="admin:1",
            house_code="haidra",
            prefix="A",
            name="Factures",
            services=("STEG/BILL_PAYMENT",),
            priority=False,
        )
    )
    with pytest.raises(AlreadyExistsError):
        dar.houses.add_service_line(
            AddServiceLine(
                command_id="l2",
                actor="admin:1",
                house_code="haidra",
                prefix="A",
                name="Autre",
                services=("X",),
                priority=False,
            )
        )
    dar.houses.change_service_line(
        ChangeServiceLine(
            command_id="c",
            actor="admin:1",
            house_code="haidra",
            prefix="A",
            services=("STEG/BILL_PAYMENT", "SONEDE/BILL_PAYMENT"),
            priority=True,
        )
    )
    line = dar.houses.house("haidra").lines["A"]
    assert (line.services, line.priority) == (
        frozenset({"STEG/BILL_PAYMENT", "SONEDE/BILL_PAYMENT"}),
        True,
    )


def test_a_deactivated_agent_is_accredited_no_more(dar: Dar, clock: TestClock) -> None:
    Scenario(dar, clock).given(STAFFED)
    dar.houses.deactivate_agent(
        DeactivateAgent(command_id="d", actor="admin:1", employee_number="A18", reason="left")
    )
    with pytest.raises(AgentDeactivatedError):
        dar.houses.accredit_agent(
            AccreditAgent(
                command_id="a",
                actor="admin:1",
                employee_number="A18",
                partner_code="STEG",
                expires_on=date(2026, 6, 30),
            )
        )
    with pytest.raises(AgentOfAnotherHouseError):
        dar.houses.open_counter(open_counter(1, "A18"))


def test_a_house_keeps_its_own_hours_and_holidays_over_the_national_calendar(
    dar: Dar, clock: TestClock
) -> None:
    Scenario(dar, clock).given(STAFFED)
    national = dar.houses.calendar("haidra")
    dar.houses.set_opening_hours(
        SetOpeningHours(
            command_id="h",
            actor="admin:1",
            house_code="haidra",
            season="summer",
            opens="07:00",
            closes="13:00",
        )
    )
    dar.houses.add_local_holiday(
        AddLocalHoliday(
            command_id="f",
            actor="admin:1",
            house_code="haidra",
            day=date(2026, 6, 5),
            name="Festival de Haidra",
        )
    )
    calendar = dar.houses.calendar("haidra")
    assert national.is_working_day(date(2026, 6, 5))
    assert not calendar.is_working_day(date(2026, 6, 5))  # a Friday, the local feast
    summer = calendar.opening_hours(date(2026, 7, 15))
    assert summer is not None
    assert (summer.opens.hour, summer.closes.hour) == (7, 13)
    assert calendar.add_working_days(date(2026, 6, 4), 1) == date(2026, 6, 8)
    with pytest.raises(ValidationError, match="closes after"):
        dar.houses.set_opening_hours(
            SetOpeningHours(
                command_id="h2",
                actor="admin:1",
                house_code="haidra",
                season="normal",
                opens="17:00",
                closes="08:00",
            )
        )
    with pytest.raises(AlreadyExistsError):
        dar.houses.add_local_holiday(
            AddLocalHoliday(
                command_id="f2",
                actor="admin:1",
                house_code="haidra",
                day=date(2026, 6, 5),
                name="Encore",
            )
        )
