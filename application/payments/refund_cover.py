"""A refund is approved only while the payment's grant and agent still cover it.

Approving a refund is an act the house does for the partner, like the payment it gives money
back from: it relies on what the payment relied on, the partner's grant and the accreditation of
the agent who took it. It is refused once the grant is suspended, revoked or out of its validity
(or no longer names the service), or the agent is no longer accredited for the partner: the rule
of `domain.delegation.cover.uncovered`, the one the compliance report replays.
"""

from __future__ import annotations

from uuid import UUID

from application.store import EventStore
from domain.delegation.cover import Cover, uncovered
from domain.delegation.grant import DelegationGrant
from domain.houses.agent import Agent
from domain.payments.payment import Payment
from domain.shared.acts import Act
from domain.shared.errors import DarError


class RefundNotCoveredError(DarError):
    """The payment's grant is no longer in force or its agent no longer accredited: no refund."""

    code = "REFUND_NOT_COVERED"


def refund_cover(store: EventStore, payment: Payment, act: Act) -> dict[UUID, int]:
    """The grant's and agent's versions to declare as read, or a refusal naming what is missing."""
    relied = payment.origin.reliance
    grant = store.find(relied.grant_id, DelegationGrant)
    agent = store.find(relied.agent_id, Agent)
    missing = uncovered(
        grant=grant,
        agent=agent,
        house_id=payment.origin.house_id,
        partner_code=payment.origin.partner_code,
        service_code=payment.origin.service_code,
        moment=act.at,
    )
    if missing:
        lacking = {
            Cover.GRANT: "the payment's grant is not in force for its service",
            Cover.ACCREDITATION: "the agent who took it is not accredited for "
            + payment.origin.partner_code,
        }
        reasons = "; ".join(lacking[cover] for cover in missing)
        msg = f"a refund is approved only while its payment is covered: {reasons}"
        raise RefundNotCoveredError(msg)
    return {found.id: found.version for found in (grant, agent) if found is not None}
