"""Inclusion statistics applied as the log grows equal inclusion statistics rebuilt from zero.

A generated history of a house's inclusion room — sessions scheduled (some starting just after
midnight in Tunis, the day before in UTC), participants enrolled (anonymous or known, some
refused: a full session, one already enrolled), sessions held with some present, cancelled,
milestones reached (refused before any session attended) — is appended in chunks, the runner
catching up after each; then the inclusion statistics are rebuilt from the start of the log.
Every table of the read model must be the same, row for row. Many examples on SQLite in memory;
a bounded number on PostgreSQL (one store growing example by example).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from api.bootstrap import Dar, bootstrap
from domain.houses.house import House, HouseNames
from domain.inclusion.learner import Learner
from domain.inclusion.session import Participant, Plan, TrainingSession
from domain.inclusion.values import AgeBand, Gender, Milestone, SessionFormat, Topic
from domain.shared.acts import Act
from domain.shared.errors import DarError
from infrastructure.readmodels.inclusion_statistics import ALL
from infrastructure.settings import Settings
from tests.support.histories import Draw, draws
from tests.support.rebuilt import assert_incremental_equals_rebuilt, memory_dar

_keys = itertools.count(1)
START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
chunks = st.lists(st.integers(1, 30), min_size=1, max_size=8)
TOPICS, BANDS, GENDERS, MILESTONES = list(Topic), list(AgeBand), list(Gender), list(Milestone)


def act(at: datetime) -> Act:
    return Act(actor="volunteer:V-017", command_id=f"i{next(_keys)}", at=at)


class Room:
    """One house's inclusion room driven by draws; refused steps record nothing."""

    def __init__(self, code: str) -> None:
        names = HouseNames(f"دار {code}", f"Maison {code}")
        self.house = House.register(
            code=code, names=names, municipality="Haidra", governorate="Kasserine", act=act(START)
        )
        self.now = START
        self.sessions: list[TrainingSession] = []
        self.learners: list[Learner] = []
        self.volunteer = uuid4()

    def run(self, history: list[Draw]) -> list[Any]:
        events = self._recorded()
        for op, a, b in history:
            self.now += timedelta(minutes=10 + a % 600)
            try:
                steps = self._steps()
                steps[op % len(steps)](a, b)
            except DarError:
                continue
            events += self._recorded()
        return events

    def _recorded(self) -> list[Any]:
        """The events of the last step, in the order a command would save them."""
        aggregates = [self.house, *self.sessions, *self.learners]
        return [e for x in aggregates for e in x.collect_events()]

    def _steps(self) -> list[Callable[[int, int], None]]:
        enrol = self._enrol  # weighted: sessions fill before they end
        return [self._schedule, enrol, enrol, enrol, self._hold, self._cancel, self._milestone]

    def _house_id(self) -> UUID:
        return self.house.id

    def _schedule(self, a: int, b: int) -> None:
        # now plus whole days, at 00:10 to 23:10 UTC: 23:10 UTC is the next Tunis day
        day = (self.now + timedelta(days=a % 3)).replace(hour=b % 24, minute=10)
        group = b % 3 != 0
        plan = Plan(
            house_id=self._house_id(),
            room="Salle 1",
            topic=TOPICS[a % len(TOPICS)],
            format=SessionFormat.GROUP if group else SessionFormat.INDIVIDUAL,
            capacity=2 + a % 4 if group else 1,
            starts_at=day,
            ends_at=day + timedelta(minutes=30),
            volunteer_id=self.volunteer,
        )
        self.sessions.append(TrainingSession.schedule(plan, act(self.now)))

    def _session(self, a: int) -> TrainingSession:
        """One of the last four sessions scheduled (the older ones have mostly ended)."""
        if not self.sessions:
            raise DarError("no session yet")
        recent = self.sessions[-4:]
        return recent[a % len(recent)]

    def _enrol(self, a: int, b: int) -> None:
        session = self._session(a)
        if b % 3 == 0 or not self.learners:
            learner = Learner.start(
                house_id=self._house_id(),
                citizen_id=uuid4() if b % 2 else None,
                age_band=BANDS[b % len(BANDS)],
                gender=GENDERS[b % len(GENDERS)],
                act=act(self.now),
            )
            self.learners.append(learner)
        else:
            learner = self.learners[b % len(self.learners)]
        who = Participant(
            learner.id, learner.known, learner.age_band, learner.gender, learner.first_timer
        )
        session.enroll(who, act(self.now))

    def _hold(self, a: int, b: int) -> None:
        session = self._session(a)
        enrolled = list(session.participants)
        present = frozenset(p for i, p in enumerate(enrolled) if (b >> i) % 2 == 0)
        at = max(self.now, session.plan.starts_at)
        session.hold(present, None if b % 2 else 1 + b % 120, act(at))
        for learner in self.learners:
            if learner.id in present:
                learner.attend(session.id, self._house_id(), session.plan.topic, act(at))

    def _cancel(self, a: int, _: int) -> None:
        self._session(a).cancel("room unavailable", act(self.now))

    def _milestone(self, a: int, b: int) -> None:
        if not self.learners:
            raise DarError("no participant yet")
        learner = self.learners[a % len(self.learners)]
        learner.reach(MILESTONES[b % len(MILESTONES)], self._house_id(), act(self.now))


def check(dar: Dar, events: list[Any], sizes: list[int]) -> None:
    """Appended chunk by chunk, caught up after each, then rebuilt: the same tables."""
    assert_incremental_equals_rebuilt(dar, events, sizes, ALL, "inclusion_statistics")


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(draws, chunks)
def test_incremental_inclusion_statistics_equal_rebuilt_ones_in_memory(
    history: list[Draw], sizes: list[int]
) -> None:
    for dar in memory_dar("incl_stats"):
        check(dar, Room("haidra").run(history), sizes)


@pytest.mark.usefixtures("postgres_server")
def test_incremental_inclusion_statistics_equal_rebuilt_ones_on_postgres(
    pg_settings: Settings,
) -> None:
    dar = bootstrap(pg_settings)
    dar.projections.prepare()
    houses = itertools.count(1)

    @settings(
        max_examples=6,
        deadline=None,
        phases=(Phase.explicit, Phase.reuse, Phase.generate),  # bounded: no shrinking
        suppress_health_check=list(HealthCheck),
    )
    @given(draws, chunks)
    def example(history: list[Draw], sizes: list[int]) -> None:
        check(dar, Room(f"house-{next(houses)}").run(history), sizes)

    try:
        example()
    finally:
        dar.close()


def test_an_event_the_inclusion_statistics_cannot_place_is_counted_and_skipped(
    store_settings: Settings,
) -> None:
    dar = bootstrap(store_settings)
    try:
        dar.projections.prepare()
        room = Room("haidra")
        room._schedule(0, 9)  # a session whose scheduling never reaches the log
        (session,) = room.sessions
        session.collect_events()
        session.cancel("room unavailable", act(START))
        dar.store.save(*room.house.collect_events(), *session.collect_events())
        dar.projections.catch_up()
        key = dar.read.inclusion_statistics_key
        assert key not in dar.projections.failures()
        assert dar.read.db.tracked(key) == 2
        (skipped,) = dar.read.inclusion_statistics.skipped()
        assert (skipped.event_type, skipped.reason, skipped.count) == (
            "TrainingSession.Cancelled",
            "unknown session",
            1,
        )
    finally:
        dar.close()
