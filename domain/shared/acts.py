"""Every event says who did it and which command caused it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from eventsourcing.domain import Aggregate

from domain.shared.errors import ValidationError

MAX_ACTOR_LENGTH = 200
MAX_COMMAND_ID_LENGTH = 100


@dataclass(frozen=True)
class Act:
    """The circumstances of one act: the actor, the command's id and the server time of the act.

    The time always comes from the server's clock, never from the client.
    """

    actor: str
    command_id: str
    at: datetime

    def __post_init__(self) -> None:
        if not self.actor.strip() or len(self.actor) > MAX_ACTOR_LENGTH:
            raise ValidationError("actor", f"must be 1 to {MAX_ACTOR_LENGTH} characters")
        if not self.command_id.strip() or len(self.command_id) > MAX_COMMAND_ID_LENGTH:
            raise ValidationError("commandId", f"must be 1 to {MAX_COMMAND_ID_LENGTH} characters")
        if self.at.tzinfo is None:
            raise ValidationError("at", "the time of an act must carry a time zone")


class DarAggregate(Aggregate):
    """Base of Dar's aggregates: each of their events records the actor and the command."""

    class Event(Aggregate.Event):
        actor: str
        command_id: str

    class Created(Event, Aggregate.Created):
        pass

    def _record(self, event: type[DarAggregate.Event], act: Act, **fields: object) -> None:
        """Trigger `event` at the act's time, naming its actor and command."""
        self.trigger_event(
            event, timestamp=act.at, actor=act.actor, command_id=act.command_id, **fields
        )
