"""Houses, counters, lines, agents and the catalogue in GraphQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TypeVar
from uuid import UUID

import strawberry

from api.auth import STAFF, Role
from api.graphql.access import ACCESS
from api.graphql.commands import (
    CommandResult,
    checked_command_id,
    own_house_only,
    parse_id,
    run_command,
)
from api.graphql.context import Context, DarInfo
from api.graphql.freshness import wait_for_position
from api.graphql.scalars import Position
from application.catalogue.commands import ChangeServiceFee, PublishService, WithdrawService
from application.commands import Command
from application.houses.commands import (
    AccreditAgent,
    AddCounter,
    AddLocalHoliday,
    AddServiceLine,
    ChangeServiceLine,
    CloseCounter,
    DeactivateAgent,
    EnrollAgent,
    OpenCounter,
    RegisterHouse,
    RevokeAccreditation,
    SetOpeningHours,
)
from application.store import Outcome
from domain.houses.house import House as HouseAggregate
from domain.shared.errors import ForbiddenError, NotFoundError
from projections.directory.view import AgentRow, CatalogueRow, HouseRow

C = TypeVar("C", bound=Command)


@strawberry.type(description="A counter of a house; agentId is set while an agent holds it.")
class Counter:
    number: int
    label: str
    agent_id: strawberry.ID | None


@strawberry.type(description="A queue of a house: its ticket prefix and the services it serves.")
class ServiceLine:
    prefix: str
    name: str
    services: list[str]
    priority: bool


@strawberry.type(description="A services house.")
class House:
    id: strawberry.ID
    code: str
    name_ar: str
    name_fr: str
    municipality: str
    governorate: str

    @strawberry.field(description="The house's counters.")
    async def counters(self, info: DarInfo) -> list[Counter]:
        rows = await info.context.loaders.counters.load(UUID(self.id))
        return [
            Counter(
                number=r.number,
                label=r.label,
                agent_id=strawberry.ID(str(r.agent_id)) if r.agent_id else None,
            )
            for r in rows
        ]

    @strawberry.field(description="The house's service lines.")
    async def lines(self, info: DarInfo) -> list[ServiceLine]:
        rows = await info.context.loaders.lines.load(UUID(self.id))
        return [
            ServiceLine(
                prefix=r.prefix, name=r.name, services=list(r.services), priority=r.priority
            )
            for r in rows
        ]

    @classmethod
    def from_row(cls, row: HouseRow) -> House:
        """The GraphQL view of a row."""
        return cls(
            id=strawberry.ID(str(row.house_id)),
            code=row.code,
            name_ar=row.name_ar,
            name_fr=row.name_fr,
            municipality=row.municipality,
            governorate=row.governorate,
        )


@strawberry.type(description="An agent's accreditation for a partner, until a day (included).")
class Accreditation:
    partner_id: strawberry.ID
    expires_on: date


@strawberry.type(description="A single-interlocutor agent.")
class Agent:
    id: strawberry.ID
    employee_number: str
    house_id: strawberry.ID
    display_name: str
    active: bool

    @strawberry.field(description="Accreditations in force or expired, not revoked.")
    async def accreditations(self, info: DarInfo) -> list[Accreditation]:
        rows = await info.context.loaders.accreditations.load(UUID(self.id))
        return [
            Accreditation(partner_id=strawberry.ID(str(r.partner_id)), expires_on=r.expires_on)
            for r in rows
        ]

    @classmethod
    def from_row(cls, row: AgentRow) -> Agent:
        """The GraphQL view of a row."""
        return cls(
            id=strawberry.ID(str(row.agent_id)),
            employee_number=row.employee_number,
            house_id=strawberry.ID(str(row.house_id)),
            display_name=row.display_name,
            active=row.active,
        )


@strawberry.type(description="A partner's service in the catalogue, with its current fee.")
class CatalogueEntry:
    id: strawberry.ID
    partner_code: str
    code: str
    name_ar: str
    name_fr: str
    mode: str
    fee_rule: str
    fee_millimes: int | None
    deadline_days: int | None
    withdrawn: bool

    @classmethod
    def from_row(cls, row: CatalogueRow) -> CatalogueEntry:
        """The GraphQL view of a row."""
        return cls(
            id=strawberry.ID(str(row.service_id)),
            partner_code=row.partner_code,
            code=row.code,
            name_ar=row.name_ar,
            name_fr=row.name_fr,
            mode=row.mode,
            fee_rule=row.fee_rule,
            fee_millimes=row.fee_millimes,
            deadline_days=row.deadline_days,
            withdrawn=row.withdrawn,
        )


async def house_code_of(context: Context, house_id: strawberry.ID) -> str:
    """The code of a registered house (staff: only their own), else NOT_FOUND."""
    uuid = parse_id(house_id, "houseId")
    house = await context.blocking(lambda: context.dar.houses.house_by_id(uuid))
    if house is None:
        raise NotFoundError("no such house")
    own_house_only(context.authenticate(), house.code)
    return house.code


async def employee_of(context: Context, agent_id: strawberry.ID) -> tuple[str, str]:
    """An agent's employee number and house code (staff: only of their own house)."""
    uuid = parse_id(agent_id, "agentId")
    agent = await context.blocking(lambda: context.dar.houses.agent_by_id(uuid))
    house = await context.blocking(
        lambda: context.dar.houses.house_by_id(agent.house_id) if agent else None
    )
    if agent is None or not isinstance(house, HouseAggregate):
        raise NotFoundError("no such agent")
    own_house_only(context.authenticate(), house.code)
    return agent.employee_number, house.code


