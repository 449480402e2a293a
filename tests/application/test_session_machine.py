"""A state machine over training sessions, against a tiny reference model.

A volunteer of Haidra schedules sessions (individual or group, starting an hour ago to two hours
on), participants enrol (new and anonymous, or returning), attendance is recorded, sessions are
cancelled, milestones are recorded, and time passes. Dar refuses exactly what the model refuses
(no enrolment past capacity, nothing for a cancelled session, no attendance before the start, no
milestone before a session attended, no milestone twice); after every step each session and
participant agrees with the model, and the inclusion projection, fed the events recorded so far,
agrees with both.

On the in-memory store, a bounded number of histories whatever the profile (each history opens
its own sessions on one store); PostgreSQL gets a shorter run of the same machine.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import ClassVar
from uuid import UUID

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from api.bootstrap import Dar, bootstrap
from domain.inclusion.learner import Learner
from domain.inclusion.session import TrainingSession
from domain.inclusion.values import Milestone, SessionFormat, SessionStatus
from domain.shared.errors import DarError
from infrastructure.settings import Settings
from projections.inclusion.projection import InclusionProjection
from projections.inclusion.view import (
    InclusionSessionRow,
    InclusionVolunteerRow,
    LearnerRow,
    SessionParticipantRow,
)
from tests.support.clock import TestClock
from tests.support.inclusion import attend, cancel, enroll, milestone, register_volunteer, schedule

_memory_names = itertools.count(1)


@dataclass
class Planned:
    """The model's session."""

    capacity: int
    starts_in_hours: int  # relative to the machine's start; the clock moves by whole hours
    status: SessionStatus = SessionStatus.SCHEDULED
    enrolled: list[UUID] = field(default_factory=list)
    present: list[UUID] = field(default_factory=list)


class Rows:
    """The inclusion projection's tables as dictionaries (the writer port, in memory)."""

    def __init__(self) -> None:
        self.sessions: dict[UUID, InclusionSessionRow] = {}
        self.participants: dict[tuple[UUID, UUID], SessionParticipantRow] = {}
        self.volunteers: dict[UUID, InclusionVolunteerRow] = {}
        self.learners: dict[UUID, LearnerRow] = {}

    def put_session(self, row: InclusionSessionRow) -> None:
        self.sessions[row.session_id] = row

    def session(self, session_id: UUID) -> InclusionSessionRow | None:
        return self.sessions.get(session_id)

    def put_participant(self, row: SessionParticipantRow) -> None:
        self.participants[row.session_id, row.participant_id] = row

    def participant(self, session_id: UUID, participant_id: UUID) -> SessionParticipantRow | None:
        return self.participants.get((session_id, participant_id))

    def put_volunteer(self, row: InclusionVolunteerRow) -> None:
        self.volunteers[row.volunteer_id] = row

    def volunteer(self, volunteer_id: UUID) -> InclusionVolunteerRow | None:
        return self.volunteers.get(volunteer_id)

    def put_learner(self, row: LearnerRow) -> None:
        self.learners[row.participant_id] = row

    def learner(self, participant_id: UUID) -> LearnerRow | None:
        return self.learners.get(participant_id)


