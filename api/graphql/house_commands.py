"""The mutations of houses, counters, lines, agents and the catalogue, on the one pipeline.

Each input turns itself into its command; house staff name only their own house and its agents.
"""

from __future__ import annotations

from datetime import date

import strawberry

from api.auth import Role
from api.graphql.caller import Caller
from api.graphql.enums import FeeRule, Mode, Season
from api.graphql.pipeline import (
    CommandResult,
    InHouse,
    OfAgent,
    Submission,
    admin_mutation,
    mutation,
)
from application.catalogue.commands import (
    ChangeServiceFee,
    PublishService,
    ServiceChanged,
    WithdrawService,
)
from application.houses.commands import (
    AccreditAgent,
    AddCounter,
    AddLocalHoliday,
    AddServiceLine,
    AgentChanged,
    ChangeServiceLine,
    DeactivateAgent,
    EnrollAgent,
    HouseChanged,
    OpenCounter,
    RegisterHouse,
    RevokeAccreditation,
    SetOpeningHours,
)
from domain.shared.errors import ForbiddenError


@strawberry.input
class RegisterHouseInput:
    command_id: str
    code: str
    name_ar: str
    name_fr: str
    municipality: str
    governorate: str

    async def to_command(self, caller: Caller) -> Submission[RegisterHouse, HouseChanged]:
        """Register the house under its code."""
        command = caller.command(RegisterHouse, self)
        return Submission(command, caller.dar.houses.register_house)


@strawberry.input
class AddCounterInput(InHouse):
    number: int
    label: str

    async def to_command(self, caller: Caller) -> Submission[AddCounter, HouseChanged]:
        """Add the numbered counter to the house."""
        return Submission(await self.in_house(caller, AddCounter), caller.dar.houses.add_counter)


@strawberry.input(description="A counter to take, and (for an administrator) the agent taking it.")
class OpenCounterInput(InHouse):
    number: int
    agent_id: strawberry.ID | None = strawberry.field(
        default=None, description="The agent taking it (an administrator names one)."
    )

    async def to_command(self, caller: Caller) -> Submission[OpenCounter, HouseChanged]:
        """An agent takes a counter for itself only; an administrator names the agent."""
        code = await caller.house_code_of(self.house_id)
        if caller.role is Role.AGENT:
            employee = caller.principal.subject
        elif self.agent_id is not None:
            employee, _ = await caller.employee_of(self.agent_id)
        else:
            raise ForbiddenError("an administrator names the agent who takes the counter")
        command = caller.command(OpenCounter, self, house_code=code, employee_number=employee)
        return Submission(command, caller.dar.houses.open_counter)


@strawberry.input
class ServiceLineInput(InHouse):
    prefix: str
    name: str
    services: list[str]
    priority: bool

    async def to_command(self, caller: Caller) -> Submission[AddServiceLine, HouseChanged]:
        """Add the line to the house."""
        command = await self.in_house(caller, AddServiceLine)
        return Submission(command, caller.dar.houses.add_service_line)


@strawberry.input
class ChangeServiceLineInput(InHouse):
    prefix: str
    services: list[str]
    priority: bool

    async def to_command(self, caller: Caller) -> Submission[ChangeServiceLine, HouseChanged]:
        """Change the line's services and priority."""
        command = await self.in_house(caller, ChangeServiceLine)
        return Submission(command, caller.dar.houses.change_service_line)


@strawberry.input
class OpeningHoursInput(InHouse):
    season: Season
    opens: str = strawberry.field(description="HH:MM")
    closes: str = strawberry.field(description="HH:MM")

    async def to_command(self, caller: Caller) -> Submission[SetOpeningHours, HouseChanged]:
        """Set the house's own hours for the season."""
        command = await self.in_house(caller, SetOpeningHours)
        return Submission(command, caller.dar.houses.set_opening_hours)


@strawberry.input
class LocalHolidayInput(InHouse):
    day: date
    name: str

    async def to_command(self, caller: Caller) -> Submission[AddLocalHoliday, HouseChanged]:
        """Close the house on that day."""
        command = await self.in_house(caller, AddLocalHoliday)
        return Submission(command, caller.dar.houses.add_local_holiday)


@strawberry.input
class EnrollAgentInput(InHouse):
    employee_number: str
    display_name: str

    async def to_command(self, caller: Caller) -> Submission[EnrollAgent, AgentChanged]:
        """Enrol the agent in the house."""
        return Submission(await self.in_house(caller, EnrollAgent), caller.dar.houses.enroll_agent)


