"""The grants and accreditations in force at a house at a past instant.

Each grant and agent is taken as it stood at that instant: its events recorded up to then, the
same reading of history as the delegation policy's (`DelegationPolicy.may_perform(at=…)`); then
in force exactly as an act at that instant would have been judged: a grant active and within its
validity on the Tunis day, an agent active and accredited for the partner on that day.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from application.store import EventStore
from domain.delegation.grant import DelegationGrant
from domain.houses.agent import Agent


@dataclass(frozen=True)
class GrantInForce:
    """A grant in force at the instant, as it stood then."""

    grant_id: UUID
    version: int
    partner_id: UUID
    services: tuple[str, ...]
    starts_on: date
    ends_on: date
    may_collect: bool
    ceiling_millimes: int | None


@dataclass(frozen=True)
class AccreditationInForce:
    """An agent's accreditation for a partner in force at the instant."""

    agent_id: UUID
    employee_number: str
    partner_id: UUID
    expires_on: date


@dataclass(frozen=True)
class InForce:
    """What covered acts at a house at one instant."""

    at: datetime
    grants: tuple[GrantInForce, ...]
    accreditations: tuple[AccreditationInForce, ...]


def in_force(
    store: EventStore,
    at: datetime,
    grants: Iterable[tuple[UUID, int]],
    agents: Iterable[tuple[UUID, int]],
) -> InForce:
    """Of these grants and agents (each at its version at `at`), what was in force at `at`."""
    found_grants: list[GrantInForce] = []
    for grant_id, version in grants:
        grant: object = store.repository.get(grant_id, version=version)
        if isinstance(grant, DelegationGrant) and grant.in_force_at(at):
            found_grants.append(_grant(grant))
    found_accreditations: list[AccreditationInForce] = []
    for agent_id, version in agents:
        agent: object = store.repository.get(agent_id, version=version)
        if isinstance(agent, Agent):
            found_accreditations.extend(
                AccreditationInForce(agent.id, agent.employee_number, p, held.expires_on)
                for p, held in sorted(agent.accreditations.items())
                if agent.accredited_at(p, at)
            )
    return InForce(at, tuple(found_grants), tuple(found_accreditations))


def _grant(grant: DelegationGrant) -> GrantInForce:
    return GrantInForce(
        grant_id=grant.id,
        version=grant.version,
        partner_id=grant.partner_id,
        services=tuple(sorted(grant.services)),
        starts_on=grant.validity.starts_on,
        ends_on=grant.validity.ends_on,
        may_collect=grant.collection.allowed,
        ceiling_millimes=grant.collection.ceiling_millimes,
    )
