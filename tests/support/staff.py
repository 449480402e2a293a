"""House staff for API tests: a house and enrolled agents, so that staff tokens pass the gate."""

from __future__ import annotations

from api.auth import Role, TokenService
from api.bootstrap import Dar
from application.houses.commands import EnrollAgent, RegisterHouse
from infrastructure.settings import Settings

HOUSE = "haidra"


def ensure_house(dar: Dar, code: str = HOUSE) -> None:
    """Register the house once (a retry of the same command is a no-op)."""
    dar.houses.register_house(
        RegisterHouse(
            command_id=f"test-house-{code}",
            actor="admin:test",
            code=code,
            name_ar="دار الخدمات",
            name_fr=f"Maison de services {code}",
            municipality=code.title(),
            governorate="Kasserine",
        )
    )


def staff_token(dar: Dar, settings: Settings, role: Role, employee: str = "") -> str:
    """A token of an enrolled, active agent (or supervisor) of the test house."""
    ensure_house(dar)
    number = employee or f"T-{role.value.upper()}"
    dar.houses.enroll_agent(
        EnrollAgent(
            command_id=f"enrol-{number}",
            actor="admin:test",
            employee_number=number,
            house_code=HOUSE,
            display_name=number,
        )
    )
    return TokenService(settings).mint(number, role, house=HOUSE)
