"""The deactivated-subject hook: staff and volunteer tokens are valid only while they are active."""

from __future__ import annotations

from api.auth import STAFF, Principal, Role
from api.bootstrap import Dar
from domain.houses.agent import agent_id
from domain.houses.house import house_id
from domain.inclusion.volunteer import volunteer_id
from domain.shared.errors import ValidationError


class AgentGate:
    """Refuses staff tokens whose agent is unknown, deactivated, or of another house."""

    def __init__(self, dar: Dar) -> None:
        self._dar = dar

    def refusal(self, principal: Principal) -> str | None:
        """Staff: the agent named by the token's subject is enrolled, active, at the token's house.

        The refusal says which of these is false.
        """
        if principal.role not in STAFF:
            return self._other_refusal(principal)
        try:
            agent = self._dar.houses.agent_by_id(agent_id(principal.subject))
            house = house_id(principal.house) if principal.house else None
        except ValidationError:
            return f"the token's subject or house is not valid ({principal.subject!r})"
        if agent is None:
            return f"no agent {principal.subject!r} has been enrolled"
        if not agent.active:
            return "this account has been deactivated"
        if agent.house_id != house:
            return f"agent {principal.subject!r} is not enrolled at house {principal.house!r}"
        return None

    def _other_refusal(self, principal: Principal) -> str | None:
        """Volunteers: registered at the token's house, and active; others: a subject."""
        if principal.role is not Role.VOLUNTEER:
            return None if principal.subject else "the token names no subject"
        if not principal.house:
            return "a volunteer's token names their house"
        try:
            uuid = volunteer_id(house_id(principal.house), principal.subject)
        except ValidationError:
            return f"the token's subject or house is not valid ({principal.subject!r})"
        volunteer = self._dar.inclusion.volunteer_by_id(uuid)
        if volunteer is None:
            return f"no volunteer {principal.subject!r} is registered at house {principal.house!r}"
        if not volunteer.active:
            return "this account has been deactivated"
        return None