@strawberry.input
class AccreditAgentInput(OfAgent):
    partner_code: str
    expires_on: date

    async def to_command(self, caller: Caller) -> Submission[AccreditAgent, AgentChanged]:
        """Accredit the agent for the partner until the day."""
        command = await self.of_agent(caller, AccreditAgent)
        return Submission(command, caller.dar.houses.accredit_agent)


@strawberry.input
class RevokeAccreditationInput(OfAgent):
    partner_code: str
    reason: str

    async def to_command(self, caller: Caller) -> Submission[RevokeAccreditation, AgentChanged]:
        """Revoke the agent's accreditation for the partner."""
        command = await self.of_agent(caller, RevokeAccreditation)
        return Submission(command, caller.dar.houses.revoke_accreditation)


@strawberry.input
class DeactivateAgentInput(OfAgent):
    reason: str

    async def to_command(self, caller: Caller) -> Submission[DeactivateAgent, AgentChanged]:
        """Deactivate the agent."""
        command = await self.of_agent(caller, DeactivateAgent)
        return Submission(command, caller.dar.houses.deactivate_agent)


@strawberry.input(description="A partner's service in the catalogue, with the idempotency key.")
class OfService:
    command_id: str
    partner_code: str
    code: str


@strawberry.input
class PublishServiceInput(OfService):
    name_ar: str
    name_fr: str
    mode: Mode
    documents: list[str]
    fee_rule: FeeRule
    fee_millimes: int | None = None
    deadline_days: int | None = None

    async def to_command(self, caller: Caller) -> Submission[PublishService, ServiceChanged]:
        """Publish the partner's service."""
        command = caller.command(PublishService, self)
        return Submission(command, caller.dar.catalogue.publish)


@strawberry.input
class ChangeServiceFeeInput(OfService):
    fee_rule: FeeRule
    fee_millimes: int | None = None

    async def to_command(self, caller: Caller) -> Submission[ChangeServiceFee, ServiceChanged]:
        """Change the service's fee from now on."""
        command = caller.command(ChangeServiceFee, self)
        return Submission(command, caller.dar.catalogue.change_fee)


@strawberry.input
class WithdrawServiceInput(OfService):
    reason: str

    async def to_command(self, caller: Caller) -> Submission[WithdrawService, ServiceChanged]:
        """Withdraw the service from the catalogue."""
        command = caller.command(WithdrawService, self)
        return Submission(command, caller.dar.catalogue.withdraw)


@strawberry.type
class HouseCommands:
    register_house = admin_mutation(RegisterHouseInput, "Register a services house (admin).")
    add_counter = admin_mutation(AddCounterInput, "Add a numbered counter to a house (admin).")
    open_counter = mutation(
        OpenCounterInput,
        CommandResult,
        frozenset({Role.ADMIN, Role.AGENT}),
        "Take a counter (the agent taking it, of its own house; or admin).",
    )

    add_service_line = admin_mutation(ServiceLineInput, "Add a service line to a house (admin).")
    change_service_line = admin_mutation(ChangeServiceLineInput, "Change a service line (admin).")
    set_opening_hours = admin_mutation(
        OpeningHoursInput, "Set a house's own hours for a season (admin)."
    )
    add_local_holiday = admin_mutation(
        LocalHolidayInput, "Close a house on a day beyond the national holidays (admin)."
    )
    enroll_agent = admin_mutation(EnrollAgentInput, "Enrol an agent in a house (admin).")
    accredit_agent = admin_mutation(
        AccreditAgentInput, "Accredit an agent for a partner until a day (admin)."
    )
    revoke_accreditation = admin_mutation(
        RevokeAccreditationInput, "Revoke an agent's accreditation for a partner (admin)."
    )
    deactivate_agent = admin_mutation(
        DeactivateAgentInput, "Deactivate an agent: their tokens are refused from now on (admin)."
    )
    publish_service = admin_mutation(PublishServiceInput, "Publish a partner's service (admin).")
    change_service_fee = admin_mutation(
        ChangeServiceFeeInput, "Change a service's fee from now on (admin)."
    )
    withdraw_service = admin_mutation(
        WithdrawServiceInput, "Withdraw a service from the catalogue (admin)."
    )
