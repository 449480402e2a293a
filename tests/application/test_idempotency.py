"""Commands are idempotent per (actor, commandId), on both stores."""

from __future__ import annotations

import pytest

from api.bootstrap import Dar
from application.errors import IdempotencyKeyReusedError
from application.partners.commands import RegisterPartner
from application.store import Decision
from domain.shared.acts import Act
from domain.shared.errors import AlreadyExistsError


def steg(command_id: str = "c-1", actor: str = "admin:1", name_fr: str = "STEG") -> RegisterPartner:
    return RegisterPartner(
        command_id=command_id,
        actor=actor,
        code="STEG",
        name_ar="الشركة التونسية للكهرباء والغاز",
        name_fr=name_fr,
    )


def test_a_retry_returns_the_first_outcome_and_records_nothing_more(dar: Dar) -> None:
    first = dar.partners.register_partner(steg())
    again = dar.partners.register_partner(steg())
    assert again.value == first.value
    assert again.position == first.position
    assert (first.replayed, again.replayed) == (False, True)
    assert dar.store.position() == first.position


def test_the_same_key_with_another_payload_is_refused(dar: Dar) -> None:
    dar.partners.register_partner(steg())
    with pytest.raises(IdempotencyKeyReusedError):
        dar.partners.register_partner(steg(name_fr="Autre nom"))
    assert dar.store.position() == 1


def test_keys_are_scoped_by_actor(dar: Dar) -> None:
    dar.partners.register_partner(steg(actor="admin:1"))
    with pytest.raises(AlreadyExistsError):
        dar.partners.register_partner(steg(actor="admin:2"))
    assert dar.store.position() == 1


def test_a_retry_racing_its_first_attempt_gets_the_first_outcome(dar: Dar) -> None:
    command = steg()

    def decide(_: Act) -> Decision:
        dar.partners.register_partner(command)  # the first attempt commits in the meantime
        msg = "partner STEG is already registered"
        raise AlreadyExistsError(msg)

    outcome = dar.runner.run(command, decide)
    assert outcome.replayed
    assert outcome.position == 1
    assert dar.store.position() == 1
