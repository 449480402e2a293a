"""Mandates through the application layer on both stores: grant, cover, use, revoke with receipt."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest

from api.bootstrap import Dar
from application.citizens.commands import RevokeMandate
from application.store import Decision
from domain.citizens.access import PersonalDataAccess
from domain.citizens.citizen import CitizenErasedError
from domain.citizens.mandate import MandateNotInForceError
from domain.shared.acts import Act
from domain.shared.errors import NotFoundError, ValidationError
from tests.support.citizens import grant_mandate as grant
from tests.support.citizens import register
from tests.support.clock import TestClock
from tests.support.spec import Scenario


@pytest.fixture
def citizen(dar: Dar, clock: TestClock) -> UUID:
    Scenario(dar, clock).given("delegation/haidra_staffed.yaml").at("day 2 09:00")
    return register(dar, "01234567", "Amel Ben Salah")


def revoke(dar: Dar, citizen: UUID, scope: str, key: str = "r") -> str:
    outcome = dar.citizens.revoke_mandate(
        RevokeMandate(
            command_id=key, actor="agent:A17", citizen_id=citizen, house_code="haidra", scope=scope
        )
    )
    return outcome.values["receipt"]


def test_a_partner_scope_covers_its_services_until_it_expires(
    dar: Dar, clock: TestClock, citizen: UUID
) -> None:
    grant(dar, citizen, "partner:STEG", duration="1d")
    mandate = dar.citizens.mandate_covers(citizen, "haidra", "service:STEG/NEW_CONNECTION")
    assert mandate.covering("service:STEG/NEW_CONNECTION", clock.now()) == "partner:STEG"
    with pytest.raises(MandateNotInForceError):
        dar.citizens.mandate_covers(citizen, "haidra", "payments")
    clock.advance(timedelta(days=1))
    with pytest.raises(MandateNotInForceError):
        dar.citizens.mandate_covers(citizen, "haidra", "service:STEG/NEW_CONNECTION")


def test_a_revocation_gives_a_receipt_and_its_retry_the_same_one(dar: Dar, citizen: UUID) -> None:
    mandate_id = grant(dar, citizen, "partner:STEG", "payments")
    receipt = revoke(dar, citizen, "payments")
    assert receipt.startswith(f"MR-{UUID(mandate_id).hex[:8].upper()}-")
    assert revoke(dar, citizen, "payments") == receipt
    with pytest.raises(NotFoundError):
        revoke(dar, citizen, "payments", key="again")
    assert dar.citizens.mandate_covers(citizen, "haidra", "service:STEG/BILL_PAYMENT")


def test_a_use_declared_as_read_fails_if_the_scope_was_revoked_meanwhile(
    dar: Dar, citizen: UUID
) -> None:
    from application.errors import ConflictError  # noqa: PLC0415

    grant(dar, citizen, "payments")
    mandate = dar.citizens.mandate_covers(citizen, "haidra", "payments")
    read_version = mandate.version
    revoke(dar, citizen, "payments")

    def decide(act: Act) -> Decision:
        # an act that relied on the mandate as read before the revocation
        relied = PersonalDataAccess.record(
            citizen_id=citizen,
            purpose="counter_service",
            operation="payment",
            fields=(),
            house_id=None,
            act=act,
        )
        return Decision(aggregates=[relied], value={}, reads={mandate.id: read_version})

    from application.commands import Command  # noqa: PLC0415

    with pytest.raises(ConflictError):
        dar.runner.run(Command(command_id="use", actor="agent:A17"), decide)


@pytest.mark.parametrize(
    ("scopes", "duration", "field"),
    [
        ((), "1m", "scopes"),
        (("everything",), "1m", "scopes"),
        (("payments",), "2w", "duration"),
    ],
)
def test_a_malformed_grant_is_refused(
    dar: Dar, citizen: UUID, scopes: tuple[str, ...], duration: str, field: str
) -> None:
    before = dar.store.position()
    with pytest.raises(ValidationError) as refused:
        grant(dar, citizen, *scopes, duration=duration)
    assert refused.value.field == field
    assert dar.store.position() == before


def test_no_mandate_for_an_erased_citizen(dar: Dar, citizen: UUID) -> None:
    from application.citizens.commands import EraseCitizen  # noqa: PLC0415

    dar.citizens.erase_citizen(
        EraseCitizen(command_id="e", actor="admin:1", citizen_id=citizen, reason="request")
    )
    with pytest.raises(CitizenErasedError):
        grant(dar, citizen, "payments")
