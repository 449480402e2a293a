"""Rows of the directory read model and the ports that write and read them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol
from uuid import UUID


@dataclass(frozen=True)
class HouseRow:
    """A house."""

    house_id: UUID
    code: str
    name_ar: str
    name_fr: str
    municipality: str
    governorate: str


@dataclass(frozen=True)
class CounterRow:
    """A counter of a house and the agent holding it, if open."""

    house_id: UUID
    number: int
    label: str
    agent_id: UUID | None


@dataclass(frozen=True)
class LineRow:
    """A service line (queue) of a house."""

    house_id: UUID
    prefix: str
    name: str
    services: tuple[str, ...]
    priority: bool


@dataclass(frozen=True)
class AgentRow:
    """An agent with their house."""

    agent_id: UUID
    employee_number: str
    house_id: UUID
    display_name: str
    active: bool


@dataclass(frozen=True)
class AccreditationRow:
    """An agent's accreditation for a partner."""

    agent_id: UUID
    partner_id: UUID
    expires_on: date


@dataclass(frozen=True)
class GrantRow:
    """A delegation grant as the house and auditors see it."""

    grant_id: UUID
    house_id: UUID
    partner_id: UUID
    convention_reference: str
    convention_version: str
    services: tuple[str, ...]
    starts_on: date
    ends_on: date
    may_collect: bool
    ceiling_millimes: int | None
    state: str


@dataclass(frozen=True)
class CatalogueRow:
    """A service of a partner, with its current fee."""

    service_id: UUID
    partner_code: str
    code: str
    name_ar: str
    name_fr: str
    mode: str
    fee_rule: str
    fee_millimes: int | None
    deadline_days: int | None
    withdrawn: bool


class DirectoryWriter(Protocol):
    """Writes the directory inside the runner's transaction."""

    def put_house(self, row: HouseRow) -> None:
        """Insert a house."""
        ...

    def put_counter(self, row: CounterRow) -> None:
        """Insert or replace a counter."""
        ...

    def put_line(self, row: LineRow) -> None:
        """Insert or replace a line."""
        ...

    def put_agent(self, row: AgentRow) -> None:
        """Insert or replace an agent."""
        ...

    def put_accreditation(self, row: AccreditationRow) -> None:
        """Insert or replace an accreditation."""
        ...

    def drop_accreditation(self, agent_id: UUID, partner_id: UUID) -> None:
        """Remove an accreditation."""
        ...

    def put_grant(self, row: GrantRow) -> None:
        """Insert or replace a grant."""
        ...

    def put_service(self, row: CatalogueRow) -> None:
        """Insert or replace a catalogue entry."""
        ...

    def counter(self, house_id: UUID, number: int) -> CounterRow | None:
        """A counter as written so far."""
        ...

    def line(self, house_id: UUID, prefix: str) -> LineRow | None:
        """A line as written so far."""
        ...

    def agent(self, agent_id: UUID) -> AgentRow | None:
        """An agent as written so far."""
        ...

    def grant(self, grant_id: UUID) -> GrantRow | None:
        """A grant as written so far."""
        ...

    def service(self, service_id: UUID) -> CatalogueRow | None:
        """A catalogue entry as written so far."""
        ...
