"""What covers an act that relied on a grant and an agent: one rule, for the commands and the audit.

An act at the counter names the grant and the agent it relied on. At a given moment it is covered
by the grant if that grant is in force (`DelegationGrant.in_force_at`), is this house's grant of
this partner and names the service; and by the accreditation if the agent is of this house and
accredited for the partner (`Agent.accredited_at`). The compliance report replays the log with this
rule; a refund's approval is refused by it (for an absent citizen the report also asks for the
mandate, whose rule is `Mandate.covering`).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from domain.delegation.grant import DelegationGrant
from domain.houses.agent import Agent
from domain.partners.partner import partner_id


class Cover(StrEnum):
    """What covers an act."""

    GRANT = "GRANT"
    ACCREDITATION = "ACCREDITATION"
    MANDATE = "MANDATE"


def uncovered(  # noqa: PLR0913 - what an act relied on has this many parts
    *,
    grant: object,
    agent: object,
    house_id: UUID,
    partner_code: str,
    service_code: str,
    moment: datetime,
) -> tuple[Cover, ...]:
    """The covers of delegation (grant, accreditation) the act lacks at `moment`; () if covered.

    `grant` and `agent` are what the act's event names, as they stood then (None, or another
    kind of object, when nothing of that kind exists under that id).
    """
    partner = partner_id(partner_code)
    missing: list[Cover] = []
    if not (
        isinstance(grant, DelegationGrant)
        and grant.house_id == house_id
        and grant.partner_id == partner
        and service_code in grant.services
        and grant.in_force_at(moment)
    ):
        missing.append(Cover.GRANT)
    if not (
        isinstance(agent, Agent)
        and agent.house_id == house_id
        and agent.accredited_at(partner, moment)
    ):
        missing.append(Cover.ACCREDITATION)
    return tuple(missing)
