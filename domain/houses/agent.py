"""A single-interlocutor agent: employed by a house, accredited partner by partner."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from domain.shared.acts import Act, DarAggregate
from domain.shared.errors import DarError, NotFoundError, ValidationError
from domain.shared.ids import natural_id
from domain.shared.time import tunis_day

_EMPLOYEE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,29}$")


class AgentDeactivatedError(DarError):
    """The agent has been deactivated: nothing more may be recorded for them."""

    code = "AGENT_DEACTIVATED"


def agent_id(employee_number: str) -> UUID:
    """Agents are known by their employee number."""
    if not _EMPLOYEE.match(employee_number):
        raise ValidationError("employeeNumber", "2 to 30 capital letters, digits or '-'")
    return natural_id("agent", employee_number)


@dataclass(frozen=True)
class Accreditation:
    """The right to act for one partner, until a day (included)."""

    partner_id: UUID
    expires_on: date


class Agent(DarAggregate):
    """An agent of one house."""

    class Enrolled(DarAggregate.Created):
        employee_number: str
        house_id: UUID
        display_name: str

    class Accredited(DarAggregate.Event):
        partner_id: UUID
        expires_on: date

        def apply(self, aggregate: Agent) -> None:
            """A new (or renewed) accreditation for the partner."""
            aggregate.accreditations[self.partner_id] = Accreditation(
                self.partner_id, self.expires_on
            )

    class AccreditationRevoked(DarAggregate.Event):
        partner_id: UUID
        reason: str

        def apply(self, aggregate: Agent) -> None:
            """No more acts for that partner."""
            del aggregate.accreditations[self.partner_id]

    class Deactivated(DarAggregate.Event):
        reason: str

        def apply(self, aggregate: Agent) -> None:
            """The agent may no longer act, nor sign in."""
            aggregate.active = False

    def __init__(self, employee_number: str, house_id: UUID, display_name: str) -> None:
        self.employee_number = employee_number
        self.house_id = house_id
        self.display_name = display_name
        self.accreditations: dict[UUID, Accreditation] = {}
        self.active = True

    @classmethod
    def enroll(cls, *, employee_number: str, house_id: UUID, display_name: str, act: Act) -> Agent:
        """Enrol an agent of a house."""
        if not display_name.strip() or len(display_name) > 100:
            raise ValidationError("displayName", "must be 1 to 100 characters")
        return cls._create(
            cls.Enrolled,
            id=agent_id(employee_number),
            timestamp=act.at,
            actor=act.actor,
            command_id=act.command_id,
            employee_number=employee_number,
            house_id=house_id,
            display_name=display_name.strip(),
        )

    def accredit(self, partner_id: UUID, expires_on: date, act: Act) -> None:
        """Accredit for a partner until `expires_on` (included); replaces an earlier one."""
        self._refuse_if_inactive()
        if expires_on < tunis_day(act.at):
            raise ValidationError("expiresOn", "an accreditation cannot end in the past")
        current = self.accreditations.get(partner_id)
        if current is not None and current.expires_on == expires_on:
            raise ValidationError("expiresOn", "the agent is already accredited until then")
        self._record(self.Accredited, act, partner_id=partner_id, expires_on=expires_on)

    def revoke_accreditation(self, partner_id: UUID, reason: str, act: Act) -> None:
        """Withdraw the accreditation for a partner."""
        if partner_id not in self.accreditations:
            raise NotFoundError("the agent holds no accreditation for this partner")
        if not reason.strip() or len(reason) > 500:
            raise ValidationError("reason", "must be 1 to 500 characters")
        self._record(self.AccreditationRevoked, act, partner_id=partner_id, reason=reason.strip())

    def deactivate(self, reason: str, act: Act) -> None:
        """The agent leaves: their tokens are refused from now on."""
        self._refuse_if_inactive()
        if not reason.strip() or len(reason) > 500:
            raise ValidationError("reason", "must be 1 to 500 characters")
        self._record(self.Deactivated, act, reason=reason.strip())

    def accredited_at(self, partner_id: UUID, moment: datetime) -> bool:
        """Active, and accredited for the partner on the Tunis day of `moment`."""
        held = self.accreditations.get(partner_id)
        return self.active and held is not None and tunis_day(moment) <= held.expires_on

    def _refuse_if_inactive(self) -> None:
        if not self.active:
            raise AgentDeactivatedError("the agent has been deactivated")
