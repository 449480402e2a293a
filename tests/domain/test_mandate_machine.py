"""A state machine over one mandate (grant, use, revoke a scope, let time pass) against a model.

The domain refuses exactly what the model refuses, `covering` agrees with the model at every
step, and replaying the recorded events rebuilds the live mandate.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from domain.citizens.mandate import Duration, Mandate, MandateNotInForceError
from domain.shared.acts import Act
from domain.shared.errors import DarError, NotFoundError

SCOPES = ["service:STEG/BILL_PAYMENT", "service:STEG/NEW_CONNECTION", "partner:STEG", "payments"]
WANTED = ["service:STEG/BILL_PAYMENT", "service:STEG/NEW_CONNECTION", "payments"]


class MandateMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.start = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
        self.now = self.start
        self.model: dict[str, datetime] = {}
        self.mandate = Mandate.open(uuid4(), uuid4(), self.act())
        self.events = list(self.mandate.collect_events())
        self.uses = 0

    def act(self) -> Act:
        return Act(actor="agent:A17", command_id=str(uuid4()), at=self.now)

    def model_covering(self, wanted: str) -> str | None:
        candidates = [wanted]
        if wanted.startswith("service:"):
            candidates.append("partner:" + wanted.split(":")[1].split("/", maxsplit=1)[0])
        return next((s for s in candidates if s in self.model and self.now < self.model[s]), None)

    def attempt(self, allowed: bool, call: Callable[[], object]) -> bool:  # noqa: FBT001
        try:
            call()
        except DarError:
            assert not allowed, "the domain refused what the model allows"
            return False
        assert allowed, "the domain allowed what the model refuses"
        self.events.extend(self.mandate.collect_events())
        return True

    @rule(
        scopes=st.sets(st.sampled_from(SCOPES), min_size=1, max_size=3),
        duration=st.sampled_from(list(Duration)),
    )
    def grant(self, scopes: set[str], duration: Duration) -> None:
        granted = self.attempt(
            True,  # noqa: FBT003
            lambda: self.mandate.grant(
                scopes=frozenset(scopes),
                duration=duration.value,
                consent_kind="paper_form",
                consent_reference="F-1",
                act=self.act(),
            ),
        )
        if granted:
            ends = duration.end(self.now)  # the calendar arithmetic is tested on its own below
            for s in scopes:
                self.model[s] = ends

    @rule(wanted=st.sampled_from(WANTED))
    def use(self, wanted: str) -> None:
        covered = self.model_covering(wanted) is not None
        if self.attempt(covered, lambda: self.mandate.use(wanted, self.act())):
            self.uses += 1

    @rule(revoked=st.sampled_from(SCOPES))
    def revoke(self, revoked: str) -> None:
        in_force = revoked in self.model and self.now < self.model[revoked]
        if self.attempt(in_force, lambda: self.mandate.revoke(revoked, self.act())):
            del self.model[revoked]

    @rule(hours=st.integers(min_value=1, max_value=24 * 200))
    def time_passes(self, hours: int) -> None:
        self.now += timedelta(hours=hours)

    @invariant()
    def covering_agrees_with_the_model(self) -> None:
        for wanted in WANTED:
            assert self.mandate.covering(wanted, self.now) == self.model_covering(wanted)

    @invariant()
    def replay_equals_live_state(self) -> None:
        replayed = None
        for event in self.events:
            replayed = event.mutate(replayed)
        assert replayed == self.mandate


TestMandateMachine = MandateMachine.TestCase


def test_a_refused_use_names_the_reason() -> None:
    at = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    mandate = Mandate.open(uuid4(), uuid4(), Act("agent:A17", "k", at))
    with pytest.raises(MandateNotInForceError) as refused:
        mandate.use("payments", Act("agent:A17", "k2", at))
    assert refused.value.code == "MANDATE_NOT_IN_FORCE"


def test_revoking_an_expired_scope_is_refused() -> None:
    at = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    mandate = Mandate.open(uuid4(), uuid4(), Act("agent:A17", "k", at))
    mandate.grant(
        scopes=frozenset({"payments"}),
        duration="1d",
        consent_kind="confirmation_code",
        consent_reference="482913",
        act=Act("agent:A17", "k2", at),
    )
    later = Act("agent:A17", "k3", at + timedelta(days=1))
    with pytest.raises(NotFoundError):
        mandate.revoke("payments", later)


def test_durations_keep_the_tunis_wall_clock_time() -> None:
    start = datetime(2026, 1, 31, 9, 0, tzinfo=UTC)  # 10:00 in Tunis
    assert Duration.ONE_DAY.end(start) == datetime(2026, 2, 1, 9, 0, tzinfo=UTC)
    assert Duration.ONE_MONTH.end(start) == datetime(2026, 2, 28, 9, 0, tzinfo=UTC)
    assert Duration.SIX_MONTHS.end(start) == datetime(2026, 7, 31, 9, 0, tzinfo=UTC)
    assert Duration.ONE_YEAR.end(start) == datetime(2027, 1, 31, 9, 0, tzinfo=UTC)
