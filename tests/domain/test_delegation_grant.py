"""Delegation grants, without any store: every rule and every refusal."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from domain.delegation.grant import (
    CollectionTerms,
    Convention,
    DelegationGrant,
    GrantState,
    Validity,
    services_named,
)
from domain.shared.acts import Act
from domain.shared.errors import InvalidTransitionError, ValidationError

JAN_5 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
CONVENTION = Convention("STEG-HAIDRA-2026", "1", date(2025, 12, 20))
YEAR = Validity(date(2026, 1, 1), date(2026, 12, 31))
COLLECT = CollectionTerms(allowed=True, ceiling_millimes=500_000)


def act(at: datetime = JAN_5, key: str = "c") -> Act:
    return Act(actor="admin:1", command_id=key, at=at)


def new_grant(services: tuple[str, ...] = ("BILL_PAYMENT", "DUPLICATE")) -> DelegationGrant:
    return grant_of(services_named(services), YEAR)


def grant_of(services: frozenset[str], validity: Validity) -> DelegationGrant:
    return DelegationGrant.grant(
        grant_id=uuid4(),
        partner_id=uuid4(),
        house_id=uuid4(),
        convention=CONVENTION,
        services=services,
        validity=validity,
        collection=COLLECT,
        act=act(),
    )


def test_a_grant_is_in_force_within_its_validity_only() -> None:
    grant = new_grant()
    assert grant.in_force_at(JAN_5)
    assert not grant.in_force_at(datetime(2027, 1, 1, 0, 30, tzinfo=UTC))  # 01:30 in Tunis
    assert grant.in_force_at(datetime(2026, 12, 31, 22, 30, tzinfo=UTC))  # 23:30 in Tunis


def test_a_grant_names_its_services() -> None:
    with pytest.raises(ValidationError, match="at least one service"):
        new_grant(())
    with pytest.raises(ValidationError, match="named twice"):
        services_named(("BILL_PAYMENT", "BILL_PAYMENT"))
    with pytest.raises(ValidationError, match="not a service code"):
        services_named(("bill payment",))


def test_collection_needs_a_ceiling_and_only_then() -> None:
    with pytest.raises(ValidationError, match="needs a ceiling"):
        CollectionTerms(allowed=True)
    with pytest.raises(ValidationError, match="only applies"):
        CollectionTerms(allowed=False, ceiling_millimes=1)


def test_a_grant_cannot_be_recorded_already_expired() -> None:
    with pytest.raises(ValidationError, match="cannot end before"):
        grant_of(services_named(("X1",)), Validity(date(2025, 1, 1), date(2025, 12, 31)))


def test_suspension_stops_and_reinstatement_restores() -> None:
    grant = new_grant()
    grant.suspend("audit of the counter", act())
    assert grant.state is GrantState.SUSPENDED
    assert not grant.in_force_at(JAN_5)
    with pytest.raises(InvalidTransitionError, match="already suspended"):
        grant.suspend("again", act())
    grant.reinstate(act())
    assert grant.in_force_at(JAN_5)
    with pytest.raises(InvalidTransitionError, match="only a suspended grant"):
        grant.reinstate(act())


def test_an_expired_grant_is_renewed_never_reinstated() -> None:
    grant = new_grant()
    grant.suspend("audit", act())
    after = act(datetime(2027, 1, 2, 9, 0, tzinfo=UTC))
    with pytest.raises(InvalidTransitionError, match="renew it, never reinstate"):
        grant.reinstate(after)
    grant.renew(date(2027, 12, 31), Convention("STEG-HAIDRA-2027", "1", date(2026, 12, 15)), after)
    assert grant.validity.ends_on == date(2027, 12, 31)
    assert grant.state is GrantState.SUSPENDED  # renewal does not lift a suspension
    grant.reinstate(after)
    assert grant.in_force_at(after.at)


def test_a_renewal_must_extend() -> None:
    with pytest.raises(ValidationError, match="ends after"):
        new_grant().renew(date(2026, 6, 30), CONVENTION, act())


def test_amendments_add_and_remove_named_services() -> None:
    grant = new_grant()
    grant.amend(frozenset({"INSTALMENT_PLAN"}), frozenset({"DUPLICATE"}), act())
    assert grant.services == {"BILL_PAYMENT", "INSTALMENT_PLAN"}
    with pytest.raises(ValidationError, match="already delegated"):
        grant.amend(frozenset({"BILL_PAYMENT"}), frozenset(), act())
    with pytest.raises(ValidationError, match="not delegated"):
        grant.amend(frozenset(), frozenset({"DUPLICATE"}), act())
    with pytest.raises(ValidationError, match="at least one service"):
        grant.amend(frozenset(), frozenset({"BILL_PAYMENT", "INSTALMENT_PLAN"}), act())


def test_a_revoked_grant_accepts_nothing_more() -> None:
    grant = new_grant()
    grant.revoke("convention terminated", act())
    attempts: list[Callable[[], None]] = [
        lambda: grant.suspend("x", act()),
        lambda: grant.reinstate(act()),
        lambda: grant.amend(frozenset({"X2"}), frozenset(), act()),
        lambda: grant.renew(date(2030, 1, 1), CONVENTION, act()),
        lambda: grant.revoke("again", act()),
    ]
    for attempt in attempts:
        with pytest.raises(InvalidTransitionError):
            attempt()
    assert not grant.in_force_at(JAN_5)


def test_every_event_records_the_act() -> None:
    grant = new_grant()
    later = act(JAN_5 + timedelta(hours=2), key="s-1")
    grant.suspend("audit", later)
    created, suspended = grant.collect_events()
    assert isinstance(suspended, DelegationGrant.Suspended)
    assert (suspended.actor, suspended.command_id, suspended.timestamp) == (
        "admin:1",
        "s-1",
        later.at,
    )
    assert created.originator_version == 1
