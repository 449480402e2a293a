"""The directory read model (houses, agents, grants, catalogue), on both stores."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

from api.bootstrap import Dar
from application.delegation.commands import GrantDelegation, SuspendDelegation
from application.houses.commands import (
    AddServiceLine,
    DeactivateAgent,
    OpenCounter,
    RevokeAccreditation,
)
from domain.houses.agent import agent_id
from domain.houses.house import house_id
from domain.partners.partner import partner_id
from infrastructure.reference import load_reference_services
from tests.support.clock import TestClock
from tests.support.spec import Scenario


def test_the_directory_follows_houses_agents_and_grants(dar: Dar, clock: TestClock) -> None:
    Scenario(dar, clock).given("delegation/haidra_staffed.yaml")
    grant_id = uuid4()
    dar.delegations.grant(
        GrantDelegation(
            command_id="g",
            actor="admin:1",
            grant_id=grant_id,
            house_code="haidra",
            partner_code="STEG",
            convention_reference="CONV-1",
            convention_version="1",
            signed_on=date(2025, 12, 20),
            services=("BILL_PAYMENT",),
            starts_on=date(2026, 1, 1),
            ends_on=date(2026, 1, 31),
            may_collect=False,
            ceiling_millimes=None,
        )
    )
    dar.delegations.suspend(
        SuspendDelegation(command_id="s", actor="admin:1", grant_id=grant_id, reason="audit")
    )
    dar.houses.open_counter(
        OpenCounter(
            command_id="o", actor="agent:A17", house_code="haidra", number=1, employee_number="A17"
        )
    )
    dar.houses.add_service_line(
        AddServiceLine(
            command_id="l",
            actor="admin:1",
            house_code="haidra",
            prefix="A",
            name="Factures",
            services=("STEG/BILL_PAYMENT",),
            priority=False,
        )
    )
    dar.houses.revoke_accreditation(
        RevokeAccreditation(
            command_id="r",
            actor="admin:1",
            employee_number="A18",
            partner_code="SONEDE",
            reason="training lapsed",
        )
    )
    dar.houses.deactivate_agent(
        DeactivateAgent(command_id="d", actor="admin:1", employee_number="A18", reason="left")
    )
    load_reference_services(dar.catalogue)  # only STEG and SONEDE are registered: theirs load

    dar.projections.prepare()
    dar.projections.catch_up()
    read = dar.read.directory
    haidra = house_id("haidra")
    assert [h.code for h in read.houses()] == ["haidra"]
    [counter] = read.counters(haidra)
    assert counter.agent_id == agent_id("A17")
    assert [(line.prefix, line.services) for line in read.lines(haidra)] == [
        ("A", ("STEG/BILL_PAYMENT",))
    ]
    agents = {a.employee_number: a for a in read.agents(haidra)}
    assert (agents["A17"].active, agents["A18"].active) == (True, False)
    assert read.accreditations(agent_id("A18")) == []
    [grant] = read.grants(haidra, partner_id("STEG"))
    assert (grant.state, grant.services, grant.ends_on) == (
        "suspended",
        ("BILL_PAYMENT",),
        date(2026, 1, 31),
    )
    assert [g.grant_id for g in read.expiring(date(2026, 1, 10))] == [grant_id]
    assert read.expiring(date(2025, 11, 1)) == []
    steg = {s.code: s for s in read.catalogue("STEG")}
    assert steg["NEW_CONNECTION"].mode == "forwarded"
    assert steg["NEW_CONNECTION"].deadline_days == 30
    assert dar.read.db.tracked(dar.read.directory_key) == dar.store.position()
