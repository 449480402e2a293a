"""A simulated house set up through the ordinary commands, before its first business day.

Registered with its counters and two lines; its agents enrolled and accredited for the nine
partners; a supervisor; the partners' grants of all their reference services; and the citizens
who will come back to it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from uuid import UUID

from api.simulation.executor import Executor
from api.simulation.plan import RETURNING_CITIZENS
from api.simulation.world import (
    CEILING_MILLIMES,
    LINES,
    UNTIL,
    SimHouse,
    collects,
    partner_codes,
    services_of,
)
from application.citizens.commands import RegisterCitizen
from application.delegation.commands import GrantDelegation
from application.houses.commands import (
    AccreditAgent,
    AddCounter,
    AddServiceLine,
    EnrollAgent,
    RegisterHouse,
)
from domain.shared.ids import natural_id

ADMIN = "admin:simulator"


def grant_id(house: SimHouse, partner: str) -> UUID:
    """The id of a partner's grant to a simulated house."""
    return natural_id("simulated-grant", house.code, partner)


def citizen_document(house: SimHouse, number: int) -> str:
    """The CIN of a house's `number`-th citizen: unique in the country (up to 999 houses)."""
    return f"{house.index:03d}{number:05d}"


class HouseSetup:
    """Sets a house up under keys `<prefix>:<house>:setup:…`."""

    def __init__(self, run: Executor, prefix: str, first_day: date) -> None:
        self._run = run
        self._prefix = prefix
        self._first_day = first_day

    def _key(self, house: SimHouse, what: str) -> str:
        return f"{self._prefix}:{house.code}:setup:{what}"

    def set_up(self, house: SimHouse, at: datetime) -> list[UUID]:
        """Record the house, its staff and grants at `at`; its returning citizens' ids."""
        dar, key = self._run.dar, self._key
        self._run.do(
            dar.houses.register_house,
            RegisterHouse(
                key(house, "house"),
                ADMIN,
                code=house.code,
                name_ar=house.name_ar,
                name_fr=house.name_fr,
                municipality=house.municipality,
                governorate=house.governorate,
            ),
            at,
        )
        for number in range(1, house.counters + 1):
            command = AddCounter(
                key(house, f"counter-{number}"), ADMIN, house.code, number, f"Guichet {number}"
            )
            self._run.do(dar.houses.add_counter, command, at)
        for prefix, name, partners in LINES:
            services = tuple(
                f"{p}/{s.code}" for p in partner_codes() if p in partners for s in services_of(p)
            )
            line = AddServiceLine(
                key(house, f"line-{prefix}"),
                ADMIN,
                house.code,
                prefix,
                name,
                services,
                priority=True,
            )
            self._run.do(dar.houses.add_service_line, line, at)
        self._staff(house, at)
        self._grants(house, at)
        return self._citizens(house, at)

    def _staff(self, house: SimHouse, at: datetime) -> None:
        dar, key = self._run.dar, self._key
        for employee in house.staff():
            role = "supervisor" if employee == house.supervisor else "agent"
            enrol = EnrollAgent(
                key(house, f"enrol-{employee}"), ADMIN, employee, house.code, f"{role} {employee}"
            )
            self._run.do(dar.houses.enroll_agent, enrol, at)
            if employee == house.supervisor:
                continue
            for partner in partner_codes():
                accredit = AccreditAgent(
                    key(house, f"accredit-{employee}-{partner}"), ADMIN, employee, partner, UNTIL
                )
                self._run.do(dar.houses.accredit_agent, accredit, at)

    def _grants(self, house: SimHouse, at: datetime) -> None:
        for partner in partner_codes():
            collecting = collects(partner)
            command = GrantDelegation(
                self._key(house, f"grant-{partner}"),
                ADMIN,
                grant_id=grant_id(house, partner),
                house_code=house.code,
                partner_code=partner,
                convention_reference=f"CONV-{partner}-{house.code.upper()}",
                convention_version="1",
                signed_on=self._first_day - timedelta(days=30),
                services=tuple(s.code for s in services_of(partner)),
                starts_on=self._first_day - timedelta(days=7),
                ends_on=UNTIL,
                may_collect=collecting,
                ceiling_millimes=CEILING_MILLIMES if collecting else None,
            )
            self._run.do(self._run.dar.delegations.grant, command, at)

    def _citizens(self, house: SimHouse, at: datetime) -> list[UUID]:
        return [
            register_citizen(self._run, house, self._key(house, f"citizen-{n}"), n, at)
            for n in range(RETURNING_CITIZENS)
        ]


def register_citizen(run: Executor, house: SimHouse, key: str, number: int, at: datetime) -> UUID:
    """Register the house's `number`-th citizen (by the first agent); the citizen's id."""
    command = RegisterCitizen(
        command_id=key,
        actor=f"agent:{house.agent(1)}",
        name=f"Citoyen {number} de {house.municipality}",
        document_kind="cin",
        document_number=citizen_document(house, number),
        house_code=house.code,
    )
    return UUID(run.do(run.dar.citizens.register_citizen, command, at)["citizen_id"])