@strawberry.input
class RegisterHouseInput:
    command_id: str
    code: str
    name_ar: str
    name_fr: str
    municipality: str
    governorate: str


@strawberry.input
class AddCounterInput:
    command_id: str
    house_id: strawberry.ID
    number: int
    label: str


@strawberry.input
class CounterInput:
    command_id: str
    house_id: strawberry.ID
    number: int


@strawberry.input
class ServiceLineInput:
    command_id: str
    house_id: strawberry.ID
    prefix: str
    name: str
    services: list[str]
    priority: bool


@strawberry.input
class ChangeServiceLineInput:
    command_id: str
    house_id: strawberry.ID
    prefix: str
    services: list[str]
    priority: bool


@strawberry.input
class OpeningHoursInput:
    command_id: str
    house_id: strawberry.ID
    season: str = strawberry.field(description="normal, ramadan or summer")
    opens: str = strawberry.field(description="HH:MM")
    closes: str = strawberry.field(description="HH:MM")


@strawberry.input
class LocalHolidayInput:
    command_id: str
    house_id: strawberry.ID
    day: date
    name: str


@strawberry.input
class EnrollAgentInput:
    command_id: str
    house_id: strawberry.ID
    employee_number: str
    display_name: str


@strawberry.input
class AccreditAgentInput:
    command_id: str
    agent_id: strawberry.ID
    partner_code: str
    expires_on: date


@strawberry.input
class RevokeAccreditationInput:
    command_id: str
    agent_id: strawberry.ID
    partner_code: str
    reason: str


@strawberry.input
class DeactivateAgentInput:
    command_id: str
    agent_id: strawberry.ID
    reason: str


@strawberry.input
class PublishServiceInput:
    command_id: str
    partner_code: str
    code: str
    name_ar: str
    name_fr: str
    mode: str
    documents: list[str]
    fee_rule: str
    fee_millimes: int | None = None
    deadline_days: int | None = None


@strawberry.input
class ChangeServiceFeeInput:
    command_id: str
    partner_code: str
    code: str
    fee_rule: str
    fee_millimes: int | None = None


@strawberry.input
class WithdrawServiceInput:
    command_id: str
    partner_code: str
    code: str
    reason: str


