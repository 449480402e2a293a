"""A state machine over a grant and an agent's accreditation against a reference model.

The domain refuses exactly what the model refuses; `in_force_at`, `accredited_at` and the policy
(`permit`) agree with the model at every generated instant; replaying the events rebuilds both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from domain.delegation.grant import (
    CollectionTerms,
    Convention,
    DelegationGrant,
    Validity,
    services_named,
)
from domain.delegation.policy import permit
from domain.houses.agent import Agent
from domain.shared.acts import Act
from domain.shared.errors import DarError
from domain.shared.time import tunis_day

SERVICES = ["S1", "S2", "S3", "S4"]
CONVENTION = Convention("CONV", "1", date(2025, 12, 1))


@dataclass
class Model:
    """What the rules say, written as plainly as possible."""

    state: str = "active"
    ends_on: date = date(2026, 3, 31)
    services: set[str] = field(default_factory=lambda: {"S1"})

    accredited_until: date | None = None
    agent_active: bool = True

    def expired(self, today: date) -> bool:
        return today > self.ends_on

    def in_force(self, today: date) -> bool:
        return self.state == "active" and date(2026, 1, 1) <= today <= self.ends_on


class GrantMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
        self.model = Model()
        self.grant = DelegationGrant.grant(
            grant_id=uuid4(),
            partner_id=uuid4(),
            house_id=uuid4(),
            convention=CONVENTION,
            services=services_named(("S1",)),
            validity=Validity(date(2026, 1, 1), self.model.ends_on),
            collection=CollectionTerms(allowed=False),
            act=self.act(),
        )
        self.events = list(self.grant.collect_events())
        self.agent = Agent.enroll(
            employee_number="A17", house_id=self.grant.house_id, display_name="A", act=self.act()
        )
        self.agent_events = list(self.agent.collect_events())

    def act(self) -> Act:
        return Act(actor="admin:1", command_id=str(uuid4()), at=self.now)

    def attempt(self, allowed: bool, call: Callable[[], None]) -> bool:  # noqa: FBT001
        try:
            call()
        except DarError:
            assert not allowed, "the domain refused what the model allows"
            return False
        assert allowed, "the domain allowed what the model refuses"
        self.events.extend(self.grant.collect_events())
        self.agent_events.extend(self.agent.collect_events())
        return True

    @rule(days=st.integers(min_value=-5, max_value=200))
    def accredit(self, days: int) -> None:
        until = self.today + timedelta(days=days)
        m = self.model
        allowed = m.agent_active and days >= 0 and until != m.accredited_until
        call = lambda: self.agent.accredit(self.grant.partner_id, until, self.act())  # noqa: E731
        if self.attempt(allowed, call):
            m.accredited_until = until

    @rule()
    def revoke_accreditation(self) -> None:
        allowed = self.model.accredited_until is not None
        call = lambda: self.agent.revoke_accreditation(self.grant.partner_id, "r", self.act())  # noqa: E731
        if self.attempt(allowed, call):
            self.model.accredited_until = None

    @rule()
    def deactivate(self) -> None:
        if self.attempt(self.model.agent_active, lambda: self.agent.deactivate("left", self.act())):
            self.model.agent_active = False

    @property
    def today(self) -> date:
        return tunis_day(self.now)

    @rule(days=st.integers(min_value=0, max_value=60))
    def time_passes(self, days: int) -> None:
        self.now += timedelta(days=days, hours=1)

    @rule()
    def suspend(self) -> None:
        if self.attempt(self.model.state == "active", lambda: self.grant.suspend("r", self.act())):
            self.model.state = "suspended"

    @rule()
    def reinstate(self) -> None:
        allowed = self.model.state == "suspended" and not self.model.expired(self.today)
        if self.attempt(allowed, lambda: self.grant.reinstate(self.act())):
            self.model.state = "active"

    @rule(months=st.integers(min_value=-2, max_value=6))
    def renew(self, months: int) -> None:
        ends_on = self.model.ends_on + timedelta(days=30 * months)
        allowed = self.model.state != "revoked" and ends_on > self.model.ends_on
        if self.attempt(allowed, lambda: self.grant.renew(ends_on, CONVENTION, self.act())):
            self.model.ends_on = ends_on

    @rule(add=st.sets(st.sampled_from(SERVICES)), remove=st.sets(st.sampled_from(SERVICES)))
    def amend(self, add: set[str], remove: set[str]) -> None:
        m = self.model
        allowed = (
            m.state != "revoked"
            and bool(add or remove)
            and not add & m.services
            and remove <= m.services
            and bool((m.services | add) - remove)
        )
        call = lambda: self.grant.amend(frozenset(add), frozenset(remove), self.act())  # noqa: E731
        if self.attempt(allowed, call):
            m.services = (m.services | add) - remove

    @rule()
    def revoke(self) -> None:
        if self.attempt(self.model.state != "revoked", lambda: self.grant.revoke("r", self.act())):
            self.model.state = "revoked"

    @invariant()
    def agrees_with_the_model(self) -> None:
        assert self.grant.in_force_at(self.now) == self.model.in_force(self.today)
        assert self.grant.services == self.model.services
        assert self.grant.validity.ends_on == self.model.ends_on

    @invariant()
    def the_policy_agrees_with_the_model(self) -> None:
        m = self.model
        accredited = (
            m.agent_active and m.accredited_until is not None and self.today <= m.accredited_until
        )
        assert self.agent.accredited_at(self.grant.partner_id, self.now) == accredited
        expected = m.in_force(self.today) and "S1" in m.services and accredited
        try:
            permit(
                grant=self.grant,
                agent=self.agent,
                house_id=self.grant.house_id,
                service="S1",
                amount_millimes=None,
                moment=self.now,
            )
        except DarError:
            assert not expected, "the policy refused what the model allows"
        else:
            assert expected, "the policy allowed what the model refuses"

    @invariant()
    def replay_equals_live_state(self) -> None:
        for live, events in ((self.grant, self.events), (self.agent, self.agent_events)):
            replayed = None
            for event in events:
                replayed = event.mutate(replayed)
            assert replayed == live


TestGrantMachine = GrantMachine.TestCase
