"""Which agent an event's actor is: events name their actor as `role:subject`."""

from __future__ import annotations

from functools import lru_cache
from uuid import UUID

from domain.houses.agent import agent_id
from domain.shared.errors import ValidationError

_HOUSE_STAFF = ("agent", "supervisor")


@lru_cache(maxsize=4096)
def agent_of(actor: str) -> UUID | None:
    """The agent id of house staff acting (their subject is their employee number), else None."""
    role, _, subject = actor.partition(":")
    if role not in _HOUSE_STAFF:
        return None
    try:
        return agent_id(subject)
    except ValidationError:
        return None
