"""Digital inclusion in GraphQL: volunteers, sessions, enrolments, attendance, milestones.

A house's supervisor (or an administrator) registers its volunteers. A volunteer schedules the
sessions they teach, enrols participants, records attendance and milestones, in their own house
only; so may the house's supervisor and an administrator, naming the volunteer who teaches. A
citizen is enrolled by CIN without anything of them coming back: only the participant's id.
"""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

import strawberry

from api.auth import Role
from api.graphql.caller import Caller, parse_id
from api.graphql.enums import AgeBand, Gender, InclusionTopic, Milestone, SessionFormat
from api.graphql.pipeline import CommandResult, InHouse, Submission, mutation
from api.graphql.rows import Answer
from api.graphql.scalars import Position
from application.commands import Command
from application.inclusion.commands import (
    AccreditVolunteer,
    CancelSession,
    DeactivateVolunteer,
    EnrollParticipant,
    Enrolment,
    ParticipantChanged,
    ReactivateVolunteer,
    RecordAttendance,
    RecordMilestone,
    RegisterVolunteer,
    ScheduleSession,
    SessionChanged,
    VolunteerChanged,
)
from domain.shared.errors import NotFoundError, ValidationError

SUPERVISORS = frozenset({Role.SUPERVISOR, Role.ADMIN})
TEACHERS = frozenset({Role.VOLUNTEER, Role.SUPERVISOR, Role.ADMIN})
MAX_PRESENT = 30
C = TypeVar("C", bound=Command)


def _acting(caller: Caller) -> str | None:
    """The volunteer acting, when the caller is one."""
    return caller.principal.subject if caller.role is Role.VOLUNTEER else None


@strawberry.input(description="Register a volunteer of a house (the house's supervisor, admin).")
class RegisterVolunteerInput(InHouse):
    code: str = strawberry.field(description="The volunteer's code in the house, e.g. V-017.")
    display_name: str
    association: str
    topics: list[InclusionTopic]

    async def to_command(self, caller: Caller) -> Submission[RegisterVolunteer, VolunteerChanged]:
        """The volunteer, in the house named (a supervisor: their own)."""
        command = await self.in_house(caller, RegisterVolunteer)
        return Submission(command, caller.dar.inclusion.register_volunteer)


@strawberry.input(description="A command on a volunteer, with the idempotency key.")
class OfVolunteer:
    command_id: str
    volunteer_id: strawberry.ID

    async def of_volunteer(self, caller: Caller, kind: type[C], **extras: object) -> C:
        """The command `kind` on the volunteer named (a supervisor: of their house)."""
        key = caller.key(self.command_id)
        house, code = await caller.volunteer_of(self.volunteer_id)
        return caller.command(kind, self, command_id=key, house_code=house, code=code, **extras)


@strawberry.input(description="Replace the topics a volunteer may teach.")
class AccreditVolunteerInput(OfVolunteer):
    topics: list[InclusionTopic]

    async def to_command(self, caller: Caller) -> Submission[AccreditVolunteer, VolunteerChanged]:
        """The volunteer's new topics."""
        command = await self.of_volunteer(caller, AccreditVolunteer)
        return Submission(command, caller.dar.inclusion.accredit_volunteer)


@strawberry.input(description="A volunteer stops: their token is refused from now on.")
class DeactivateVolunteerInput(OfVolunteer):
    reason: str

    async def to_command(self, caller: Caller) -> Submission[DeactivateVolunteer, VolunteerChanged]:
        """Deactivate the volunteer."""
        command = await self.of_volunteer(caller, DeactivateVolunteer)
        return Submission(command, caller.dar.inclusion.deactivate_volunteer)


@strawberry.input(description="A deactivated volunteer comes back.")
class ReactivateVolunteerInput(OfVolunteer):
    async def to_command(self, caller: Caller) -> Submission[ReactivateVolunteer, VolunteerChanged]:
        """Reactivate the volunteer."""
        command = await self.of_volunteer(caller, ReactivateVolunteer)
        return Submission(command, caller.dar.inclusion.reactivate_volunteer)


@strawberry.input(description="A session in a room of the house, taught by one of its volunteers.")
class ScheduleSessionInput(InHouse):
    room: str
    topic: InclusionTopic
    format: SessionFormat
    capacity: int = strawberry.field(description="1 for an individual session, 2 to 30 a group.")
    starts_at: datetime
    ends_at: datetime
    volunteer_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Who teaches (a supervisor or an administrator names them; a volunteer "
        "schedules for themself).",
    )

    async def to_command(self, caller: Caller) -> Submission[ScheduleSession, SessionChanged]:
        """A volunteer teaches what they schedule; staff name the volunteer, of the house."""
        key = caller.key(self.command_id)
        house = await caller.house_code_of(self.house_id)
        if caller.role is Role.VOLUNTEER:
            teacher = caller.principal.subject
        elif self.volunteer_id is None:
            raise ValidationError("volunteerId", "name the volunteer who teaches the session")
        else:
            volunteer_house, teacher = await caller.volunteer_of(self.volunteer_id)
            if volunteer_house != house:
                raise NotFoundError("no such volunteer in this house")
        command = caller.command(
            ScheduleSession, self, command_id=key, house_code=house, volunteer_code=teacher
        )
        return Submission(command, caller.dar.inclusion.schedule_session)


