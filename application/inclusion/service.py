"""Handlers of digital inclusion: volunteers, sessions, enrolments, attendance, milestones.

Every command loads a bounded number of events: a volunteer's stream (registration, a few
accreditations and (de)activations), a session's (its scheduling, at most its capacity of
enrolments, how it ended) and participants' (their sessions attended and milestones). A known
citizen is found through the vault by CIN; nothing of the citizen is read or returned.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol
from uuid import UUID

from application.citizens.ports import KeyVault
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
from application.store import CommandRunner, Decision, EventStore, Outcome
from domain.citizens.citizen import Citizen
from domain.citizens.identity import DEFAULT_RULES, DocumentKind, DocumentRule, identity_document
from domain.houses.house import House, house_id
from domain.inclusion.learner import Learner, known_learner_id
from domain.inclusion.session import Participant, Plan, TrainingSession
from domain.inclusion.values import topics
from domain.inclusion.volunteer import Volunteer, volunteer_id
from domain.shared.acts import Act
from domain.shared.errors import AlreadyExistsError, NotFoundError, ValidationError


class OnSession(Protocol):
    """A command on a session, by a caller of a house (or an administrator)."""

    @property
    def session_id(self) -> UUID:
        """The session."""
        ...

    @property
    def house_code(self) -> str | None:
        """The caller's house (None: an administrator)."""
        ...

    @property
    def volunteer_code(self) -> str | None:
        """The volunteer acting (None: house staff or an administrator)."""
        ...


NO_CITIZEN = "no citizen is registered under this CIN: enrol the participant anonymously"


