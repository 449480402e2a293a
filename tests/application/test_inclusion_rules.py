"""Digital-inclusion rules as given-when-then specifications, on both stores.

Given a history (event fixtures under tests/fixtures/inclusion/, or commands run as history where
a fixture cannot hold it: a citizen's sealed particulars), when one command runs, then its
events (an expected fixture), or its typed refusal and nothing recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from uuid import UUID

import pytest

from api.bootstrap import Dar
from application.errors import IdempotencyKeyReusedError
from application.inclusion.commands import EnrollParticipant, Enrolment
from application.store import Outcome
from domain.inclusion.learner import Learner
from domain.inclusion.session import TrainingSession
from domain.inclusion.values import (
    Milestone,
    NoSessionAttendedError,
    SessionCancelledError,
    SessionFormat,
    SessionFullError,
    Topic,
    VolunteerInactiveError,
    VolunteerNotAccreditedError,
)
from domain.shared.errors import AlreadyExistsError, InvalidTransitionError, NotFoundError
from infrastructure.fixtures.model import Ref
from tests.support.citizens import register
from tests.support.clock import TestClock
from tests.support.inclusion import (
    ACTOR,
    VOLUNTEER,
    attend,
    cancel,
    enroll,
    milestone,
    register_volunteer,
    schedule,
)
from tests.support.snapshots import counted_loads
from tests.support.spec import Scenario
from tests.support.staff import HOUSE

History = Callable[[Dar], object]

HAIDRA = "inclusion/haidra_volunteer.yaml"
SCHEDULED = "inclusion/group_scheduled.yaml"
FULL = "inclusion/group_full.yaml"


def symbol(scenario: Scenario, name: str) -> UUID:
    """The id a fixture's free symbol stands for."""
    return scenario.symbols.resolve(Ref(name))


def group(dar: Dar, clock: TestClock, *more: str) -> Scenario:
    """Haidra, V-017 and session-1 (two places, day 1 10:00-11:30), and the fixtures named."""
    return Scenario(dar, clock).given(HAIDRA, SCHEDULED, *more)


def test_a_newcomer_is_enrolled_for_the_first_time(dar: Dar, clock: TestClock) -> None:
    scenario = group(dar, clock)
    session = symbol(scenario, "session-1")
    scenario.when(lambda d: enroll(d, session)).then("inclusion/enrolled_newcomer.yaml")


def test_no_enrolment_past_capacity(dar: Dar, clock: TestClock) -> None:
    scenario = group(dar, clock, FULL)
    session = symbol(scenario, "session-1")
    error = scenario.when(lambda d: enroll(d, session)).then_raises(SessionFullError)
    assert "2 places" in str(error)


def test_a_participant_is_enrolled_once_in_a_session(dar: Dar, clock: TestClock) -> None:
    scenario = group(dar, clock, FULL)
    session, participant = symbol(scenario, "session-1"), symbol(scenario, "participant-1")
    scenario.when(lambda d: enroll(d, session, participant=participant))
    scenario.then_raises(AlreadyExistsError)


def test_no_attendance_nor_enrolment_for_a_cancelled_session(dar: Dar, clock: TestClock) -> None:
    scenario = group(dar, clock, "inclusion/group_cancelled.yaml").at("day 1 11:30")
    session, participant = symbol(scenario, "session-1"), symbol(scenario, "participant-1")
    scenario.when(lambda d: attend(d, session, (participant,))).then_raises(SessionCancelledError)
    scenario.when(lambda d: enroll(d, session)).then_raises(SessionCancelledError)
    scenario.when(lambda d: cancel(d, session)).then_raises(SessionCancelledError)


def test_attendance_holds_the_session(dar: Dar, clock: TestClock) -> None:
    scenario = group(dar, clock, FULL).at("day 1 11:30")
    session, participant = symbol(scenario, "session-1"), symbol(scenario, "participant-1")
    scenario.when(lambda d: attend(d, session, (participant,))).then("inclusion/group_held.yaml")
    scenario.when(lambda d: attend(d, session, ())).then_raises(InvalidTransitionError)
    scenario.when(lambda d: cancel(d, session)).then_raises(InvalidTransitionError)


