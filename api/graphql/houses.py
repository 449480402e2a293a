"""Houses, counters, lines, agents and the catalogue in GraphQL: their types and queries.

Their mutations are in `api.graphql.house_commands`.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

import strawberry

from api.auth import STAFF
from api.graphql.access import EVERYONE, STAFF_AND_OVERSIGHT, query
from api.graphql.caller import parse_id
from api.graphql.context import DarInfo
from api.graphql.enums import FeeRule, Mode
from api.graphql.rows import from_row
from api.graphql.scalars import Position


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
    house_id: strawberry.ID = strawberry.field(name="id")
    code: str
    name_ar: str
    name_fr: str
    municipality: str
    governorate: str

    @strawberry.field(description="The house's counters.")
    async def counters(self, info: DarInfo) -> list[Counter]:
        rows = await info.context.loaders.counters.load(UUID(self.house_id))
        return [from_row(Counter, r) for r in rows]

    @strawberry.field(description="The house's service lines.")
    async def lines(self, info: DarInfo) -> list[ServiceLine]:
        rows = await info.context.loaders.lines.load(UUID(self.house_id))
        return [from_row(ServiceLine, r) for r in rows]


@strawberry.type(description="An agent's accreditation for a partner, until a day (included).")
class Accreditation:
    partner_id: strawberry.ID
    expires_on: date


@strawberry.type(description="A single-interlocutor agent.")
class Agent:
    agent_id: strawberry.ID = strawberry.field(name="id")
    employee_number: str
    house_id: strawberry.ID
    display_name: str
    active: bool

    @strawberry.field(description="Accreditations in force or expired, not revoked.")
    async def accreditations(self, info: DarInfo) -> list[Accreditation]:
        rows = await info.context.loaders.accreditations.load(UUID(self.agent_id))
        return [from_row(Accreditation, r) for r in rows]


@strawberry.type(description="A partner's service in the catalogue, with its current fee.")
class CatalogueEntry:
    service_id: strawberry.ID = strawberry.field(name="id")
    partner_code: str
    code: str
    name_ar: str
    name_fr: str
    mode: Mode
    fee_rule: FeeRule
    fee_millimes: int | None
    deadline_days: int | None
    withdrawn: bool


@strawberry.type
class HouseQueries:
    @query(STAFF_AND_OVERSIGHT, "Houses (house staff: their own only).")
    async def houses(self, info: DarInfo, at_least_position: Position | None = None) -> list[House]:
        principal = info.context.authenticate()
        rows = await info.context.read(
            "directory", at_least_position, lambda r: r.directory.houses()
        )
        if principal.role in STAFF:
            rows = [r for r in rows if r.code == principal.house]
        return [from_row(House, r) for r in rows]

    @query(STAFF_AND_OVERSIGHT, "One house, or null (house staff: their own only).")
    async def house(
        self, info: DarInfo, id: strawberry.ID, at_least_position: Position | None = None
    ) -> House | None:
        principal = info.context.authenticate()
        row = await info.context.read(
            "directory", at_least_position, lambda r: r.directory.house(parse_id(id, "id"))
        )
        if row is None or (principal.role in STAFF and row.code != principal.house):
            return None
        return from_row(House, row)

    @query(STAFF_AND_OVERSIGHT, "The agents of a house.")
    async def agents(
        self, info: DarInfo, house_id: strawberry.ID, at_least_position: Position | None = None
    ) -> list[Agent]:
        await info.context.caller().house_code_of(house_id)
        rows = await info.context.read(
            "directory", at_least_position, lambda r: r.directory.agents(UUID(house_id))
        )
        return [from_row(Agent, r) for r in rows]

    @query(EVERYONE, "A partner's services in the catalogue.")
    async def catalogue(
        self, info: DarInfo, partner_code: str, at_least_position: Position | None = None
    ) -> list[CatalogueEntry]:
        rows = await info.context.read(
            "directory", at_least_position, lambda r: r.directory.catalogue(partner_code)
        )
        return [from_row(CatalogueEntry, r) for r in rows]