@strawberry.type
class HouseQueries:
    @strawberry.field(description="Houses (house staff: their own only).")
    async def houses(self, info: DarInfo, at_least_position: Position | None = None) -> list[House]:
        principal = info.context.require(*ACCESS["houses"])
        dar = info.context.dar
        await wait_for_position(dar, [dar.read.directory_key], at_least_position)
        rows = await info.context.blocking(dar.read.directory.houses)
        if principal.role in STAFF:
            rows = [r for r in rows if r.code == principal.house]
        return [House.from_row(r) for r in rows]

    @strawberry.field(description="One house, or null (house staff: their own only).")
    async def house(
        self, info: DarInfo, id: strawberry.ID, at_least_position: Position | None = None
    ) -> House | None:
        principal = info.context.require(*ACCESS["house"])
        dar = info.context.dar
        await wait_for_position(dar, [dar.read.directory_key], at_least_position)
        uuid = parse_id(id, "id")
        row = await info.context.blocking(lambda: dar.read.directory.house(uuid))
        if row is None or (principal.role in STAFF and row.code != principal.house):
            return None
        return House.from_row(row)

    @strawberry.field(description="The agents of a house.")
    async def agents(
        self, info: DarInfo, house_id: strawberry.ID, at_least_position: Position | None = None
    ) -> list[Agent]:
        info.context.require(*ACCESS["agents"])
        dar = info.context.dar
        await wait_for_position(dar, [dar.read.directory_key], at_least_position)
        await house_code_of(info.context, house_id)
        rows = await info.context.blocking(lambda: dar.read.directory.agents(UUID(house_id)))
        return [Agent.from_row(r) for r in rows]

    @strawberry.field(description="A partner's services in the catalogue.")
    async def catalogue(
        self, info: DarInfo, partner_code: str, at_least_position: Position | None = None
    ) -> list[CatalogueEntry]:
        info.context.require(*ACCESS["catalogue"])
        dar = info.context.dar
        await wait_for_position(dar, [dar.read.directory_key], at_least_position)
        rows = await info.context.blocking(lambda: dar.read.directory.catalogue(partner_code))
        return [CatalogueEntry.from_row(r) for r in rows]