class SessionMachine(RuleBasedStateMachine):
    dar: ClassVar[Dar]
    clock: ClassVar[TestClock]

    def __init__(self) -> None:
        super().__init__()
        self.start = self.clock.now()
        self.hours = 0
        self.sessions: dict[UUID, Planned] = {}
        self.attended: dict[UUID, int] = {}  # participant -> sessions attended
        self.reached: dict[UUID, set[Milestone]] = {}
        self.rows = Rows()
        self.projection = InclusionProjection()
        self.seen = self.dar.store.position()

    def attempt(self, allowed: bool, call: Callable[[], object]) -> tuple[bool, object]:  # noqa: FBT001
        """Run the command; Dar must refuse exactly what the model refuses."""
        refusal: DarError | None = None
        result: object = None
        try:
            result = call()
        except DarError as error:
            refusal = error
        assert (refusal is None) == allowed, f"model allows: {allowed}; Dar: {refusal!r}"
        return refusal is None, result

    @rule(capacity=st.integers(1, 4), starts=st.integers(-1, 2))
    def schedule(self, capacity: int, starts: int) -> None:
        session_format = SessionFormat.INDIVIDUAL if capacity == 1 else SessionFormat.GROUP
        moment = self.start + timedelta(hours=starts)
        new = schedule(self.dar, moment, capacity=capacity, session_format=session_format)
        self.sessions[new] = Planned(capacity, starts)

    @precondition(lambda self: self.sessions)
    @rule(data=st.data(), returning=st.booleans())
    def enroll(self, data: st.DataObject, returning: bool) -> None:  # noqa: FBT001
        session_id = data.draw(st.sampled_from(list(self.sessions)))
        planned = self.sessions[session_id]
        participant = None
        if returning and self.attended:
            participant = data.draw(st.sampled_from(list(self.attended)))
        allowed = (
            planned.status is SessionStatus.SCHEDULED
            and len(planned.enrolled) < planned.capacity
            and participant not in planned.enrolled
        )
        _, done = self.attempt(
            allowed, lambda: enroll(self.dar, session_id, participant=participant)
        )
        if isinstance(done, UUID):
            planned.enrolled.append(done)
            self.attended.setdefault(done, 0)
            self.reached.setdefault(done, set())

    @precondition(lambda self: self.sessions)
    @rule(data=st.data())
    def record_attendance(self, data: st.DataObject) -> None:
        session_id = data.draw(st.sampled_from(list(self.sessions)))
        planned = self.sessions[session_id]
        present = (
            data.draw(st.lists(st.sampled_from(planned.enrolled), unique=True))
            if planned.enrolled
            else []
        )
        allowed = (
            planned.status is SessionStatus.SCHEDULED and self.hours >= planned.starts_in_hours
        )
        done, _ = self.attempt(allowed, lambda: attend(self.dar, session_id, tuple(present)))
        if done:
            planned.status = SessionStatus.HELD
            planned.present = list(present)
            for participant in present:
                self.attended[participant] += 1

    @precondition(lambda self: self.sessions)
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        session_id = data.draw(st.sampled_from(list(self.sessions)))
        planned = self.sessions[session_id]
        allowed = planned.status is SessionStatus.SCHEDULED
        if self.attempt(allowed, lambda: cancel(self.dar, session_id))[0]:
            planned.status = SessionStatus.CANCELLED

    @precondition(lambda self: self.attended)
    @rule(data=st.data(), reached=st.sampled_from(list(Milestone)))
    def record_milestone(self, data: st.DataObject, reached: Milestone) -> None:
        participant = data.draw(st.sampled_from(list(self.attended)))
        allowed = self.attended[participant] > 0 and reached not in self.reached[participant]
        if self.attempt(allowed, lambda: milestone(self.dar, participant, reached))[0]:
            self.reached[participant].add(reached)

    @rule()
    def an_hour_passes(self) -> None:
        self.clock.advance(timedelta(hours=1))
        self.hours += 1

    @invariant()
    def sessions_and_participants_agree_with_the_model(self) -> None:
        for session_id, planned in self.sessions.items():
            session = self.dar.store.load(session_id, TrainingSession, "session")
            assert session.status is planned.status
            assert list(session.participants) == planned.enrolled
            assert len(session.participants) <= session.plan.capacity
            assert session.present == frozenset(planned.present)
        for participant, count in self.attended.items():
            learner = self.dar.store.load(participant, Learner, "participant")
            assert learner.sessions_attended == count
            assert learner.milestones == self.reached[participant]

    @invariant()
    def the_projection_agrees(self) -> None:
        store = self.dar.store
        for notification in store.recorder.select_notifications(
            start=self.seen, limit=10_000, inclusive_of_start=False
        ):
            self.projection.apply(
                store.mapper.to_domain_event(notification), notification.id, self.rows
            )
            self.seen = notification.id
        for session_id, planned in self.sessions.items():
            row = self.rows.sessions[session_id]
            assert (row.status, row.enrolled) == (planned.status.value, len(planned.enrolled))
            assert row.attended == len(planned.present)
            for participant in planned.enrolled:
                present = self.rows.participants[session_id, participant].present
                expected = (
                    None
                    if planned.status is not SessionStatus.HELD
                    else participant in planned.present
                )
                assert present == expected
        for participant, count in self.attended.items():
            if participant in self.rows.learners:  # started before this history's first event
                learner = self.rows.learners[participant]
                assert learner.sessions_attended == count
                assert set(learner.milestones) == {m.value for m in self.reached[participant]}

    def teardown(self) -> None:
        self.clock.set(self.start)


def run_machine(store: Settings, max_examples: int) -> None:
    clock = TestClock()
    dar = bootstrap(store, clock, projector=False)
    try:
        register_volunteer(dar)
        SessionMachine.dar = dar
        SessionMachine.clock = clock
        chosen = settings(
            max_examples=max_examples,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        run_state_machine_as_test(SessionMachine, settings=chosen)
    finally:
        dar.close()


def test_sessions_follow_the_model_in_memory() -> None:
    memory = f"sqlite:///file:dar_sessions_{next(_memory_names)}?mode=memory&cache=shared"
    run_machine(Settings(database_url=memory), max_examples=60)


@pytest.mark.usefixtures("postgres_server")
def test_sessions_follow_the_model_on_postgres(pg_settings: Settings) -> None:
    run_machine(pg_settings, max_examples=8)
