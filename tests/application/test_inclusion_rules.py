"""Digital-inclusion rules as given-when-then specifications, on both stores.

Given the history (commands run as history), when one command runs, then its events, or its
typed refusal and nothing recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from uuid import UUID

from api.bootstrap import Dar
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
from tests.support.citizens import register
from tests.support.clock import TestClock
from tests.support.inclusion import (
    attend,
    cancel,
    deactivate_volunteer,
    enroll,
    milestone,
    register_volunteer,
    schedule,
)
from tests.support.snapshots import counted_loads
from tests.support.spec import Scenario

History = Callable[[Dar], object]


def names(scenario: Scenario) -> list[str]:
    return [type(e).__qualname__ for e in scenario.new_events()]


def test_a_session_full_refuses_one_more(dar: Dar, clock: TestClock) -> None:
    ids: dict[str, UUID] = {}

    def history(d: Dar) -> None:
        register_volunteer(d)
        ids["s"] = schedule(d, clock.now() + timedelta(hours=2), capacity=2)
        enroll(d, ids["s"])
        enroll(d, ids["s"])

    scenario = Scenario(dar, clock).given_command(history).when(lambda d: enroll(d, ids["s"]))
    assert "2 places" in str(scenario.then_raises(SessionFullError))


def test_an_individual_session_takes_one_participant(dar: Dar, clock: TestClock) -> None:
    ids: dict[str, UUID] = {}

    def history(d: Dar) -> None:
        register_volunteer(d)
        ids["s"] = schedule(d, clock.now(), capacity=1, session_format=SessionFormat.INDIVIDUAL)

    scenario = Scenario(dar, clock).given_command(history).when(lambda d: enroll(d, ids["s"]))
    assert names(scenario) == ["TrainingSession.ParticipantEnrolled", "Learner.Started"]
    scenario.when(lambda d: enroll(d, ids["s"])).then_raises(SessionFullError)


def test_no_attendance_for_a_cancelled_session(dar: Dar, clock: TestClock) -> None:
    ids: dict[str, UUID] = {}

    def history(d: Dar) -> None:
        register_volunteer(d)
        ids["s"] = schedule(d, clock.now())
        ids["p"] = enroll(d, ids["s"])
        cancel(d, ids["s"])

    scenario = Scenario(dar, clock).given_command(history).at("day 1 10:00")
    scenario.when(lambda d: attend(d, ids["s"], (ids["p"],))).then_raises(SessionCancelledError)
    scenario.when(lambda d: enroll(d, ids["s"])).then_raises(SessionCancelledError)


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


def test_no_milestone_before_any_session(dar: Dar, clock: TestClock) -> None:
    ids: dict[str, UUID] = {}

    def history(d: Dar) -> None:
        register_volunteer(d)
        ids["s"] = schedule(d, clock.now())
        ids["p"] = enroll(d, ids["s"])

    scenario = Scenario(dar, clock).given_command(history)
    reached = Milestone.FIRST_E_PAYMENT_ALONE
    scenario.when(lambda d: milestone(d, ids["p"], reached)).then_raises(NoSessionAttendedError)


def test_a_milestone_is_reached_once_after_a_session(dar: Dar, clock: TestClock) -> None:
    ids: dict[str, UUID] = {}

    def history(d: Dar) -> None:
        register_volunteer(d)
        ids["s"] = schedule(d, clock.now())
        ids["p"] = enroll(d, ids["s"])
        attend(d, ids["s"], (ids["p"],))

    reached = Milestone.MOBILE_ID_ACTIVATED
    scenario = Scenario(dar, clock).given_command(history)
    scenario.when(lambda d: milestone(d, ids["p"], reached))
    assert names(scenario) == ["Learner.MilestoneReached"]
    scenario.when(lambda d: milestone(d, ids["p"], reached)).then_raises(AlreadyExistsError)


def test_an_inactive_volunteer_is_refused(dar: Dar, clock: TestClock) -> None:
    ids: dict[str, UUID] = {}

    def history(d: Dar) -> None:
        register_volunteer(d)
        ids["s"] = schedule(d, clock.now() + timedelta(days=1))
        deactivate_volunteer(d)

    scenario = Scenario(dar, clock).given_command(history)
    later = clock.now() + timedelta(days=2)
    scenario.when(lambda d: schedule(d, later)).then_raises(VolunteerInactiveError)
    scenario.when(lambda d: enroll(d, ids["s"])).then_raises(VolunteerInactiveError)


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
