"""A training session in a house's digital-inclusion room: scheduled, then held or cancelled.

The stream lives as long as the session: its scheduling, its participants (at most its capacity)
and how it ended. A session is held when its volunteer records who came; the volunteer's hours are
counted there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from domain.inclusion.values import (
    MAX_GROUP_CAPACITY,
    MAX_SESSION_MINUTES,
    AgeBand,
    Gender,
    SessionCancelledError,
    SessionFormat,
    SessionFullError,
    SessionStatus,
    Topic,
)
from domain.shared.acts import Act, DarAggregate
from domain.shared.errors import AlreadyExistsError, InvalidTransitionError, ValidationError
from domain.shared.ids import new_id
from domain.shared.time import tunis_day

MAX_ROOM = 60
MAX_REASON = 500


@dataclass(frozen=True)
class Plan:
    """What a session will be: where, what, for how many, when and taught by whom."""

    house_id: UUID
    room: str
    topic: Topic
    format: SessionFormat
    capacity: int
    starts_at: datetime
    ends_at: datetime
    volunteer_id: UUID

    def __post_init__(self) -> None:
        if not self.room.strip() or len(self.room) > MAX_ROOM:
            raise ValidationError("room", f"must be 1 to {MAX_ROOM} characters")
        if self.format is SessionFormat.INDIVIDUAL and self.capacity != 1:
            raise ValidationError("capacity", "an individual session has a capacity of 1")
        if self.format is SessionFormat.GROUP and not 2 <= self.capacity <= MAX_GROUP_CAPACITY:
            raise ValidationError("capacity", f"a group holds 2 to {MAX_GROUP_CAPACITY}")
        if self.starts_at.tzinfo is None or self.ends_at.tzinfo is None:
            raise ValidationError("startsAt", "times carry a time zone")
        minutes = (self.ends_at - self.starts_at).total_seconds() / 60
        if not 0 < minutes <= MAX_SESSION_MINUTES:
            raise ValidationError("endsAt", "a session ends after it starts, within 8 hours")
        if tunis_day(self.starts_at) != tunis_day(self.ends_at):
            raise ValidationError("endsAt", "a session starts and ends on the same day")

    @property
    def minutes(self) -> int:
        """The session's scheduled length."""
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


@dataclass(frozen=True)
class Participant:
    """Someone enrolled: only whether they are a known citizen, an age band and a gender."""

    participant_id: UUID
    known: bool
    age_band: AgeBand
    gender: Gender
    first_time: bool


