"""Commands of the houses context: houses, counters, service lines and agents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from application.commands import Command


@dataclass(frozen=True)
class RegisterHouse(Command):
    """Register a services house."""

    code: str
    name_ar: str
    name_fr: str
    municipality: str
    governorate: str


@dataclass(frozen=True)
class AddCounter(Command):
    """Add a numbered counter to a house."""

    house_code: str
    number: int
    label: str


@dataclass(frozen=True)
class OpenCounter(Command):
    """An agent takes a counter of their own house."""

    house_code: str
    number: int
    employee_number: str


@dataclass(frozen=True)
class CloseCounter(Command):
    """The agent leaves the counter it holds, or the house's supervisor or an admin closes it.

    `agent` is the employee number of the agent leaving, who must hold the counter when the
    closing is decided; None when a supervisor or an administrator closes it, whoever holds it.
    """

    house_code: str
    number: int
    agent: str | None


@dataclass(frozen=True)
class AddServiceLine(Command):
    """A new queue in a house."""

    house_code: str
    prefix: str
    name: str
    services: tuple[str, ...]
    priority: bool


@dataclass(frozen=True)
class ChangeServiceLine(Command):
    """Change what a line serves, or its priority rule."""

    house_code: str
    prefix: str
    services: tuple[str, ...]
    priority: bool


@dataclass(frozen=True)
class EnrollAgent(Command):
    """Enrol an agent in a house."""

    employee_number: str
    house_code: str
    display_name: str


@dataclass(frozen=True)
class AccreditAgent(Command):
    """Accredit an agent for a partner until a day."""

    employee_number: str
    partner_code: str
    expires_on: date


@dataclass(frozen=True)
class RevokeAccreditation(Command):
    """Withdraw an agent's accreditation for a partner."""

    employee_number: str
    partner_code: str
    reason: str


@dataclass(frozen=True)
class DeactivateAgent(Command):
    """The agent leaves the service."""

    employee_number: str
    reason: str


@dataclass(frozen=True)
class SetOpeningHours(Command):
    """A house's own hours for a season (normal, ramadan, summer), as HH:MM."""

    house_code: str
    season: str
    opens: str
    closes: str


@dataclass(frozen=True)
class AddLocalHoliday(Command):
    """A day a house is closed, beyond the national holidays."""

    house_code: str
    day: date
    name: str


@dataclass(frozen=True)
class HouseChanged:
    """The house a command registered or changed."""

    house_id: UUID

    @property
    def id(self) -> UUID:
        """The object's id."""
        return self.house_id


@dataclass(frozen=True)
class AgentChanged:
    """The agent a command enrolled or changed."""

    agent_id: UUID

    @property
    def id(self) -> UUID:
        """The object's id."""
        return self.agent_id
