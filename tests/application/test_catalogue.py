"""The service catalogue, changed only by events, on both stores."""

from __future__ import annotations

import pytest

from api.bootstrap import Dar
from application.catalogue.commands import ChangeServiceFee, PublishService, WithdrawService
from domain.catalogue.service import FeeRule, ServiceWithdrawnError
from domain.shared.errors import NotFoundError, ValidationError
from infrastructure.reference import (
    load_reference_partners,
    load_reference_services,
    reference_services,
)


def stamp_fee(key: str, millimes: int) -> ChangeServiceFee:
    return ChangeServiceFee(
        command_id=key,
        actor="admin:1",
        partner_code="RECETTE_FINANCES",
        code="FISCAL_STAMP",
        fee_rule="fixed",
        fee_millimes=millimes,
    )


def test_the_reference_catalogue_loads_once(dar: Dar) -> None:
    load_reference_partners(dar.partners)
    assert load_reference_services(dar.catalogue) == len(reference_services())
    assert load_reference_services(dar.catalogue) == 0
    stamp = dar.catalogue.get("RECETTE_FINANCES", "FISCAL_STAMP")
    assert (stamp.fee.rule, stamp.fee.millimes) == (FeeRule.FIXED, 30_000)


def test_a_fee_changes_from_now_on_and_history_keeps_the_old_one(dar: Dar) -> None:
    load_reference_partners(dar.partners)
    load_reference_services(dar.catalogue)
    dar.catalogue.change_fee(stamp_fee("fee-1", 40_000))
    stamp = dar.catalogue.get("RECETTE_FINANCES", "FISCAL_STAMP")
    assert stamp.fee.millimes == 40_000
    before: object = dar.store.repository.get(stamp.id, version=1)
    assert getattr(before, "fee").millimes == 30_000  # noqa: B009 - the aggregate as it was


def test_a_withdrawn_service_changes_no_more(dar: Dar) -> None:
    load_reference_partners(dar.partners)
    load_reference_services(dar.catalogue)
    dar.catalogue.withdraw(
        WithdrawService(
            command_id="w",
            actor="admin:1",
            partner_code="RECETTE_FINANCES",
            code="FISCAL_STAMP",
            reason="stamps sold online only",
        )
    )
    with pytest.raises(ServiceWithdrawnError):
        dar.catalogue.change_fee(stamp_fee("fee-2", 40_000))


def test_publishing_checks_the_partner_and_the_rules(dar: Dar) -> None:
    def publish(partner: str, mode: str, deadline: int | None) -> None:
        dar.catalogue.publish(
            PublishService(
                command_id=f"p-{partner}-{mode}-{deadline}",
                actor="admin:1",
                partner_code=partner,
                code="NEW_SERVICE",
                name_ar="خدمة",
                name_fr="Service",
                mode=mode,
                documents=(),
                fee_rule="none",
                fee_millimes=None,
                deadline_days=deadline,
            )
        )

    with pytest.raises(NotFoundError):
        publish("STEG", "immediate", None)
    load_reference_partners(dar.partners)
    with pytest.raises(ValidationError, match="deadline"):
        publish("STEG", "forwarded", None)
    with pytest.raises(ValidationError, match="immediate or forwarded"):
        publish("STEG", "sometimes", None)
    assert dar.store.position() == 9
