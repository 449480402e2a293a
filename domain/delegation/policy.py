"""Whether an agent at a house may perform a partner's service now, and collect an amount.

The answer names the grant and the accreditation relied on, with their versions: the command that
acts declares them as read, so a suspension or a revocation committed in between makes it fail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from domain.delegation.grant import DelegationGrant, GrantState
from domain.houses.agent import Agent
from domain.shared.errors import DarError
from domain.shared.time import tunis_day


class DelegationNotInForceError(DarError):
    """No grant of this partner to this house is in force at this moment."""

    code = "DELEGATION_NOT_IN_FORCE"


class ServiceNotDelegatedError(DarError):
    """The grant in force does not name this service."""

    code = "SERVICE_NOT_DELEGATED"


class AgentNotAccreditedError(DarError):
    """The agent is not (or no longer) accredited for this partner, or not of this house."""

    code = "AGENT_NOT_ACCREDITED"


class CollectionNotAllowedError(DarError):
    """The grant does not let the house collect money for this partner."""

    code = "COLLECTION_NOT_ALLOWED"


class AboveCeilingError(DarError):
    """The amount is above the grant's per-transaction ceiling."""

    code = "ABOVE_CEILING"


# The policy's answers "no": a question asked of it may be refused only for these reasons.
REFUSALS: tuple[type[DarError], ...] = (
    DelegationNotInForceError,
    ServiceNotDelegatedError,
    AgentNotAccreditedError,
    CollectionNotAllowedError,
    AboveCeilingError,
)


@dataclass(frozen=True)
class Permission:
    """What the act relies on; declare both as read when acting."""

    grant_id: UUID
    grant_version: int
    agent_id: UUID
    agent_version: int

    @property
    def reads(self) -> dict[UUID, int]:
        """The versions to declare in the acting command's decision."""
        return {self.grant_id: self.grant_version, self.agent_id: self.agent_version}


def permit(  # noqa: PLR0913 - the question has this many parts
    *,
    grant: DelegationGrant | None,
    agent: Agent,
    house_id: UUID,
    service: str,
    amount_millimes: int | None,
    moment: datetime,
) -> Permission:
    """The permission for the act, or the first reason it is refused."""
    if grant is None or not grant.in_force_at(moment):
        raise DelegationNotInForceError(_not_in_force(grant, moment))
    if service not in grant.services:
        raise ServiceNotDelegatedError(f"the grant does not name service {service}")
    if agent.house_id != house_id or not agent.accredited_at(grant.partner_id, moment):
        raise AgentNotAccreditedError("the agent is not accredited for this partner here")
    if amount_millimes is not None and amount_millimes > 0:
        terms = grant.collection
        if not terms.allowed:
            raise CollectionNotAllowedError("the grant does not allow collecting money")
        if terms.ceiling_millimes is not None and amount_millimes > terms.ceiling_millimes:
            raise AboveCeilingError(f"the ceiling is {terms.ceiling_millimes} millimes")
    return Permission(grant.id, grant.version, agent.id, agent.version)


def _not_in_force(grant: DelegationGrant | None, moment: datetime) -> str:
    if grant is None:
        return "no grant of this partner to this house covers this day"
    if grant.state is GrantState.SUSPENDED:
        return "the grant is suspended"
    if grant.state is GrantState.REVOKED:
        return "the grant was revoked"
    return f"the grant is not valid on {tunis_day(moment)}"
