"""A state machine over requests lodged under a grant that is suspended and reinstated.

Against a reference model: a request is lodged only when the policy permits it (grant in force,
service delegated, agent accredited) — the model says when; every step on a request is refused
exactly when the model's transition table refuses it; after every step, each lodged request
relied on a grant version at which the grant was in force, and replay equals live state.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from uuid import UUID, uuid4

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from domain.counter.request import CitizenRequest, Reliance
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

# What each step needs the request to be in (the model's transition table).
FROM = {
    "complete": ({"lodged"}, "completed", "immediate"),
    "forward": ({"lodged"}, "submitted", "forwarded"),
    "acknowledge": ({"submitted", "resubmitted"}, "at_partner", None),
    "return": ({"submitted", "at_partner", "resubmitted"}, "returned_for_correction", None),
    "resubmit": ({"returned_for_correction"}, "resubmitted", None),
    "decide": ({"submitted", "at_partner", "resubmitted"}, "accepted", None),
}
FINAL = {"completed", "accepted", "refused", "closed", "withdrawn"}


class RequestMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = datetime(2026, 1, 6, 9, 0, tzinfo=UTC)
        self.grant = DelegationGrant.grant(
            grant_id=uuid4(),
            partner_id=uuid4(),
            house_id=uuid4(),
            convention=Convention("CONV", "1", date(2025, 12, 1)),
            services=services_named(("S1", "F1")),
            validity=Validity(date(2026, 1, 1), date(2026, 12, 31)),
            collection=CollectionTerms(allowed=False),
            act=self.act(),
        )
        self.grant.collect_events()
        self.agent = Agent.enroll(
            employee_number="A17", house_id=self.grant.house_id, display_name="A", act=self.act()
        )
        self.agent.accredit(self.grant.partner_id, date(2026, 12, 31), self.act())
        self.agent.collect_events()
        self.active_versions = {self.grant.version}  # grant versions at which it was in force
        self.requests: dict[UUID, CitizenRequest] = {}
        self.events: dict[UUID, list[object]] = {}
        self.model: dict[UUID, tuple[str, str]] = {}  # request -> (status, mode)
        self.suspended = False

    def act(self) -> Act:
        return Act(actor="agent:A17", command_id=str(uuid4()), at=self.now)

    def attempt(self, allowed: bool, call: Callable[[], object]) -> bool:  # noqa: FBT001
        try:
            call()
        except DarError as error:
            assert not allowed, f"the domain refused what the model allows: {error}"  # noqa: PT017
            return False
        assert allowed, "the domain allowed what the model refuses"
        return True

    @rule()
    def suspend_or_reinstate(self) -> None:
        if self.suspended:
            self.grant.reinstate(self.act())
            self.active_versions.add(self.grant.version)
        else:
            self.grant.suspend("audit", self.act())
        self.suspended = not self.suspended
        self.grant.collect_events()

    @rule(mode=st.sampled_from(["immediate", "forwarded"]))
    def lodge(self, mode: str) -> None:
        service = "S1" if mode == "immediate" else "F1"
        found: list[CitizenRequest] = []

        def lodge_under_policy() -> None:
            permission = permit(
                grant=self.grant,
                agent=self.agent,
                house_id=self.grant.house_id,
                service=service,
                amount_millimes=None,
                moment=self.now,
            )
            found.append(
                CitizenRequest.lodge(
                    request_id=uuid4(),
                    house_id=self.grant.house_id,
                    visit_id=uuid4(),
                    citizen_id=uuid4(),
                    citizen_present=True,
                    service=("P", service, mode),
                    documents=(),
                    receipt=f"R-{len(self.requests) + 1}",
                    due_on=None,
                    reliance=Reliance(
                        permission.grant_id,
                        permission.grant_version,
                        permission.agent_id,
                        permission.agent_version,
                    ),
                    act=self.act(),
                )
            )

        if self.attempt(not self.suspended, lodge_under_policy):
            request = found[0]
            self.requests[request.id] = request
            self.events[request.id] = list(request.collect_events())
            self.model[request.id] = ("lodged", mode)

    def _request(self, data: st.DataObject) -> UUID | None:
        if not self.requests:
            return None
        return data.draw(st.sampled_from(sorted(self.requests, key=str)))

    @rule(data=st.data(), step=st.sampled_from(sorted(FROM)))
    def step(self, data: st.DataObject, step: str) -> None:
        chosen = self._request(data)
        if chosen is None:
            return
        request, (status, mode) = self.requests[chosen], self.model[chosen]
        allowed_from, after, needs_mode = FROM[step]
        allowed = status in allowed_from and needs_mode in {None, mode}
        act = self.act()
        call = {
            "complete": lambda: request.complete(act),
            "forward": lambda: request.forward(act),
            "acknowledge": lambda: request.acknowledge("REF-1", act),
            "return": lambda: request.return_for_correction("unsigned", act),
            "resubmit": lambda: request.resubmit(("signed form",), act),
            "decide": lambda: request.decide("accepted", "ok", act),
        }[step]
        if self.attempt(allowed, call):
            self.events[chosen].extend(request.collect_events())
            self.model[chosen] = (after, mode)

    @rule(data=st.data())
    def withdraw(self, data: st.DataObject) -> None:
        chosen = self._request(data)
        if chosen is None:
            return
        request, (status, mode) = self.requests[chosen], self.model[chosen]
        if self.attempt(status not in FINAL, lambda: request.withdraw("changed mind", self.act())):
            self.events[chosen].extend(request.collect_events())
            self.model[chosen] = ("withdrawn", mode)

    @invariant()
    def agrees_with_the_model(self) -> None:
        for request_id, request in self.requests.items():
            assert request.status.value == self.model[request_id][0]

    @invariant()
    def no_request_without_a_covering_grant(self) -> None:
        for request in self.requests.values():
            assert request.reliance.grant_id == self.grant.id
            assert request.reliance.grant_version in self.active_versions

    @invariant()
    def replay_equals_live_state(self) -> None:
        for request_id, request in self.requests.items():
            replayed = None
            for event in self.events[request_id]:
                replayed = event.mutate(replayed)  # type: ignore[attr-defined]
            assert replayed == request


TestRequestMachine = RequestMachine.TestCase