def test_no_milestone_before_any_session(dar: Dar, clock: TestClock) -> None:
    scenario = group(dar, clock, FULL)
    participant = symbol(scenario, "participant-1")
    reached = Milestone.FIRST_E_PAYMENT_ALONE
    scenario.when(lambda d: milestone(d, participant, reached))
    scenario.then_raises(NoSessionAttendedError)


def test_a_milestone_is_reached_once_after_a_session(dar: Dar, clock: TestClock) -> None:
    scenario = group(dar, clock, FULL, "inclusion/group_held.yaml").at("day 1 12:00")
    participant = symbol(scenario, "participant-1")
    reached = Milestone.FIRST_E_PAYMENT_ALONE
    scenario.when(lambda d: milestone(d, participant, reached))
    scenario.then("inclusion/milestone_reached.yaml")
    scenario.when(lambda d: milestone(d, participant, reached)).then_raises(AlreadyExistsError)
    absent = symbol(scenario, "participant-2")  # enrolled, but never came
    scenario.when(lambda d: milestone(d, absent, reached)).then_raises(NoSessionAttendedError)


def test_an_inactive_volunteer_is_refused(dar: Dar, clock: TestClock) -> None:
    scenario = group(dar, clock, "inclusion/volunteer_deactivated.yaml")
    session = symbol(scenario, "session-1")
    scenario.when(lambda d: schedule(d, clock.now())).then_raises(VolunteerInactiveError)
    scenario.when(lambda d: enroll(d, session)).then_raises(VolunteerInactiveError)
    scenario.when(lambda d: cancel(d, session)).then_raises(VolunteerInactiveError)


def names(scenario: Scenario) -> list[str]:
    return [type(e).__qualname__ for e in scenario.new_events()]


def test_an_individual_session_takes_one_participant(dar: Dar, clock: TestClock) -> None:
    ids: dict[str, UUID] = {}

    def history(d: Dar) -> None:
        register_volunteer(d)
        ids["s"] = schedule(d, clock.now(), capacity=1, session_format=SessionFormat.INDIVIDUAL)

    scenario = Scenario(dar, clock).given_command(history).when(lambda d: enroll(d, ids["s"]))
    assert names(scenario) == ["TrainingSession.ParticipantEnrolled", "Learner.Started"]
    scenario.when(lambda d: enroll(d, ids["s"])).then_raises(SessionFullError)


def test_no_attendance_before_the_session_starts(dar: Dar, clock: TestClock) -> None:
    ids: dict[str, UUID] = {}

    def history(d: Dar) -> None:
        register_volunteer(d)
        ids["s"] = schedule(d, clock.now() + timedelta(hours=1))
        ids["p"] = enroll(d, ids["s"])

    scenario = Scenario(dar, clock).given_command(history)
    scenario.when(lambda d: attend(d, ids["s"], (ids["p"],))).then_raises(InvalidTransitionError)


def test_attendance_holds_the_session_and_counts_each_present_participant(
    dar: Dar, clock: TestClock
) -> None:
    ids: dict[str, UUID] = {}

    def history(d: Dar) -> None:
        register_volunteer(d)
        ids["s"] = schedule(d, clock.now())
        ids["came"] = enroll(d, ids["s"])
        ids["absent"] = enroll(d, ids["s"])

    scenario = Scenario(dar, clock).given_command(history).at("day 1 10:00")
    scenario.when(lambda d: attend(d, ids["s"], (ids["came"],)))
    events = scenario.new_events()
    assert names(scenario) == ["TrainingSession.Held", "Learner.SessionAttended"]
    held, attended = events
    assert isinstance(held, TrainingSession.Held)
    assert (list(held.present), list(held.absent), held.volunteer_minutes) == (
        [ids["came"]],
        [ids["absent"]],
        90,
    )
    assert isinstance(attended, Learner.SessionAttended)
    assert attended.first is True
    assert attended.originator_id == ids["came"]
    scenario.when(lambda d: attend(d, ids["s"], ())).then_raises(InvalidTransitionError)


