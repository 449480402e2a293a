"""A participant of the digital-inclusion rooms, on their way to doing things online alone.

A known citizen has one learner stream, whose id comes from their citizen id (found through the
vault by CIN; nothing of the citizen is copied here). An anonymous participant's stream is new at
their first enrolment; the volunteer keeps its id to enrol them again. The stream lives as long as
the participant's learning: the sessions they attended and the milestones they reached.
"""

from __future__ import annotations

from uuid import UUID

from domain.inclusion.values import AgeBand, Gender, Milestone, NoSessionAttendedError, Topic
from domain.shared.acts import Act, DarAggregate
from domain.shared.errors import AlreadyExistsError
from domain.shared.ids import natural_id, new_id


def known_learner_id(citizen_id: UUID) -> UUID:
    """The one learner stream of a known citizen."""
    return natural_id("learner", str(citizen_id))


class Learner(DarAggregate):
    """A participant: age band, gender, sessions attended, autonomy reached."""

    class Started(DarAggregate.Created):
        house_id: UUID
        known: bool
        age_band: str
        gender: str

    class SessionAttended(DarAggregate.Event):
        """`first`: the participant's first session attended."""

        house_id: UUID
        session_id: UUID
        topic: str
        first: bool

        def apply(self, aggregate: Learner) -> None:
            """One more session attended, in that house."""
            aggregate.sessions_attended += 1
            aggregate.houses.add(self.house_id)

    class MilestoneReached(DarAggregate.Event):
        house_id: UUID
        milestone: str

        def apply(self, aggregate: Learner) -> None:
            """Reached once, for good."""
            aggregate.milestones.add(Milestone(self.milestone))

    def __init__(self, house_id: UUID, known: bool, age_band: str, gender: str) -> None:  # noqa: FBT001 - the event's field
        self.house_id = house_id
        self.known = known
        self.age_band = AgeBand(age_band)
        self.gender = Gender(gender)
        self.sessions_attended = 0
        self.milestones: set[Milestone] = set()
        self.houses = {house_id}

    @classmethod
    def start(
        cls,
        *,
        house_id: UUID,
        citizen_id: UUID | None,
        age_band: AgeBand,
        gender: Gender,
        act: Act,
    ) -> Learner:
        """A participant's first enrolment: a known citizen's stream, or a new anonymous one."""
        return cls._create(
            cls.Started,
            id=new_id() if citizen_id is None else known_learner_id(citizen_id),
            timestamp=act.at,
            actor=act.actor,
            command_id=act.command_id,
            house_id=house_id,
            known=citizen_id is not None,
            age_band=age_band.value,
            gender=gender.value,
        )

    @property
    def first_timer(self) -> bool:
        """Never attended a session."""
        return self.sessions_attended == 0

    def attend(self, session_id: UUID, house_id: UUID, topic: Topic, act: Act) -> None:
        """The participant was present at a held session."""
        self._record(
            self.SessionAttended,
            act,
            house_id=house_id,
            session_id=session_id,
            topic=topic.value,
            first=self.first_timer,
        )

    def known_in(self, house_id: UUID) -> bool:
        """Whether the participant enrolled first, or attended a session, in that house."""
        return house_id in self.houses

    def reach(self, milestone: Milestone, house_id: UUID, act: Act) -> None:
        """A step of autonomy, only after a session attended, and only once."""
        if self.first_timer:
            raise NoSessionAttendedError("the participant has attended no session yet")
        if milestone in self.milestones:
            raise AlreadyExistsError(f"{milestone.value} was reached already")
        self._record(self.MilestoneReached, act, house_id=house_id, milestone=milestone.value)