@strawberry.input(description="A command on a session, with the idempotency key.")
class OnSession:
    command_id: str
    session_id: strawberry.ID

    def on_session(self, caller: Caller, kind: type[C], **extras: object) -> C:
        """The command `kind` on the session, by the caller in their house."""
        return caller.command(
            kind,
            self,
            session_id=parse_id(self.session_id, "sessionId"),
            house_code=caller.house_code,
            volunteer_code=_acting(caller),
            **extras,
        )


@strawberry.input(
    description="Enrol a participant: a citizen by CIN (nothing of them is returned), a "
    "returning participant by id, or (neither) a new anonymous participant."
)
class EnrollParticipantInput(OnSession):
    cin: str | None = strawberry.field(default=None, description="A registered citizen's CIN.")
    participant_id: strawberry.ID | None = strawberry.field(
        default=None, description="A participant enrolled before (their id)."
    )
    age_band: AgeBand = AgeBand.NOT_STATED
    gender: Gender = Gender.NOT_STATED

    async def to_command(self, caller: Caller) -> Submission[EnrollParticipant, Enrolment]:
        """The enrolment; the CIN stays out of every event and answer."""
        participant = (
            None if self.participant_id is None else parse_id(self.participant_id, "participantId")
        )
        command = self.on_session(caller, EnrollParticipant, participant_id=participant)
        return Submission(command, caller.dar.inclusion.enroll_participant)


@strawberry.input(description="Who came to a session (the other participants were absent).")
class RecordAttendanceInput(OnSession):
    present: list[strawberry.ID]
    volunteer_minutes: int | None = strawberry.field(
        default=None, description="The volunteer's time (default: the session's length)."
    )

    async def to_command(self, caller: Caller) -> Submission[RecordAttendance, SessionChanged]:
        """The session held, with its attendance."""
        if len(self.present) > MAX_PRESENT:
            raise ValidationError("present", f"at most {MAX_PRESENT} participants")
        present = tuple(parse_id(p, f"present[{i}]") for i, p in enumerate(self.present))
        command = self.on_session(caller, RecordAttendance, present=present)
        return Submission(command, caller.dar.inclusion.record_attendance)


@strawberry.input(description="A scheduled session will not take place.")
class CancelSessionInput(OnSession):
    reason: str

    async def to_command(self, caller: Caller) -> Submission[CancelSession, SessionChanged]:
        """The session cancelled."""
        command = self.on_session(caller, CancelSession)
        return Submission(command, caller.dar.inclusion.cancel_session)


@strawberry.input(description="A participant reached a step of autonomy, seen in the house's room.")
class RecordMilestoneInput(InHouse):
    participant_id: strawberry.ID
    milestone: Milestone

    async def to_command(self, caller: Caller) -> Submission[RecordMilestone, ParticipantChanged]:
        """The milestone, for a participant known in the house."""
        command = await self.in_house(
            caller,
            RecordMilestone,
            participant_id=parse_id(self.participant_id, "participantId"),
            volunteer_code=_acting(caller),
        )
        return Submission(command, caller.dar.inclusion.record_milestone)


@strawberry.type(description="A participant enrolled in a session.")
class EnrolmentResult(Answer[Enrolment]):
    id: strawberry.ID = strawberry.field(description="The session.")
    participant_id: strawberry.ID = strawberry.field(
        description="The participant (keep it to enrol them again or record a milestone)."
    )
    position: Position
    replayed: bool


@strawberry.type
class InclusionMutations:
    register_volunteer = mutation(
        RegisterVolunteerInput,
        CommandResult,
        SUPERVISORS,
        "Register a volunteer of a house with their association and topics (the house's "
        "supervisor, admin).",
    )
    accredit_volunteer = mutation(
        AccreditVolunteerInput,
        CommandResult,
        SUPERVISORS,
        "Replace the topics a volunteer may teach (the house's supervisor, admin).",
    )
    deactivate_volunteer = mutation(
        DeactivateVolunteerInput,
        CommandResult,
        SUPERVISORS,
        "Deactivate a volunteer: their token is refused (the house's supervisor, admin).",
    )
    reactivate_volunteer = mutation(
        ReactivateVolunteerInput,
        CommandResult,
        SUPERVISORS,
        "Reactivate a volunteer (the house's supervisor, admin).",
    )
    schedule_session = mutation(
        ScheduleSessionInput,
        CommandResult,
        TEACHERS,
        "Schedule a training session (a volunteer: one they teach; the house's supervisor, admin).",
    )
    enroll_participant = mutation(
        EnrollParticipantInput,
        EnrolmentResult,
        TEACHERS,
        "Enrol a participant in a session, never past its capacity.",
    )
    record_attendance = mutation(
        RecordAttendanceInput,
        CommandResult,
        TEACHERS,
        "Record who came to a session that has started: it is held.",
    )
    cancel_session = mutation(
        CancelSessionInput, CommandResult, TEACHERS, "Cancel a scheduled session."
    )
    record_milestone = mutation(
        RecordMilestoneInput,
        CommandResult,
        TEACHERS,
        "Record a participant's step of autonomy (after a session attended).",
    )