@strawberry.type
class HouseMutations:
    @strawberry.mutation(description="Register a services house (admin).")
    async def register_house(self, info: DarInfo, input: RegisterHouseInput) -> CommandResult:
        p = info.context.require(*ACCESS["registerHouse"])
        command = RegisterHouse(
            command_id=checked_command_id(input.command_id),
            actor=p.actor,
            code=input.code,
            name_ar=input.name_ar,
            name_fr=input.name_fr,
            municipality=input.municipality,
            governorate=input.governorate,
        )
        houses = info.context.dar.houses
        return await run_command(
            info.context, "registerHouse", lambda: houses.register_house(command), "house_id"
        )

    @strawberry.mutation(description="Add a numbered counter to a house (admin).")
    async def add_counter(self, info: DarInfo, input: AddCounterInput) -> CommandResult:
        return await _in_house(
            info,
            "addCounter",
            input.house_id,
            input.command_id,
            lambda key, actor, code: AddCounter(
                command_id=key, actor=actor, house_code=code, number=input.number, label=input.label
            ),
            info.context.dar.houses.add_counter,
        )

    @strawberry.mutation(
        description="Take a counter (the agent taking it, of its own house; or admin)."
    )
    async def open_counter(
        self, info: DarInfo, input: CounterInput, agent_id: strawberry.ID | None = None
    ) -> CommandResult:
        p = info.context.require(*ACCESS["openCounter"])
        code = await house_code_of(info.context, input.house_id)
        if p.role is Role.AGENT:
            employee = p.subject  # an agent opens a counter for itself only
        elif agent_id is not None:
            employee, _ = await employee_of(info.context, agent_id)
        else:
            raise ForbiddenError("an administrator names the agent who takes the counter")
        command = OpenCounter(
            command_id=checked_command_id(input.command_id),
            actor=p.actor,
            house_code=code,
            number=input.number,
            employee_number=employee,
        )
        houses = info.context.dar.houses
        return await run_command(
            info.context, "openCounter", lambda: houses.open_counter(command), "house_id"
        )

    @strawberry.mutation(
        description="Leave a counter (its agent), or close it (the house's supervisor, admin)."
    )
    async def close_counter(self, info: DarInfo, input: CounterInput) -> CommandResult:
        p = info.context.require(*ACCESS["closeCounter"])
        code = await house_code_of(info.context, input.house_id)
        dar = info.context.dar
        if p.role is Role.AGENT:
            at = dar.clock.now()
            holder = await info.context.blocking(
                lambda: dar.houses.counter_holder(code, input.number, at)
            )
            if holder is None or holder.employee_number != p.subject:
                raise ForbiddenError("an agent closes only the counter it holds")
        command = CloseCounter(
            command_id=checked_command_id(input.command_id),
            actor=p.actor,
            house_code=code,
            number=input.number,
        )
        return await run_command(
            info.context, "closeCounter", lambda: dar.counter.close_counter(command), "house_id"
        )

    @strawberry.mutation(description="Add a service line to a house (admin).")
    async def add_service_line(self, info: DarInfo, input: ServiceLineInput) -> CommandResult:
        return await _in_house(
            info,
            "addServiceLine",
            input.house_id,
            input.command_id,
            lambda key, actor, code: AddServiceLine(
                command_id=key,
                actor=actor,
                house_code=code,
                prefix=input.prefix,
                name=input.name,
                services=tuple(input.services),
                priority=input.priority,
            ),
            info.context.dar.houses.add_service_line,
        )

    @strawberry.mutation(description="Change a service line (admin).")
    async def change_service_line(
        self, info: DarInfo, input: ChangeServiceLineInput
    ) -> CommandResult:
        return await _in_house(
            info,
            "changeServiceLine",
            input.house_id,
            input.command_id,
            lambda key, actor, code: ChangeServiceLine(
                command_id=key,
                actor=actor,
                house_code=code,
                prefix=input.prefix,
                services=tuple(input.services),
                priority=input.priority,
            ),
            info.context.dar.houses.change_service_line,
        )

    @strawberry.mutation(description="Set a house's own hours for a season (admin).")
    async def set_opening_hours(self, info: DarInfo, input: OpeningHoursInput) -> CommandResult:
        return await _in_house(
            info,
            "setOpeningHours",
            input.house_id,
            input.command_id,
            lambda key, actor, code: SetOpeningHours(
                command_id=key,
                actor=actor,
                house_code=code,
                season=input.season,
                opens=input.opens,
                closes=input.closes,
            ),
            info.context.dar.houses.set_opening_hours,
        )

    @strawberry.mutation(description="Close a house on a day beyond the national holidays (admin).")
    async def add_local_holiday(self, info: DarInfo, input: LocalHolidayInput) -> CommandResult:
        return await _in_house(
            info,
            "addLocalHoliday",
            input.house_id,
            input.command_id,
            lambda key, actor, code: AddLocalHoliday(
                command_id=key, actor=actor, house_code=code, day=input.day, name=input.name
            ),
            info.context.dar.houses.add_local_holiday,
        )

    @strawberry.mutation(description="Enrol an agent in a house (admin).")
    async def enroll_agent(self, info: DarInfo, input: EnrollAgentInput) -> CommandResult:
        return await _in_house(
            info,
            "enrollAgent",
            input.house_id,
            input.command_id,
            lambda key, actor, code: EnrollAgent(
                command_id=key,
                actor=actor,
                employee_number=input.employee_number,
                house_code=code,
                display_name=input.display_name,
            ),
            info.context.dar.houses.enroll_agent,
            id_key="agent_id",
        )

    @strawberry.mutation(description="Accredit an agent for a partner until a day (admin).")
    async def accredit_agent(self, info: DarInfo, input: AccreditAgentInput) -> CommandResult:
        return await _on_agent(
            info,
            "accreditAgent",
            input.agent_id,
            input.command_id,
            lambda key, actor, employee: AccreditAgent(
                command_id=key,
                actor=actor,
                employee_number=employee,
                partner_code=input.partner_code,
                expires_on=input.expires_on,
            ),
            info.context.dar.houses.accredit_agent,
        )

    @strawberry.mutation(description="Revoke an agent's accreditation for a partner (admin).")
    async def revoke_accreditation(
        self, info: DarInfo, input: RevokeAccreditationInput
    ) -> CommandResult:
        return await _on_agent(
            info,
            "revokeAccreditation",
            input.agent_id,
            input.command_id,
            lambda key, actor, employee: RevokeAccreditation(
                command_id=key,
                actor=actor,
                employee_number=employee,
                partner_code=input.partner_code,
                reason=input.reason,
            ),
            info.context.dar.houses.revoke_accreditation,
        )

    @strawberry.mutation(
        description="Deactivate an agent: their tokens are refused from now on (admin)."
    )
    async def deactivate_agent(self, info: DarInfo, input: DeactivateAgentInput) -> CommandResult:
        return await _on_agent(
            info,
            "deactivateAgent",
            input.agent_id,
            input.command_id,
            lambda key, actor, employee: DeactivateAgent(
                command_id=key, actor=actor, employee_number=employee, reason=input.reason
            ),
            info.context.dar.houses.deactivate_agent,
        )

    @strawberry.mutation(description="Publish a partner's service (admin).")
    async def publish_service(self, info: DarInfo, input: PublishServiceInput) -> CommandResult:
        p = info.context.require(*ACCESS["publishService"])
        command = PublishService(
            command_id=checked_command_id(input.command_id),
            actor=p.actor,
            partner_code=input.partner_code,
            code=input.code,
            name_ar=input.name_ar,
            name_fr=input.name_fr,
            mode=input.mode,
            documents=tuple(input.documents),
            fee_rule=input.fee_rule,
            fee_millimes=input.fee_millimes,
            deadline_days=input.deadline_days,
        )
        catalogue = info.context.dar.catalogue
        return await run_command(
            info.context, "publishService", lambda: catalogue.publish(command), "service_id"
        )

    @strawberry.mutation(description="Change a service's fee from now on (admin).")
    async def change_service_fee(
        self, info: DarInfo, input: ChangeServiceFeeInput
    ) -> CommandResult:
        p = info.context.require(*ACCESS["changeServiceFee"])
        command = ChangeServiceFee(
            command_id=checked_command_id(input.command_id),
            actor=p.actor,
            partner_code=input.partner_code,
            code=input.code,
            fee_rule=input.fee_rule,
            fee_millimes=input.fee_millimes,
        )
        catalogue = info.context.dar.catalogue
        return await run_command(
            info.context, "changeServiceFee", lambda: catalogue.change_fee(command), "service_id"
        )

    @strawberry.mutation(description="Withdraw a service from the catalogue (admin).")
    async def withdraw_service(self, info: DarInfo, input: WithdrawServiceInput) -> CommandResult:
        p = info.context.require(*ACCESS["withdrawService"])
        command = WithdrawService(
            command_id=checked_command_id(input.command_id),
            actor=p.actor,
            partner_code=input.partner_code,
            code=input.code,
            reason=input.reason,
        )
        catalogue = info.context.dar.catalogue
        return await run_command(
            info.context, "withdrawService", lambda: catalogue.withdraw(command), "service_id"
        )


async def _in_house(  # noqa: PLR0913, PLR0917 - what every house mutation varies in
    info: DarInfo,
    name: str,
    house_id: strawberry.ID,
    command_id: str,
    build: Callable[[str, str, str], C],
    handle: Callable[[C], Outcome],
    id_key: str = "house_id",
) -> CommandResult:
    """Check the role, find the house (house staff: their own), build and run."""
    principal = info.context.require(*ACCESS[name])
    code = await house_code_of(info.context, house_id)
    command = build(checked_command_id(command_id), principal.actor, code)
    return await run_command(info.context, name, lambda: handle(command), id_key)


async def _on_agent(  # noqa: PLR0913, PLR0917 - what every agent mutation varies in
    info: DarInfo,
    name: str,
    agent_id: strawberry.ID,
    command_id: str,
    build: Callable[[str, str, str], C],
    handle: Callable[[C], Outcome],
) -> CommandResult:
    """Check the role, find the agent (house staff: of their own house), build and run."""
    principal = info.context.require(*ACCESS[name])
    employee, _ = await employee_of(info.context, agent_id)
    command = build(checked_command_id(command_id), principal.actor, employee)
    return await run_command(info.context, name, lambda: handle(command), "agent_id")
