"""A volunteer of a house's digital-inclusion room: from an association, accredited topic by topic.

Volunteers teach; they never act on a citizen's file. Their code (`V-017`) is the subject of their
`volunteer` token and names them within their house. The stream lives as long as the volunteer and
holds only their registration, accreditations and (de)activations: the hours they teach are counted
on the sessions they hold.
"""

from __future__ import annotations

import re
from uuid import UUID

from domain.inclusion.values import (
    Topic,
    VolunteerInactiveError,
    VolunteerNotAccreditedError,
    topics,
)
from domain.shared.acts import Act, DarAggregate
from domain.shared.errors import InvalidTransitionError, UnchangedError, ValidationError
from domain.shared.ids import natural_id

_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,29}$")
MAX_NAME = 100
MAX_ASSOCIATION = 200
MAX_REASON = 500


def volunteer_id(house_id: UUID, code: str) -> UUID:
    """A volunteer is known by their code within their house."""
    if not _CODE.match(code):
        raise ValidationError("code", "2 to 30 capital letters, digits or '-'")
    return natural_id("volunteer", str(house_id), code)


def _text(field: str, value: str, limit: int) -> str:
    if not value.strip() or len(value) > limit:
        raise ValidationError(field, f"must be 1 to {limit} characters")
    return value.strip()


class Volunteer(DarAggregate):
    """A volunteer teaching in one house's digital-inclusion room."""

    class Registered(DarAggregate.Created):
        house_id: UUID
        code: str
        display_name: str
        association: str
        topics: tuple[str, ...]

    class TopicsAccredited(DarAggregate.Event):
        """The topics the volunteer may teach from now on (the whole set, replacing the last)."""

        house_id: UUID
        topics: tuple[str, ...]

        def apply(self, aggregate: Volunteer) -> None:
            """The new set of topics."""
            aggregate.topics = frozenset(Topic(value) for value in self.topics)

    class Deactivated(DarAggregate.Event):
        house_id: UUID
        reason: str

        def apply(self, aggregate: Volunteer) -> None:
            """The volunteer may no longer teach, nor sign in."""
            aggregate.active = False

    class Reactivated(DarAggregate.Event):
        house_id: UUID

        def apply(self, aggregate: Volunteer) -> None:
            """The volunteer is back."""
            aggregate.active = True

    def __init__(
        self,
        house_id: UUID,
        code: str,
        display_name: str,
        association: str,
        topics: tuple[str, ...],
    ) -> None:
        self.house_id = house_id
        self.code = code
        self.display_name = display_name
        self.association = association
        self.topics = frozenset(Topic(value) for value in topics)
        self.active = True

    @classmethod
    def register(  # noqa: PLR0913 - the registration's facts
        cls,
        *,
        house_id: UUID,
        code: str,
        display_name: str,
        association: str,
        accredited: tuple[Topic, ...],
        act: Act,
    ) -> Volunteer:
        """Register a volunteer of a house, accredited for at least one topic."""
        return cls._create(
            cls.Registered,
            id=volunteer_id(house_id, code),
            timestamp=act.at,
            actor=act.actor,
            command_id=act.command_id,
            house_id=house_id,
            code=code,
            display_name=_text("displayName", display_name, MAX_NAME),
            association=_text("association", association, MAX_ASSOCIATION),
            topics=tuple(topic.value for topic in topics(list(accredited))),
        )

    def accredit(self, accredited: tuple[Topic, ...], act: Act) -> None:
        """Replace the topics the volunteer may teach."""
        self.refuse_if_inactive()
        chosen = topics(list(accredited))
        if frozenset(chosen) == self.topics:
            raise UnchangedError("the volunteer is already accredited for exactly these topics")
        self._record(
            self.TopicsAccredited,
            act,
            house_id=self.house_id,
            topics=tuple(topic.value for topic in chosen),
        )

    def deactivate(self, reason: str, act: Act) -> None:
        """The volunteer stops: their token is refused and they may no longer teach."""
        self.refuse_if_inactive()
        self._record(
            self.Deactivated,
            act,
            house_id=self.house_id,
            reason=_text("reason", reason, MAX_REASON),
        )

    def reactivate(self, act: Act) -> None:
        """A deactivated volunteer comes back."""
        if self.active:
            raise InvalidTransitionError("the volunteer is active")
        self._record(self.Reactivated, act, house_id=self.house_id)

    def refuse_if_inactive(self) -> None:
        """Refuse anything from (or for) a deactivated volunteer."""
        if not self.active:
            raise VolunteerInactiveError("the volunteer has been deactivated")

    def refuse_unless_may_teach(self, topic: Topic) -> None:
        """Active and accredited for the topic."""
        self.refuse_if_inactive()
        if topic not in self.topics:
            raise VolunteerNotAccreditedError(f"the volunteer is not accredited for {topic.value}")
