"""Digital inclusion for tests: a volunteer of Haidra, sessions, enrolments, tokens."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from uuid import UUID

from api.auth import Role, TokenService
from api.bootstrap import Dar
from application.inclusion.commands import (
    CancelSession,
    DeactivateVolunteer,
    EnrollParticipant,
    RecordAttendance,
    RecordMilestone,
    RegisterVolunteer,
    ScheduleSession,
)
from domain.houses.house import house_id
from domain.inclusion.values import AgeBand, Gender, Milestone, SessionFormat, Topic
from domain.inclusion.volunteer import volunteer_id
from infrastructure.settings import Settings
from tests.support.staff import HOUSE, ensure_house

VOLUNTEER = "V-017"
ACTOR = f"volunteer:{VOLUNTEER}"
_keys = itertools.count(1)


def key(prefix: str) -> str:
    """A new command key."""
    return f"{prefix}-{next(_keys)}"


def register_volunteer(
    dar: Dar,
    code: str = VOLUNTEER,
    topics: tuple[Topic, ...] = (Topic.INTERNET_BASICS, Topic.E_PAYMENT, Topic.ONLINE_PROCEDURES),
) -> UUID:
    """A volunteer of Haidra (the house registered if needed); their id."""
    ensure_house(dar)
    outcome = dar.inclusion.register_volunteer(
        RegisterVolunteer(
            key("volunteer"),
            "supervisor:S01",
            HOUSE,
            code,
            "Amel Ben Salah",
            "Jeunes Haidra",
            topics,
        )
    )
    return outcome.value.id


def deactivate_volunteer(dar: Dar, code: str = VOLUNTEER) -> None:
    """The volunteer stops."""
    dar.inclusion.deactivate_volunteer(
        DeactivateVolunteer(key("deactivate"), "supervisor:S01", HOUSE, code, "moved away")
    )


def schedule(
    dar: Dar,
    starts_at: datetime,
    *,
    topic: Topic = Topic.INTERNET_BASICS,
    session_format: SessionFormat = SessionFormat.GROUP,
    capacity: int = 2,
    code: str = VOLUNTEER,
) -> UUID:
    """A session of 90 minutes taught by the volunteer; its id."""
    outcome = dar.inclusion.schedule_session(
        ScheduleSession(
            key("schedule"),
            f"volunteer:{code}",
            HOUSE,
            code,
            "Salle 1",
            topic,
            session_format,
            capacity,
            starts_at,
            starts_at + timedelta(minutes=90),
        )
    )
    return outcome.value.id


def enroll(
    dar: Dar,
    session: UUID,
    *,
    cin: str | None = None,
    participant: UUID | None = None,
    age_band: AgeBand = AgeBand.FROM_45_TO_59,
    gender: Gender = Gender.FEMALE,
) -> UUID:
    """Enrol a participant; their id."""
    outcome = dar.inclusion.enroll_participant(
        EnrollParticipant(
            key("enrol"),
            ACTOR,
            session,
            HOUSE,
            VOLUNTEER,
            participant_id=participant,
            age_band=age_band,
            gender=gender,
            cin=cin,
        )
    )
    return outcome.value.participant_id


def attend(dar: Dar, session: UUID, present: tuple[UUID, ...], minutes: int | None = None) -> None:
    """Record who came."""
    dar.inclusion.record_attendance(
        RecordAttendance(key("attend"), ACTOR, session, HOUSE, VOLUNTEER, present, minutes)
    )


def cancel(dar: Dar, session: UUID) -> None:
    """Cancel the session."""
    dar.inclusion.cancel_session(
        CancelSession(key("cancel"), ACTOR, session, HOUSE, VOLUNTEER, "room flooded")
    )


def milestone(dar: Dar, participant: UUID, reached: Milestone) -> None:
    """Record a milestone seen at Haidra."""
    dar.inclusion.record_milestone(
        RecordMilestone(key("milestone"), ACTOR, participant, HOUSE, VOLUNTEER, reached)
    )


def volunteer_token(dar: Dar, settings: Settings, code: str = VOLUNTEER) -> str:
    """A token of a registered, active volunteer of Haidra."""
    if dar.inclusion.volunteer_by_id(volunteer_id_of(dar, code)) is None:
        register_volunteer(dar, code)
    return TokenService(settings).mint(code, Role.VOLUNTEER, house=HOUSE)


def volunteer_id_of(dar: Dar, code: str = VOLUNTEER) -> UUID:
    """The id of Haidra's volunteer of that code."""
    del dar
    return volunteer_id(house_id(HOUSE), code)
