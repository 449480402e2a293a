"""Projects volunteers, sessions and participants into the inclusion calendar.

An event that the calendar cannot place (an enrolment in a session never scheduled) changes
nothing: no event stops this read model.
"""

from __future__ import annotations

from typing import Any, ClassVar

from eventsourcing.domain import DomainEventProtocol

from domain.inclusion.learner import Learner
from domain.inclusion.session import TrainingSession
from domain.inclusion.values import SessionStatus
from domain.inclusion.volunteer import Volunteer
from domain.shared.time import tunis_day
from projections.inclusion.view import (
    InclusionSessionRow,
    InclusionVolunteerRow,
    InclusionWriter,
    LearnerRow,
    SessionParticipantRow,
)
from projections.rows import changed


class InclusionProjection:
    """Each session's fill and attendance, each volunteer, each participant's milestones."""

    name = "inclusion"
    version = 1
    subscribes_to: ClassVar[tuple[type, ...]] = (Volunteer, TrainingSession, Learner)

    @property
    def key(self) -> str:
        """Tracking key and table suffix."""
        return f"{self.name}_v{self.version}"

    def apply(
        self, event: DomainEventProtocol[Any], position: int, writer: InclusionWriter
    ) -> None:
        """Volunteers, sessions and learners are ours."""
        match event:
            case Volunteer.Registered():
                writer.put_volunteer(_registered(event, position))
            case Volunteer.TopicsAccredited() | Volunteer.Deactivated() | Volunteer.Reactivated():
                _volunteer(event, position, writer)
            case TrainingSession.Scheduled():
                writer.put_session(_scheduled(event, position))
            case TrainingSession.ParticipantEnrolled():
                _enrolled(event, position, writer)
            case TrainingSession.Held():
                _held(event, position, writer)
            case TrainingSession.Cancelled():
                found_session = writer.session(event.originator_id)
                if found_session is not None:
                    status = SessionStatus.CANCELLED.value
                    writer.put_session(changed(found_session, status=status, position=position))
            case Learner.Started():
                writer.put_learner(LearnerRow(event.originator_id, 0, (), position))
            case Learner.SessionAttended() | Learner.MilestoneReached():
                _progress(event, position, writer)
            case _:
                pass


def _registered(event: Volunteer.Registered, position: int) -> InclusionVolunteerRow:
    return InclusionVolunteerRow(
        volunteer_id=event.originator_id,
        house_id=event.house_id,
        code=event.code,
        display_name=event.display_name,
        association=event.association,
        topics=tuple(event.topics),
        active=True,
        position=position,
    )


def _volunteer(
    event: Volunteer.TopicsAccredited | Volunteer.Deactivated | Volunteer.Reactivated,
    position: int,
    writer: InclusionWriter,
) -> None:
    found = writer.volunteer(event.originator_id)
    if found is None:
        return
    match event:
        case Volunteer.TopicsAccredited():
            writer.put_volunteer(changed(found, topics=tuple(event.topics), position=position))
        case Volunteer.Deactivated():
            writer.put_volunteer(changed(found, active=False, position=position))
        case Volunteer.Reactivated():
            writer.put_volunteer(changed(found, active=True, position=position))


def _scheduled(event: TrainingSession.Scheduled, position: int) -> InclusionSessionRow:
    return InclusionSessionRow(
        session_id=event.originator_id,
        house_id=event.house_id,
        room=event.room,
        topic=event.topic,
        format=event.format,
        capacity=event.capacity,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        day=tunis_day(event.starts_at),
        volunteer_id=event.volunteer_id,
        status=SessionStatus.SCHEDULED.value,
        enrolled=0,
        attended=0,
        volunteer_minutes=None,
        position=position,
    )


def _enrolled(
    event: TrainingSession.ParticipantEnrolled, position: int, writer: InclusionWriter
) -> None:
    session = writer.session(event.originator_id)
    if session is None:
        return
    seat = session.enrolled + 1
    writer.put_session(changed(session, enrolled=seat, position=position))
    writer.put_participant(
        SessionParticipantRow(
            session_id=event.originator_id,
            participant_id=event.participant_id,
            seat=seat,
            known=event.known,
            age_band=event.age_band,
            gender=event.gender,
            first_time=event.first_time,
            present=None,
            position=position,
        )
    )


def _held(event: TrainingSession.Held, position: int, writer: InclusionWriter) -> None:
    session = writer.session(event.originator_id)
    if session is None:
        return
    writer.put_session(
        changed(
            session,
            status=SessionStatus.HELD.value,
            attended=len(event.present),
            volunteer_minutes=event.volunteer_minutes,
            position=position,
        )
    )
    for participants, present in ((event.present, True), (event.absent, False)):
        for participant_id in participants:
            row = writer.participant(event.originator_id, participant_id)
            if row is not None:
                writer.put_participant(changed(row, present=present, position=position))


def _progress(
    event: Learner.SessionAttended | Learner.MilestoneReached,
    position: int,
    writer: InclusionWriter,
) -> None:
    found = writer.learner(event.originator_id)
    if found is None:
        return
    if isinstance(event, Learner.SessionAttended):
        attended = found.sessions_attended + 1
        writer.put_learner(changed(found, sessions_attended=attended, position=position))
        return
    milestones = tuple(sorted({*found.milestones, event.milestone}))
    writer.put_learner(changed(found, milestones=milestones, position=position))
