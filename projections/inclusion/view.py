"""Rows of the inclusion read model and the ports that write and read them (no citizen data)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from uuid import UUID


@dataclass(frozen=True)
class InclusionSessionRow:
    """A training session as a house's calendar shows it; `day` is the Tunis day it starts."""

    session_id: UUID
    house_id: UUID
    room: str
    topic: str
    format: str
    capacity: int
    starts_at: datetime
    ends_at: datetime
    day: date
    volunteer_id: UUID
    status: str
    enrolled: int
    attended: int
    volunteer_minutes: int | None
    position: int


@dataclass(frozen=True)
class SessionParticipantRow:
    """A participant of a session: no name, no CIN; `present` is None until the session is held."""

    session_id: UUID
    participant_id: UUID
    seat: int  # the order of enrolment, from 1
    known: bool
    age_band: str
    gender: str
    first_time: bool
    present: bool | None
    position: int


@dataclass(frozen=True)
class InclusionVolunteerRow:
    """A volunteer of a house: code, name, association, topics, active or not."""

    volunteer_id: UUID
    house_id: UUID
    code: str
    display_name: str
    association: str
    topics: tuple[str, ...]
    active: bool
    position: int


@dataclass(frozen=True)
class LearnerRow:
    """A participant's progress: sessions attended and milestones reached."""

    participant_id: UUID
    sessions_attended: int
    milestones: tuple[str, ...]
    position: int


class InclusionWriter(Protocol):
    """Writes the inclusion tables inside the runner's transaction."""

    def put_session(self, row: InclusionSessionRow) -> None:
        """Insert or replace a session."""
        ...

    def session(self, session_id: UUID) -> InclusionSessionRow | None:
        """A session written earlier, if any."""
        ...

    def put_participant(self, row: SessionParticipantRow) -> None:
        """Insert or replace a session's participant."""
        ...

    def participant(self, session_id: UUID, participant_id: UUID) -> SessionParticipantRow | None:
        """A session's participant written earlier, if any."""
        ...

    def put_volunteer(self, row: InclusionVolunteerRow) -> None:
        """Insert or replace a volunteer."""
        ...

    def volunteer(self, volunteer_id: UUID) -> InclusionVolunteerRow | None:
        """A volunteer written earlier, if any."""
        ...

    def put_learner(self, row: LearnerRow) -> None:
        """Insert or replace a participant's progress."""
        ...

    def learner(self, participant_id: UUID) -> LearnerRow | None:
        """A participant's progress written earlier, if any."""
        ...


@dataclass(frozen=True)
class CalendarEntry:
    """A session of the calendar with its volunteer and its participants (with milestones)."""

    session: InclusionSessionRow
    volunteer: InclusionVolunteerRow | None
    participants: tuple[tuple[SessionParticipantRow, tuple[str, ...]], ...]


class InclusionReader(Protocol):
    """Reads the inclusion tables."""

    def calendar(self, house_id: UUID, first: date, last: date) -> list[CalendarEntry]:
        """The house's sessions starting on a Tunis day in [first, last], by start time."""
        ...

    def volunteers(self, house_id: UUID) -> list[InclusionVolunteerRow]:
        """The house's volunteers, by code."""
        ...
