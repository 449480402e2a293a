"""A command that declared what it read fails with a conflict if any of it changed before saving."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from api.bootstrap import Dar
from application.errors import ConflictError
from application.partners.commands import RegisterPartner, RenamePartner
from application.store import Decision
from domain.partners.partner import Partner, PartnerNames, partner_id
from domain.shared.acts import Act
from domain.shared.errors import NotFoundError

STEG_AR = "الشركة التونسية للكهرباء والغاز"
SONEDE_AR = "الشركة الوطنية لاستغلال وتوزيع المياه"


def register(dar: Dar, code: str, name_ar: str) -> int:
    command = RegisterPartner(
        command_id=f"reg-{code}", actor="admin:1", code=code, name_ar=name_ar, name_fr=code
    )
    return dar.partners.register_partner(command).position


def sonede_relying_on_steg(command_id: str = "sonede-1") -> RegisterPartner:
    return RegisterPartner(
        command_id=command_id, actor="admin:1", code="SONEDE", name_ar=SONEDE_AR, name_fr="SONEDE"
    )


def decide_relying_on(dar: Dar, *, meanwhile: bool) -> Callable[[Act], Decision]:
    """Register SONEDE relying on STEG's current version; optionally STEG changes meanwhile."""

    def decide(act: Act) -> Decision:
        steg = dar.partners.get("STEG")
        if meanwhile:
            rename = RenamePartner(
                command_id="rename-steg",
                actor="admin:2",
                code="STEG",
                name_ar=STEG_AR,
                name_fr="STEG (nouveau nom)",
            )
            dar.partners.rename_partner(rename)
        names = PartnerNames(arabic=SONEDE_AR, french="SONEDE")
        sonede = Partner.register("SONEDE", names, act)
        return Decision(aggregates=[sonede], value={}, reads={steg.id: steg.version})

    return decide


def test_an_unchanged_read_lets_the_command_through(dar: Dar) -> None:
    register(dar, "STEG", STEG_AR)
    outcome = dar.runner.run(sonede_relying_on_steg(), decide_relying_on(dar, meanwhile=False))
    assert outcome.position == 2
    assert dar.partners.get("SONEDE").code == "SONEDE"


def test_a_read_changed_before_the_save_is_a_conflict_and_records_nothing(dar: Dar) -> None:
    register(dar, "STEG", STEG_AR)
    with pytest.raises(ConflictError):
        dar.runner.run(sonede_relying_on_steg(), decide_relying_on(dar, meanwhile=True))
    assert dar.store.position() == 2  # the registration of STEG and its renaming, nothing else
    with pytest.raises(NotFoundError):
        dar.partners.get("SONEDE")
    assert dar.store.command_log.find_command("admin:1", "sonede-1") is None


def test_a_read_of_an_aggregate_that_did_not_exist_conflicts_once_it_does(dar: Dar) -> None:
    def decide(act: Act) -> Decision:
        register(dar, "STEG", STEG_AR)  # STEG appears after we decided it was absent
        names = PartnerNames(arabic=SONEDE_AR, french="SONEDE")
        return Decision(
            aggregates=[Partner.register("SONEDE", names, act)],
            value={},
            reads={partner_id("STEG"): 0},
        )

    with pytest.raises(ConflictError):
        dar.runner.run(sonede_relying_on_steg(), decide)
    assert dar.store.position() == 1