class TrainingSession(DarAggregate):
    """One session of the digital-inclusion room."""

    class Scheduled(DarAggregate.Created):
        house_id: UUID
        room: str
        topic: str
        format: str
        capacity: int
        starts_at: datetime
        ends_at: datetime
        volunteer_id: UUID

    class ParticipantEnrolled(DarAggregate.Event):
        """`known`: a citizen found by CIN; `first_time`: they had never attended a session."""

        house_id: UUID
        participant_id: UUID
        known: bool
        age_band: str
        gender: str
        first_time: bool

        def apply(self, aggregate: TrainingSession) -> None:
            """One more participant."""
            aggregate.participants[self.participant_id] = Participant(
                self.participant_id,
                self.known,
                AgeBand(self.age_band),
                Gender(self.gender),
                self.first_time,
            )

    class Held(DarAggregate.Event):
        """The session took place: who came, who did not, and the volunteer's minutes."""

        house_id: UUID
        volunteer_id: UUID
        present: tuple[UUID, ...]
        absent: tuple[UUID, ...]
        volunteer_minutes: int

        def apply(self, aggregate: TrainingSession) -> None:
            """Attendance is known; nothing more changes."""
            aggregate.status = SessionStatus.HELD
            aggregate.present = frozenset(self.present)

    class Cancelled(DarAggregate.Event):
        house_id: UUID
        reason: str

        def apply(self, aggregate: TrainingSession) -> None:
            """The session will not take place."""
            aggregate.status = SessionStatus.CANCELLED

    def __init__(  # noqa: PLR0913, PLR0917 - the Scheduled event's fields
        self,
        house_id: UUID,
        room: str,
        topic: str,
        format: str,  # noqa: A002 - the event's field
        capacity: int,
        starts_at: datetime,
        ends_at: datetime,
        volunteer_id: UUID,
    ) -> None:
        self.plan = Plan(
            house_id,
            room,
            Topic(topic),
            SessionFormat(format),
            capacity,
            starts_at,
            ends_at,
            volunteer_id,
        )
        self.status = SessionStatus.SCHEDULED
        self.participants: dict[UUID, Participant] = {}
        self.present: frozenset[UUID] = frozenset()

    @classmethod
    def schedule(cls, plan: Plan, act: Act) -> TrainingSession:
        """A new session; the caller has checked the volunteer may teach its topic."""
        return cls._create(
            cls.Scheduled,
            id=new_id(),
            timestamp=act.at,
            actor=act.actor,
            command_id=act.command_id,
            house_id=plan.house_id,
            room=plan.room.strip(),
            topic=plan.topic.value,
            format=plan.format.value,
            capacity=plan.capacity,
            starts_at=plan.starts_at,
            ends_at=plan.ends_at,
            volunteer_id=plan.volunteer_id,
        )

    @property
    def house_id(self) -> UUID:
        """The house whose room hosts the session."""
        return self.plan.house_id

    def enroll(self, participant: Participant, act: Act) -> None:
        """Enrol a participant while the session is scheduled, never past its capacity."""
        self._refuse_unless_scheduled("enrol a participant")
        if participant.participant_id in self.participants:
            raise AlreadyExistsError("the participant is enrolled in this session already")
        if len(self.participants) >= self.plan.capacity:
            raise SessionFullError(f"the session is full ({self.plan.capacity} places)")
        self._record(
            self.ParticipantEnrolled,
            act,
            house_id=self.house_id,
            participant_id=participant.participant_id,
            known=participant.known,
            age_band=participant.age_band.value,
            gender=participant.gender.value,
            first_time=participant.first_time,
        )

    def hold(self, present: frozenset[UUID], volunteer_minutes: int | None, act: Act) -> None:
        """Record who came, once the session has started; the others were absent."""
        self._refuse_unless_scheduled("record attendance")
        if act.at < self.plan.starts_at:
            raise InvalidTransitionError("attendance is recorded once the session has started")
        strangers = present - self.participants.keys()
        if strangers:
            raise ValidationError("present", f"{len(strangers)} of them are not enrolled")
        minutes = self.plan.minutes if volunteer_minutes is None else volunteer_minutes
        if not 0 < minutes <= MAX_SESSION_MINUTES:
            raise ValidationError("volunteerMinutes", f"1 to {MAX_SESSION_MINUTES} minutes")
        enrolled = list(self.participants)
        self._record(
            self.Held,
            act,
            house_id=self.house_id,
            volunteer_id=self.plan.volunteer_id,
            present=tuple(p for p in enrolled if p in present),
            absent=tuple(p for p in enrolled if p not in present),
            volunteer_minutes=minutes,
        )

    def cancel(self, reason: str, act: Act) -> None:
        """A scheduled session will not take place."""
        self._refuse_unless_scheduled("cancel")
        if not reason.strip() or len(reason) > MAX_REASON:
            raise ValidationError("reason", f"must be 1 to {MAX_REASON} characters")
        self._record(self.Cancelled, act, house_id=self.house_id, reason=reason.strip())

    def _refuse_unless_scheduled(self, what: str) -> None:
        match self.status:
            case SessionStatus.SCHEDULED:
                return
            case SessionStatus.CANCELLED:
                raise SessionCancelledError(f"the session was cancelled: cannot {what}")
            case SessionStatus.HELD:
                raise InvalidTransitionError(f"the session was held already: cannot {what}")
