"""Commands of digital inclusion, and what they answer.

`house_code` on a session's or participant's command is the caller's own house when the caller
is bound to one (a volunteer, a supervisor), None for an administrator; `volunteer_code` names the
volunteer acting (None when house staff or an administrator act).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from application.commands import PERSONAL, Command
from domain.inclusion.values import AgeBand, Gender, Milestone, SessionFormat, Topic


@dataclass(frozen=True)
class RegisterVolunteer(Command):
    """Register a volunteer of a house, from an association, accredited for topics."""

    house_code: str
    code: str
    display_name: str
    association: str
    topics: tuple[Topic, ...]


@dataclass(frozen=True)
class AccreditVolunteer(Command):
    """Replace the topics a volunteer may teach."""

    house_code: str
    code: str
    topics: tuple[Topic, ...]


@dataclass(frozen=True)
class DeactivateVolunteer(Command):
    """A volunteer stops teaching."""

    house_code: str
    code: str
    reason: str


@dataclass(frozen=True)
class ReactivateVolunteer(Command):
    """A deactivated volunteer comes back."""

    house_code: str
    code: str


@dataclass(frozen=True)
class ScheduleSession(Command):
    """Schedule a session in a room of the house, taught by one of its volunteers."""

    house_code: str
    volunteer_code: str
    room: str
    topic: Topic
    format: SessionFormat
    capacity: int
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class EnrollParticipant(Command):
    """Enrol a participant: a citizen by CIN, a returning participant, or a new anonymous one.

    The CIN is personal: it stays out of the command's digest; a retry is recognised by the
    participant the CIN leads to.
    """

    session_id: UUID
    house_code: str | None
    volunteer_code: str | None
    participant_id: UUID | None = None
    age_band: AgeBand = AgeBand.NOT_STATED
    gender: Gender = Gender.NOT_STATED
    cin: str | None = field(default=None, metadata=PERSONAL)


@dataclass(frozen=True)
class RecordAttendance(Command):
    """Record who came to a session (the other participants were absent): it was held."""

    session_id: UUID
    house_code: str | None
    volunteer_code: str | None
    present: tuple[UUID, ...]
    volunteer_minutes: int | None = None


@dataclass(frozen=True)
class CancelSession(Command):
    """A scheduled session will not take place."""

    session_id: UUID
    house_code: str | None
    volunteer_code: str | None
    reason: str


@dataclass(frozen=True)
class RecordMilestone(Command):
    """A participant reached a step of autonomy, seen in the house's room."""

    participant_id: UUID
    house_code: str
    volunteer_code: str | None
    milestone: Milestone


@dataclass(frozen=True)
class VolunteerChanged:
    """The volunteer registered or changed."""

    id: UUID


@dataclass(frozen=True)
class SessionChanged:
    """The session scheduled, held or cancelled."""

    id: UUID


@dataclass(frozen=True)
class Enrolment:
    """The session, and the participant enrolled (their id to enrol them again)."""

    id: UUID
    participant_id: UUID


@dataclass(frozen=True)
class ParticipantChanged:
    """The participant who reached a milestone."""

    id: UUID