def test_a_volunteer_not_accredited_for_the_topic_is_refused(dar: Dar, clock: TestClock) -> None:
    scenario = Scenario(dar, clock).given_command(
        lambda d: register_volunteer(d, topics=(Topic.INTERNET_BASICS,))
    )
    scenario.when(lambda d: schedule(d, clock.now(), topic=Topic.MOBILE_ID))
    scenario.then_raises(VolunteerNotAccreditedError)


def test_a_citizen_is_enrolled_by_cin_and_found_again_as_the_same_participant(
    dar: Dar, clock: TestClock
) -> None:
    ids: dict[str, UUID] = {}

    def history(d: Dar) -> None:
        register_volunteer(d)
        register(d, "08123456", "Fatma Trabelsi")
        ids["first"] = schedule(d, clock.now())
        ids["second"] = schedule(d, clock.now() + timedelta(days=1))

    scenario = Scenario(dar, clock).given_command(history)
    scenario.when(lambda d: enroll(d, ids["first"], cin="08123456"))
    started = [e for e in scenario.new_events() if isinstance(e, Learner.Started)]
    assert len(started) == 1
    assert started[0].known is True
    first = scenario.result
    scenario.when(lambda d: enroll(d, ids["second"], cin="08123456"))
    assert names(scenario) == ["TrainingSession.ParticipantEnrolled"]  # the same learner
    assert scenario.result == first
    text = " ".join(str(vars(e)) for e in scenario.new_events())
    assert "08123456" not in text
    assert "Fatma" not in text


def test_an_unknown_cin_is_not_found(dar: Dar, clock: TestClock) -> None:
    ids: dict[str, UUID] = {}

    def history(d: Dar) -> None:
        register_volunteer(d)
        ids["s"] = schedule(d, clock.now())

    scenario = Scenario(dar, clock).given_command(history)
    scenario.when(lambda d: enroll(d, ids["s"], cin="09999999")).then_raises(NotFoundError)


def test_each_command_replays_a_bounded_number_of_events(dar: Dar, clock: TestClock) -> None:
    """However many sessions the volunteer taught, a command loads the same few events."""
    register_volunteer(dar)
    participant = None
    for _ in range(12):
        session = schedule(dar, clock.now())
        participant = enroll(dar, session, participant=participant)
        attend(dar, session, (participant,))
        clock.advance(timedelta(days=1))
    assert participant is not None
    session = schedule(dar, clock.now())
    with counted_loads(dar.store) as counts:
        enroll(dar, session)
    # the session (1 event), the acting volunteer (1) and nothing that grows with the past
    assert sum(counts) <= 4, counts
    with counted_loads(dar.store) as counts:
        schedule(dar, clock.now() + timedelta(days=1))
    assert sum(counts) <= 2, counts


def test_a_retry_by_cin_is_recognised_by_the_participant_it_leads_to(
    dar: Dar, clock: TestClock
) -> None:
    """The CIN stays out of the command log: a retry is matched through the vault instead."""
    register_volunteer(dar)
    register(dar, "08123456", "Fatma Trabelsi")
    register(dar, "08654321", "Hedi Jaziri")
    session = schedule(dar, clock.now())

    def enrol_by(cin: str) -> Outcome[Enrolment]:
        return dar.inclusion.enroll_participant(
            EnrollParticipant("same-key", ACTOR, session, HOUSE, VOLUNTEER, cin=cin)
        )

    first = enrol_by("08123456")
    again = enrol_by("08123456")
    assert again.replayed
    assert again.value == first.value
    with pytest.raises(IdempotencyKeyReusedError):
        enrol_by("08654321")
    recorded = dar.store.command_log.find_command(ACTOR, "same-key")
    assert recorded is not None
    assert "08123456" not in recorded.outcome
