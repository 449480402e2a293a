"""Rows of the inclusion statistics read model and the port that writes them.

No row names a participant or a volunteer: cells count sessions, enrolments, attendances and
milestones per house and Tunis day, by topic, milestone or age band and gender; the index rows
hold a house's codes and names and a session's day, topic and capacity. A participant is never
followed from session to session here: who came twice is the domain's business, not the
statistics' (first-timers are told by the domain's `Learner.SessionAttended.first`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol
from uuid import UUID

# --- cells: what the figures are merged from ------------------------------------------------


@dataclass(frozen=True)
class SessionDayCell:
    """The sessions of one topic at a house on a day (the Tunis day of their start).

    `scheduled` counts every session planned for the day, whatever became of it; `held` and
    `cancelled` what became of them. `enrolled` are the participants enrolled in the day's
    sessions; `attended` and `absent` the attendance recorded when a session was held;
    `first_timers` those present at their first session ever. `held_capacity` and
    `held_enrolled` are the places and enrolments of the sessions held (the fill rate's parts);
    `volunteer_minutes` the minutes the volunteers gave to them.
    """

    house_id: UUID
    day: date
    topic: str
    scheduled: int
    held: int
    cancelled: int
    enrolled: int
    attended: int
    absent: int
    first_timers: int
    held_capacity: int
    held_enrolled: int
    volunteer_minutes: int


@dataclass(frozen=True)
class ProfileDayCell:
    """Enrolments in a house's sessions of a day by the participants' age band and gender.

    `first_time`: enrolments of participants who had attended no session yet; `known`: of
    citizens found by their CIN (the others are anonymous).
    """

    house_id: UUID
    day: date
    age_band: str
    gender: str
    enrolled: int
    first_time: int
    known: int


@dataclass(frozen=True)
class MilestoneDayCell:
    """Participants of a house who reached a milestone of autonomy on a day."""

    house_id: UUID
    day: date
    milestone: str
    reached: int


# --- index rows: where later events' figures go ----------------------------------------------


@dataclass(frozen=True)
class InclusionHouseRow:
    """A house as registered: its code, names and where it is."""

    house_id: UUID
    code: str
    name_ar: str
    name_fr: str
    municipality: str
    governorate: str


@dataclass(frozen=True)
class SessionRow:
    """A session's cell (house, day, topic), its places and enrolments so far, and its status."""

    session_id: UUID
    house_id: UUID
    day: date
    topic: str
    capacity: int
    enrolled: int
    status: str


@dataclass(frozen=True)
class InclusionSkippedRow:
    """Events the inclusion statistics could not place (a session never scheduled)."""

    event_type: str
    reason: str
    count: int
    last_position: int


class InclusionStatisticsWriter(Protocol):
    """Reads and writes the inclusion statistics rows inside the runner's transaction."""

    def session_day(self, house_id: UUID, day: date, topic: str) -> SessionDayCell:
        """The cell, or an empty one."""
        ...

    def put_session_day(self, cell: SessionDayCell) -> None:
        """Write the cell."""
        ...

    def profile_day(self, house_id: UUID, day: date, age_band: str, gender: str) -> ProfileDayCell:
        """The cell, or an empty one."""
        ...

    def put_profile_day(self, cell: ProfileDayCell) -> None:
        """Write the cell."""
        ...

    def milestone_day(self, house_id: UUID, day: date, milestone: str) -> MilestoneDayCell:
        """The cell, or an empty one."""
        ...

    def put_milestone_day(self, cell: MilestoneDayCell) -> None:
        """Write the cell."""
        ...

    def put_house(self, row: InclusionHouseRow) -> None:
        """Write the house."""
        ...

    def session(self, session_id: UUID) -> SessionRow | None:
        """A session scheduled earlier."""
        ...

    def put_session(self, row: SessionRow) -> None:
        """Write the session."""
        ...

    def skip(self, event_type: str, reason: str, position: int) -> None:
        """Count an event the inclusion statistics cannot place."""
        ...
