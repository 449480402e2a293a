"""`suspendDelegation` racing `lodgeRequest` under that grant, on both stores.

In every run the two commands start together (a barrier, then a head start for one of them: a
bias that adapts so that each side wins about half the runs, plus up to half a millisecond of
jitter either way). Afterwards the whole log is replayed: every lodged request was lodged while
the grant it relied on was in force — before its suspension, or after its reinstatement — never
in between. Over the runs both orders must have occurred many times, so the race was real.

The runs rotate over ten partners' grants (each suspended and reinstated in turn) and visits of
25 requests, so that no aggregate grows with the number of runs.
"""

from __future__ import annotations

import os
import random
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from threading import Barrier
from uuid import UUID, uuid4

import pytest

from api.bootstrap import Dar
from application.catalogue.commands import PublishService
from application.counter.commands import CallNextTicket, EndVisit, IssueTicket, LodgeRequest
from application.delegation.commands import (
    GrantDelegation,
    ReinstateDelegation,
    SuspendDelegation,
)
from application.errors import ConflictError
from application.houses.commands import AccreditAgent
from application.partners.commands import RegisterPartner
from domain.counter.request import CitizenRequest
from domain.delegation.grant import DelegationGrant
from domain.delegation.policy import DelegationNotInForceError
from tests.support.citizens import register
from tests.support.clock import TestClock
from tests.support.spec import Scenario

RUNS = int(os.environ.get("DAR_RACE_RUNS", "1000"))
AT_LEAST = RUNS // 10
PARTNERS = [f"RACE{n}" for n in range(10)]
VISIT_LENGTH = 25
STEP, JITTER = 0.0002, 0.0005
READY = (
    "delegation/haidra_staffed.yaml",
    "counter/haidra_open.yaml",
    "counter/a001_issued.yaml",
    "counter/a001_called.yaml",
)


def delegate(dar: Dar, partner: str) -> UUID:
    """A partner with one immediate service delegated to Haidra; A17 accredited for it."""
    admin = "admin:1"
    dar.partners.register_partner(
        RegisterPartner(
            command_id=f"p-{partner}", actor=admin, code=partner, name_ar="شريك", name_fr=partner
        )
    )
    dar.catalogue.publish(
        PublishService(
            command_id=f"s-{partner}",
            actor=admin,
            partner_code=partner,
            code="ATTESTATION",
            name_ar="شهادة",
            name_fr="Attestation",
            mode="immediate",
            documents=(),
            fee_rule="none",
            fee_millimes=None,
            deadline_days=None,
        )
    )
    grant = uuid4()
    dar.delegations.grant(
        GrantDelegation(
            command_id=f"g-{partner}",
            actor=admin,
            grant_id=grant,
            house_code="haidra",
            partner_code=partner,
            convention_reference=f"CONV-{partner}",
            convention_version="1",
            signed_on=date(2025, 12, 1),
            services=("ATTESTATION",),
            starts_on=date(2026, 1, 1),
            ends_on=date(2026, 12, 31),
            may_collect=False,
            ceiling_millimes=None,
        )
    )
    dar.houses.accredit_agent(
        AccreditAgent(
            command_id=f"a-{partner}",
            actor=admin,
            employee_number="A17",
            partner_code=partner,
            expires_on=date(2026, 12, 31),
        )
    )
    return grant


@dataclass
class Race:
    dar: Dar
    pool: ThreadPoolExecutor
    grants: dict[str, UUID]
    citizen: UUID
    ticket: str = "A001"
    bias: float = 0.0  # > 0: the suspension starts first
    outcomes: list[bool] = field(default_factory=list)

    def run(self, run: int) -> None:
        if run and run % VISIT_LENGTH == 0:
            self.next_visit(run)
        partner = PARTNERS[run % len(PARTNERS)]
        lodged = self.race_once(run, partner, self.grants[partner])
        self.bias += STEP if lodged else -STEP
        self.outcomes.append(lodged)

    def race_once(self, run: int, partner: str, grant: UUID) -> bool:
        """One race; True when the request was lodged, False when refused."""
        barrier = Barrier(2)
        head_start = self.bias + random.uniform(-JITTER, JITTER)  # noqa: S311 - jitter

        def lodge() -> bool:
            barrier.wait()
            time.sleep(max(0.0, head_start))
            try:
                self.dar.requests.lodge(
                    LodgeRequest(
                        command_id=f"lodge-{run}",
                        actor="agent:A17",
                        house_code="haidra",
                        label=self.ticket,
                        employee_number="A17",
                        citizen_id=self.citizen,
                        partner_code=partner,
                        service_code="ATTESTATION",
                        documents=(),
                    )
                )
            except (DelegationNotInForceError, ConflictError):
                return False
            return True

        def suspend() -> None:
            barrier.wait()
            time.sleep(max(0.0, -head_start))
            self.dar.delegations.suspend(
                SuspendDelegation(
                    command_id=f"suspend-{run}", actor="admin:1", grant_id=grant, reason="race"
                )
            )

        lodged, suspended = self.pool.submit(lodge), self.pool.submit(suspend)
        suspended.result()
        outcome = lodged.result()
        self.dar.delegations.reinstate(
            ReinstateDelegation(command_id=f"reinstate-{run}", actor="admin:1", grant_id=grant)
        )
        return outcome

    def next_visit(self, run: int) -> None:
        """End the visit and serve a new ticket."""
        counter = self.dar.counter
        counter.end_visit(
            EndVisit(
                command_id=f"end-{run}",
                actor="agent:A17",
                house_code="haidra",
                label=self.ticket,
            )
        )
        counter.issue_ticket(
            IssueTicket(command_id=f"issue-{run}", actor="kiosk:1", house_code="haidra", prefix="A")
        )
        called = counter.call_next(
            CallNextTicket(
                command_id=f"call-{run}",
                actor="agent:A17",
                house_code="haidra",
                counter=1,
                employee_number="A17",
            )
        )
        self.ticket = called.values["ticket"]


def lodged_while_in_force(dar: Dar, grants: set[UUID]) -> int:
    """Replay the log: each lodging happened while its grant was active; how many there were."""
    active = dict.fromkeys(grants, True)
    lodgings = 0
    for n in dar.store.recorder.select_notifications(start=1, limit=1_000_000):
        event = dar.store.mapper.to_domain_event(n)
        if isinstance(event, DelegationGrant.Suspended):
            active[event.originator_id] = False
        elif isinstance(event, DelegationGrant.Reinstated):
            active[event.originator_id] = True
        elif isinstance(event, CitizenRequest.Lodged) and event.grant_id in active:
            assert active[event.grant_id], f"position {n.id}: lodged under a suspended grant"
            lodgings += 1
    return lodgings


@pytest.mark.timeout(600)
def test_a_suspension_racing_a_lodging_never_lets_a_request_through_after_it(
    dar: Dar, clock: TestClock
) -> None:
    Scenario(dar, clock).given(*READY).at("day 2 08:15")
    citizen = register(dar, "01234567", "Amel Ben Salah")
    grants = {partner: delegate(dar, partner) for partner in PARTNERS}
    with ThreadPoolExecutor(2) as pool:
        race = Race(dar, pool, grants, citizen)
        for run in range(RUNS):
            race.run(run)
    lodged = sum(race.outcomes)
    assert lodged_while_in_force(dar, set(grants.values())) == lodged
    assert lodged >= AT_LEAST, f"only {lodged} of {RUNS} lodged: the race was one-sided"
    assert RUNS - lodged >= AT_LEAST, f"only {RUNS - lodged} of {RUNS} refused: one-sided"
