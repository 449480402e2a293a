"""The deactivated-subject hook: house staff tokens are valid only while the agent is active."""

from __future__ import annotations

from api.auth import STAFF, Principal
from api.bootstrap import Dar
from domain.houses.agent import agent_id
from domain.houses.house import house_id
from domain.shared.errors import ValidationError


class AgentGate:
    """Refuses staff tokens whose agent is unknown, deactivated, or of another house."""

    def __init__(self, dar: Dar) -> None:
        self._dar = dar

    def is_active(self, principal: Principal) -> bool:
        """Staff: the agent named by the token's subject is active at the token's house."""
        if principal.role not in STAFF:
            return bool(principal.subject)
        try:
            agent = self._dar.houses.agent_by_id(agent_id(principal.subject))
            house = house_id(principal.house) if principal.house else None
        except ValidationError:
            return False
        return agent is not None and agent.active and agent.house_id == house