class InclusionService:
    """Volunteers, sessions and participants of the houses' digital-inclusion rooms."""

    def __init__(
        self,
        store: EventStore,
        runner: CommandRunner,
        vault: KeyVault,
        rules: Mapping[DocumentKind, DocumentRule] = DEFAULT_RULES,
    ) -> None:
        self._store = store
        self._runner = runner
        self._vault = vault
        self._rules = rules

    # --- volunteers -----------------------------------------------------------------------------

    def register_volunteer(self, command: RegisterVolunteer) -> Outcome[VolunteerChanged]:
        """Record `Volunteer.Registered` in a registered house, under a code not yet taken."""
        accredited = topics(list(command.topics))
        house = house_id(command.house_code)
        new = volunteer_id(house, command.code)

        def decide(act: Act) -> Decision[VolunteerChanged]:
            self._store.load(house, House, "house")
            if self._store.find(new, Volunteer) is not None:
                raise AlreadyExistsError(f"volunteer {command.code} is registered in this house")
            volunteer = Volunteer.register(
                house_id=house,
                code=command.code,
                display_name=command.display_name,
                association=command.association,
                accredited=accredited,
                act=act,
            )
            return Decision(aggregates=[volunteer], value=VolunteerChanged(volunteer.id))

        return self._runner.run(command, decide, returns=VolunteerChanged)

    def accredit_volunteer(self, command: AccreditVolunteer) -> Outcome[VolunteerChanged]:
        """Record `Volunteer.TopicsAccredited`."""

        def decide(act: Act) -> Decision[VolunteerChanged]:
            volunteer = self.volunteer(command.house_code, command.code)
            volunteer.accredit(command.topics, act)
            return Decision(aggregates=[volunteer], value=VolunteerChanged(volunteer.id))

        return self._runner.run(command, decide, returns=VolunteerChanged)

    def deactivate_volunteer(self, command: DeactivateVolunteer) -> Outcome[VolunteerChanged]:
        """Record `Volunteer.Deactivated`: their token is refused from now on."""

        def decide(act: Act) -> Decision[VolunteerChanged]:
            volunteer = self.volunteer(command.house_code, command.code)
            volunteer.deactivate(command.reason, act)
            return Decision(aggregates=[volunteer], value=VolunteerChanged(volunteer.id))

        return self._runner.run(command, decide, returns=VolunteerChanged)

    def reactivate_volunteer(self, command: ReactivateVolunteer) -> Outcome[VolunteerChanged]:
        """Record `Volunteer.Reactivated`."""

        def decide(act: Act) -> Decision[VolunteerChanged]:
            volunteer = self.volunteer(command.house_code, command.code)
            volunteer.reactivate(act)
            return Decision(aggregates=[volunteer], value=VolunteerChanged(volunteer.id))

        return self._runner.run(command, decide, returns=VolunteerChanged)

    def volunteer(self, house_code: str, code: str) -> Volunteer:
        """The volunteer of that house known by that code, else NOT_FOUND."""
        return self._store.load(volunteer_id(house_id(house_code), code), Volunteer, "volunteer")

    def volunteer_by_id(self, uuid: UUID) -> Volunteer | None:
        """The volunteer under that id, if any."""
        return self._store.find(uuid, Volunteer)

    # --- sessions -------------------------------------------------------------------------------

    def schedule_session(self, command: ScheduleSession) -> Outcome[SessionChanged]:
        """Record `TrainingSession.Scheduled`: the volunteer is active and accredited for it."""

        def decide(act: Act) -> Decision[SessionChanged]:
            volunteer = self.volunteer(command.house_code, command.volunteer_code)
            volunteer.refuse_unless_may_teach(command.topic)
            plan = Plan(
                house_id=volunteer.house_id,
                room=command.room,
                topic=command.topic,
                format=command.format,
                capacity=command.capacity,
                starts_at=command.starts_at,
                ends_at=command.ends_at,
                volunteer_id=volunteer.id,
            )
            session = TrainingSession.schedule(plan, act)
            return Decision(
                aggregates=[session],
                value=SessionChanged(session.id),
                reads={volunteer.id: volunteer.version},
            )

        return self._runner.run(command, decide, returns=SessionChanged)

    def enroll_participant(self, command: EnrollParticipant) -> Outcome[Enrolment]:
        """Record `ParticipantEnrolled` (and `Learner.Started` for a newcomer), within capacity."""
        if command.cin is not None and command.participant_id is not None:
            raise ValidationError("cin", "give a CIN or a participant id, not both")
        lookup = self._lookup(command.cin) if command.cin is not None else None

        def decide(act: Act) -> Decision[Enrolment]:
            session, reads = self._session(command)
            learner, new = self._learner(command, lookup, session.house_id, act)
            if not new:
                reads[learner.id] = learner.version
            participant = Participant(
                learner.id, learner.known, learner.age_band, learner.gender, learner.first_timer
            )
            session.enroll(participant, act)
            saved = [session, learner] if new else [session]
            return Decision(saved, Enrolment(session.id, learner.id), reads)

        def same_citizen(first: Mapping[str, str]) -> bool:
            citizen = self._vault.find(lookup) if lookup is not None else None
            return citizen is not None and str(known_learner_id(citizen)) == first.get(
                "participant_id"
            )

        return self._runner.run(command, decide, same_personal=same_citizen, returns=Enrolment)

    def record_attendance(self, command: RecordAttendance) -> Outcome[SessionChanged]:
        """Record `Held` on the session and `SessionAttended` for each participant present."""

        def decide(act: Act) -> Decision[SessionChanged]:
            session, reads = self._session(command)
            session.hold(frozenset(command.present), command.volunteer_minutes, act)
            learners = [
                self._store.load(participant, Learner, "participant")
                for participant in session.present
            ]
            for learner in learners:
                learner.attend(session.id, session.house_id, session.plan.topic, act)
            return Decision([session, *learners], SessionChanged(session.id), reads)

        return self._runner.run(command, decide, returns=SessionChanged)

    def cancel_session(self, command: CancelSession) -> Outcome[SessionChanged]:
        """Record `TrainingSession.Cancelled`."""

        def decide(act: Act) -> Decision[SessionChanged]:
            session, reads = self._session(command)
            session.cancel(command.reason, act)
            return Decision([session], SessionChanged(session.id), reads)

        return self._runner.run(command, decide, returns=SessionChanged)

    def record_milestone(self, command: RecordMilestone) -> Outcome[ParticipantChanged]:
        """Record `MilestoneReached` for a participant known in the house, after a session."""
        house = house_id(command.house_code)

        def decide(act: Act) -> Decision[ParticipantChanged]:
            reads = self._acting(command.volunteer_code, house)
            learner = self._store.find(command.participant_id, Learner)
            if learner is None or not learner.known_in(house):
                raise NotFoundError("no participant is known under this id in this house")
            learner.reach(command.milestone, house, act)
            return Decision([learner], ParticipantChanged(learner.id), reads)

        return self._runner.run(command, decide, returns=ParticipantChanged)

    def session_by_id(self, uuid: UUID) -> TrainingSession | None:
        """The session under that id, if any."""
        return self._store.find(uuid, TrainingSession)

    # --- helpers --------------------------------------------------------------------------------

    def _session(self, command: OnSession) -> tuple[TrainingSession, dict[UUID, int]]:
        """The session, if the caller's house holds it; and the acting volunteer, read."""
        session = self._store.find(command.session_id, TrainingSession)
        house = command.house_code
        if session is None or (house is not None and session.house_id != house_id(house)):
            raise NotFoundError("no session is known under this id")
        return session, self._acting(command.volunteer_code, session.house_id)

    def _acting(self, code: str | None, house: UUID) -> dict[UUID, int]:
        """An acting volunteer is an active volunteer of the house (declared as read)."""
        if code is None:
            return {}
        volunteer = self._store.find(volunteer_id(house, code), Volunteer)
        if volunteer is None:
            raise NotFoundError("no volunteer of this house is known under this code")
        volunteer.refuse_if_inactive()
        return {volunteer.id: volunteer.version}

    def _lookup(self, cin: str) -> str:
        try:
            return identity_document(DocumentKind.CIN.value, cin, self._rules).lookup
        except ValidationError as error:
            raise ValidationError(
                "cin", error.message.partition(": ")[2] or error.message
            ) from None

    def _learner(
        self, command: EnrollParticipant, lookup: str | None, house: UUID, act: Act
    ) -> tuple[Learner, bool]:
        """The participant enrolled, and whether their stream is new."""
        if command.participant_id is not None:
            known = self._store.find(command.participant_id, Learner)
            if known is None:
                raise NotFoundError("no participant is known under this id")
            return known, False
        citizen_id = None
        if lookup is not None:
            citizen_id = self._vault.find(lookup)
            citizen = self._store.find(citizen_id, Citizen) if citizen_id else None
            if citizen_id is None or citizen is None or citizen.erased:
                raise NotFoundError(NO_CITIZEN)
            existing = self._store.find(known_learner_id(citizen_id), Learner)
            if existing is not None:
                return existing, False
        started = Learner.start(
            house_id=house,
            citizen_id=citizen_id,
            age_band=command.age_band,
            gender=command.gender,
            act=act,
        )
        return started, True
