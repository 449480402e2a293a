"""Handlers of the houses context."""

from __future__ import annotations

from datetime import datetime, time
from uuid import UUID

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
from application.houses.rooms import holder_today, todays_room
from application.store import CommandRunner, Decision, EventStore, Outcome
from domain.houses.agent import Agent, agent_id
from domain.houses.calendar import BusinessCalendar, Hours, Season
from domain.houses.house import House, HouseNames, house_id
from domain.houses.room import CounterRoom
from domain.partners.partner import Partner, partner_id
from domain.shared.acts import Act
from domain.shared.errors import AlreadyExistsError, ForbiddenError, NotFoundError, ValidationError
from domain.shared.time import tunis_day


class AgentOfAnotherHouseError(ForbiddenError):
    """An agent acts only at their own house."""


class HouseService:
    """Registers houses and their counters and lines; enrols and accredits agents."""

    def __init__(
        self,
        store: EventStore,
        runner: CommandRunner,
        governorates: frozenset[str],
        national_calendar: BusinessCalendar,
    ) -> None:
        self._store = store
        self._runner = runner
        self._governorates = governorates
        self._national = national_calendar

    def register_house(self, command: RegisterHouse) -> Outcome[HouseChanged]:
        """Record `HouseRegistered` in one of the governorates."""
        names = HouseNames(command.name_ar, command.name_fr)
        if command.governorate not in self._governorates:
            raise ValidationError("governorate", f"{command.governorate!r} is not a governorate")
        if not command.municipality.strip() or len(command.municipality) > 100:
            raise ValidationError("municipality", "must be 1 to 100 characters")
        new_id = house_id(command.code)

        def decide(act: Act) -> Decision[HouseChanged]:
            if self._store.find(new_id, House) is not None:
                raise AlreadyExistsError(f"house {command.code} is already registered")
            house = House.register(
                code=command.code,
                names=names,
                municipality=command.municipality,
                governorate=command.governorate,
                act=act,
            )
            return Decision(aggregates=[house], value=HouseChanged(house.id))

        return self._runner.run(command, decide, returns=HouseChanged)

    def add_counter(self, command: AddCounter) -> Outcome[HouseChanged]:
        """Record `CounterAdded`."""

        def decide(act: Act) -> Decision[HouseChanged]:
            house = self.house(command.house_code)
            house.add_counter(command.number, command.label, act)
            return Decision(aggregates=[house], value=HouseChanged(house.id))

        return self._runner.run(command, decide, returns=HouseChanged)

    def open_counter(self, command: OpenCounter) -> Outcome[HouseChanged]:
        """The agent takes a counter of its own house for the day; it must be active.

        Recorded in the house's counter room of the business day (opened by the day's first
        opening, every counter closed): the house's own stream is only read.
        """

        def decide(act: Act) -> Decision[HouseChanged]:
            house = self.house(command.house_code)
            agent = self.agent(command.employee_number)
            if agent.house_id != house.id or not agent.active:
                raise AgentOfAnotherHouseError("the agent is not an active agent of this house")
            if command.number not in house.counters:
                raise NotFoundError(f"no counter {command.number} in this house")
            room = todays_room(self._store, house, act.at) or CounterRoom.open(
                house.id, tunis_day(act.at), tuple(house.counters), act
            )
            room.open_counter(command.number, agent.id, act)
            return Decision(
                aggregates=[room],
                value=HouseChanged(house.id),
                reads={agent.id: agent.version, house.id: house.version},
            )

        return self._runner.run(command, decide, returns=HouseChanged)

    def add_service_line(self, command: AddServiceLine) -> Outcome[HouseChanged]:
        """Record `ServiceLineAdded`."""

        def decide(act: Act) -> Decision[HouseChanged]:
            house = self.house(command.house_code)
            house.add_service_line(
                prefix=command.prefix,
                name=command.name,
                services=frozenset(command.services),
                priority=command.priority,
                act=act,
            )
            return Decision(aggregates=[house], value=HouseChanged(house.id))

        return self._runner.run(command, decide, returns=HouseChanged)

    def change_service_line(self, command: ChangeServiceLine) -> Outcome[HouseChanged]:
        """Record `ServiceLineChanged`."""

        def decide(act: Act) -> Decision[HouseChanged]:
            house = self.house(command.house_code)
            house.change_service_line(
                prefix=command.prefix,
                services=frozenset(command.services),
                priority=command.priority,
                act=act,
            )
            return Decision(aggregates=[house], value=HouseChanged(house.id))

        return self._runner.run(command, decide, returns=HouseChanged)

    def set_opening_hours(self, command: SetOpeningHours) -> Outcome[HouseChanged]:
        """Record `OpeningHoursSet`."""
        try:
            season = Season(command.season)
            hours = Hours(time.fromisoformat(command.opens), time.fromisoformat(command.closes))
        except ValueError:
            msg = "a season (normal, ramadan, summer) and HH:MM times"
            raise ValidationError("hours", msg) from None

        def decide(act: Act) -> Decision[HouseChanged]:
            house = self.house(command.house_code)
            house.set_opening_hours(season, hours, act)
            return Decision(aggregates=[house], value=HouseChanged(house.id))

        return self._runner.run(command, decide, returns=HouseChanged)

    def add_local_holiday(self, command: AddLocalHoliday) -> Outcome[HouseChanged]:
        """Record `LocalHolidayAdded`."""

        def decide(act: Act) -> Decision[HouseChanged]:
            house = self.house(command.house_code)
            house.add_local_holiday(command.day, command.name, act)
            return Decision(aggregates=[house], value=HouseChanged(house.id))

        return self._runner.run(command, decide, returns=HouseChanged)

    def calendar(self, code: str) -> BusinessCalendar:
        """The house's business calendar: national days and hours, with its own."""
        return self.calendar_of(self.house(code))

    def calendar_of(self, house: House) -> BusinessCalendar:
        """The calendar of a house already loaded."""
        return house.calendar(self._national)

    def enroll_agent(self, command: EnrollAgent) -> Outcome[AgentChanged]:
        """Record `AgentEnrolled` in an existing house."""
        new_id = agent_id(command.employee_number)

        def decide(act: Act) -> Decision[AgentChanged]:
            house = self.house(command.house_code)
            if self._store.find(new_id, Agent) is not None:
                raise AlreadyExistsError(f"agent {command.employee_number} is already enrolled")
            agent = Agent.enroll(
                employee_number=command.employee_number,
                house_id=house.id,
                display_name=command.display_name,
                act=act,
            )
            return Decision(
                aggregates=[agent],
                value=AgentChanged(agent.id),
                reads={house.id: house.version},
            )

        return self._runner.run(command, decide, returns=AgentChanged)

    def accredit_agent(self, command: AccreditAgent) -> Outcome[AgentChanged]:
        """Record `AgentAccredited` for a registered partner."""

        def decide(act: Act) -> Decision[AgentChanged]:
            agent = self.agent(command.employee_number)
            partner = self._partner(command.partner_code)
            agent.accredit(partner.id, command.expires_on, act)
            return Decision(aggregates=[agent], value=AgentChanged(agent.id))

        return self._runner.run(command, decide, returns=AgentChanged)

    def revoke_accreditation(self, command: RevokeAccreditation) -> Outcome[AgentChanged]:
        """Record `AccreditationRevoked`."""

        def decide(act: Act) -> Decision[AgentChanged]:
            agent = self.agent(command.employee_number)
            agent.revoke_accreditation(partner_id(command.partner_code), command.reason, act)
            return Decision(aggregates=[agent], value=AgentChanged(agent.id))

        return self._runner.run(command, decide, returns=AgentChanged)

    def deactivate_agent(self, command: DeactivateAgent) -> Outcome[AgentChanged]:
        """Record `AgentDeactivated`: the agent's tokens are refused from now on."""

        def decide(act: Act) -> Decision[AgentChanged]:
            agent = self.agent(command.employee_number)
            agent.deactivate(command.reason, act)
            return Decision(aggregates=[agent], value=AgentChanged(agent.id))

        return self._runner.run(command, decide, returns=AgentChanged)

    def house(self, code: str) -> House:
        """The house registered under `code`."""
        return self._store.load(house_id(code), House, f"house {code}")

    def agent(self, employee_number: str) -> Agent:
        """The agent enrolled under `employee_number`."""
        return self._store.load(agent_id(employee_number), Agent, f"agent {employee_number}")

    def agent_by_id(self, agent: UUID) -> Agent | None:
        """The agent with this id, if enrolled."""
        return self._store.find(agent, Agent)

    def counter_holder(self, code: str, number: int, at: datetime) -> Agent | None:
        """The agent holding the house's counter on the business day of `at`, if open."""
        holder = holder_today(self._store, self.house(code), number, at)
        return None if holder is None else self.agent_by_id(holder)

    def house_by_id(self, house: UUID) -> House | None:
        """The house with this id, if registered."""
        return self._store.find(house, House)

    def _partner(self, code: str) -> Partner:
        return self._store.load(partner_id(code), Partner, f"partner {code}")
