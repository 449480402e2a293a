"""Projects the digital-inclusion rooms' events into the governance office's cells.

A session counts on the Tunis day it starts (scheduled, held or cancelled, its enrolments, its
attendance, its first-timers and its volunteer's minutes); a milestone on the day it was
reached. Figures for a municipality, a governorate, the nation, a week or a month are sums of
these cells made when asked. An event the statistics cannot place (a session never scheduled,
a session held twice) is counted in `skipped` and changes no cell: no event stops this model.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from eventsourcing.domain import DomainEventProtocol

from domain.houses.house import House
from domain.inclusion.learner import Learner
from domain.inclusion.session import TrainingSession
from domain.inclusion.values import SessionStatus
from domain.shared.time import tunis_day
from projections.inclusion_statistics.view import (
    InclusionHouseRow,
    InclusionStatisticsWriter,
    SessionRow,
)
from projections.rows import changed

Step = Callable[[Any, int, InclusionStatisticsWriter], None]


class InclusionStatisticsProjection:
    """The inclusion cells; nothing of a participant or a volunteer is read into them."""

    name = "inclusion_statistics"
    version = 1
    # the aggregates whose events it applies: the runner decodes no other event for it
    subscribes_to: ClassVar[tuple[type, ...]] = (House, TrainingSession, Learner)

    def __init__(self) -> None:
        self._steps: dict[type, Step] = {
            House.Registered: _house_registered,
            TrainingSession.Scheduled: _scheduled,
            TrainingSession.ParticipantEnrolled: _enrolled,
            TrainingSession.Held: _held,
            TrainingSession.Cancelled: _cancelled,
            Learner.SessionAttended: _attended,
            Learner.MilestoneReached: _milestone,
        }

    @property
    def key(self) -> str:
        """Tracking key and table suffix."""
        return f"{self.name}_v{self.version}"

    def apply(
        self, event: DomainEventProtocol[Any], position: int, w: InclusionStatisticsWriter
    ) -> None:
        """Add the event to its cell; an event that says nothing the figures count is passed."""
        step = self._steps.get(type(event))
        if step is not None:
            step(event, position, w)


def _house_registered(e: Any, _: int, w: InclusionStatisticsWriter) -> None:  # noqa: ANN401
    w.put_house(
        InclusionHouseRow(
            e.originator_id, e.code, e.name_ar, e.name_fr, e.municipality, e.governorate
        )
    )


def _scheduled(e: Any, _: int, w: InclusionStatisticsWriter) -> None:  # noqa: ANN401
    day = tunis_day(e.starts_at)
    scheduled = SessionStatus.SCHEDULED.value
    w.put_session(SessionRow(e.originator_id, e.house_id, day, e.topic, e.capacity, 0, scheduled))
    cell = w.session_day(e.house_id, day, e.topic)
    w.put_session_day(changed(cell, scheduled=cell.scheduled + 1))


def _open_session(
    e: Any,  # noqa: ANN401
    position: int,
    w: InclusionStatisticsWriter,
) -> SessionRow | None:
    """The scheduled session the event names, or None (counted as skipped)."""
    session = w.session(e.originator_id)
    if session is None or session.status != SessionStatus.SCHEDULED.value:
        reason = "unknown session" if session is None else f"session {session.status.lower()}"
        w.skip(type(e).__qualname__, reason, position)
        return None
    return session


def _enrolled(e: Any, position: int, w: InclusionStatisticsWriter) -> None:  # noqa: ANN401
    session = _open_session(e, position, w)
    if session is None:
        return
    w.put_session(changed(session, enrolled=session.enrolled + 1))
    cell = w.session_day(session.house_id, session.day, session.topic)
    w.put_session_day(changed(cell, enrolled=cell.enrolled + 1))
    profile = w.profile_day(session.house_id, session.day, e.age_band, e.gender)
    w.put_profile_day(
        changed(
            profile,
            enrolled=profile.enrolled + 1,
            first_time=profile.first_time + e.first_time,
            known=profile.known + e.known,
        )
    )


def _held(e: Any, position: int, w: InclusionStatisticsWriter) -> None:  # noqa: ANN401
    """Held: its attendance, its places and enrolments (the fill rate), its volunteer's time."""
    session = _open_session(e, position, w)
    if session is None:
        return
    w.put_session(changed(session, status=SessionStatus.HELD.value))
    cell = w.session_day(session.house_id, session.day, session.topic)
    w.put_session_day(
        changed(
            cell,
            held=cell.held + 1,
            attended=cell.attended + len(e.present),
            absent=cell.absent + len(e.absent),
            held_capacity=cell.held_capacity + session.capacity,
            held_enrolled=cell.held_enrolled + session.enrolled,
            volunteer_minutes=cell.volunteer_minutes + e.volunteer_minutes,
        )
    )


def _cancelled(e: Any, position: int, w: InclusionStatisticsWriter) -> None:  # noqa: ANN401
    session = _open_session(e, position, w)
    if session is None:
        return
    w.put_session(changed(session, status=SessionStatus.CANCELLED.value))
    cell = w.session_day(session.house_id, session.day, session.topic)
    w.put_session_day(changed(cell, cancelled=cell.cancelled + 1))


def _attended(e: Any, position: int, w: InclusionStatisticsWriter) -> None:  # noqa: ANN401
    """A participant's first session ever counts them as a first-timer, on that session's day."""
    if not e.first:
        return
    session = w.session(e.session_id)
    if session is None:
        w.skip(type(e).__qualname__, "unknown session", position)
        return
    cell = w.session_day(session.house_id, session.day, session.topic)
    w.put_session_day(changed(cell, first_timers=cell.first_timers + 1))


def _milestone(e: Any, _: int, w: InclusionStatisticsWriter) -> None:  # noqa: ANN401
    cell = w.milestone_day(e.house_id, tunis_day(e.timestamp), e.milestone)
    w.put_milestone_day(changed(cell, reached=cell.reached + 1))
