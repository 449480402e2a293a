"""The words of digital inclusion: topics, formats, age bands, genders, milestones; its refusals."""

from __future__ import annotations

from enum import StrEnum

from domain.shared.errors import DarError, ValidationError

MAX_GROUP_CAPACITY = 30
MAX_SESSION_MINUTES = 8 * 60


class Topic(StrEnum):
    """What a session teaches (a volunteer is accredited topic by topic)."""

    INTERNET_BASICS = "INTERNET_BASICS"
    ONLINE_SAFETY = "ONLINE_SAFETY"
    ONLINE_PROCEDURES = "ONLINE_PROCEDURES"
    E_PAYMENT = "E_PAYMENT"
    MOBILE_ID = "MOBILE_ID"


class SessionFormat(StrEnum):
    """One citizen with the volunteer, or a group."""

    INDIVIDUAL = "INDIVIDUAL"
    GROUP = "GROUP"


class SessionStatus(StrEnum):
    """Where a session stands: scheduled, then held (attendance recorded) or cancelled."""

    SCHEDULED = "SCHEDULED"
    HELD = "HELD"
    CANCELLED = "CANCELLED"


class AgeBand(StrEnum):
    """All that is known of an anonymous participant's age."""

    UNDER_18 = "UNDER_18"
    FROM_18_TO_29 = "FROM_18_TO_29"
    FROM_30_TO_44 = "FROM_30_TO_44"
    FROM_45_TO_59 = "FROM_45_TO_59"
    FROM_60 = "FROM_60"
    NOT_STATED = "NOT_STATED"


class Gender(StrEnum):
    """All that is known of an anonymous participant besides the age band."""

    FEMALE = "FEMALE"
    MALE = "MALE"
    NOT_STATED = "NOT_STATED"


class Milestone(StrEnum):
    """A step of a participant's autonomy, reached once."""

    FIRST_ONLINE_PROCEDURE_ALONE = "FIRST_ONLINE_PROCEDURE_ALONE"
    FIRST_E_PAYMENT_ALONE = "FIRST_E_PAYMENT_ALONE"
    MOBILE_ID_ACTIVATED = "MOBILE_ID_ACTIVATED"


def topics(values: tuple[str, ...] | list[str]) -> tuple[Topic, ...]:
    """Distinct topics, sorted; at least one."""
    found = tuple(sorted({Topic(value) for value in values}))
    if not found:
        raise ValidationError("topics", "at least one topic")
    return found


class VolunteerInactiveError(DarError):
    """The volunteer has been deactivated: they may neither teach nor record anything."""

    code = "VOLUNTEER_INACTIVE"


class VolunteerNotAccreditedError(DarError):
    """The volunteer is not accredited to teach this session's topic."""

    code = "VOLUNTEER_NOT_ACCREDITED"


class SessionFullError(DarError):
    """The session has as many participants as its capacity: nobody more may enrol."""

    code = "SESSION_FULL"


class SessionCancelledError(DarError):
    """The session was cancelled: no enrolment, attendance or change is recorded for it."""

    code = "SESSION_CANCELLED"


class NoSessionAttendedError(DarError):
    """A milestone is recorded only for a participant who has attended a session."""

    code = "NO_SESSION_ATTENDED"
