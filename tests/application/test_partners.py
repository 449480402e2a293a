"""Registering and renaming partners, as given-when-then specifications over event fixtures."""

from __future__ import annotations

import pytest

from api.bootstrap import Dar
from application.partners.commands import RegisterPartner, RenamePartner
from domain.shared.errors import AlreadyExistsError, NotFoundError, UnchangedError
from infrastructure.reference import load_reference_partners, reference_partners
from tests.support.clock import TestClock
from tests.support.spec import Scenario

STEG_AR = "الشركة التونسية للكهرباء والغاز"


def rename_steg(name_fr: str = "STEG") -> RenamePartner:
    return RenamePartner(
        command_id="rename-steg", actor="admin:2", code="STEG", name_ar=STEG_AR, name_fr=name_fr
    )


def test_a_registered_partner_is_renamed(dar: Dar, clock: TestClock) -> None:
    scenario = Scenario(dar, clock).given("partners/steg_registered.yaml").at("day 2 10:30")
    scenario.when(lambda d: d.partners.rename_partner(rename_steg()))
    scenario.then("partners/steg_renamed.yaml")
    assert dar.partners.get("STEG").names.french == "STEG"


def test_registering_a_partner_twice_is_refused(dar: Dar, clock: TestClock) -> None:
    again = RegisterPartner(
        command_id="reg-again", actor="admin:3", code="STEG", name_ar=STEG_AR, name_fr="STEG"
    )
    scenario = Scenario(dar, clock).given("partners/steg_registered.yaml")
    scenario.when(lambda d: d.partners.register_partner(again))
    scenario.then_raises(AlreadyExistsError)


def test_renaming_to_the_same_names_records_nothing(dar: Dar, clock: TestClock) -> None:
    same = rename_steg("Société tunisienne de l'électricité et du gaz")
    scenario = Scenario(dar, clock).given("partners/steg_registered.yaml")
    scenario.when(lambda d: d.partners.rename_partner(same))
    scenario.then_raises(UnchangedError)


def test_renaming_an_unknown_partner_is_not_found(dar: Dar, clock: TestClock) -> None:
    scenario = Scenario(dar, clock).when(lambda d: d.partners.rename_partner(rename_steg()))
    scenario.then_raises(NotFoundError)


def test_a_wrong_expectation_fails_naming_the_fixture_line(dar: Dar, clock: TestClock) -> None:
    scenario = Scenario(dar, clock).given("partners/steg_registered.yaml").at("day 2 10:31")
    scenario.when(lambda d: d.partners.rename_partner(rename_steg()))
    with pytest.raises(AssertionError, match=r"steg_renamed.yaml:3: at: expected"):
        scenario.then("partners/steg_renamed.yaml")


def test_the_reference_partners_load_once_into_an_empty_store(dar: Dar) -> None:
    assert load_reference_partners(dar.partners) == 9
    assert load_reference_partners(dar.partners) == 0
    assert dar.store.position() == 9
    for partner in reference_partners():
        loaded = dar.partners.get(partner.code)
        assert (loaded.names.arabic, loaded.names.french) == (partner.name_ar, partner.name_fr)


def test_a_corrected_reference_file_does_not_stop_loading(
    dar: Dar, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_reference_partners(dar.partners)
    corrected = [
        p if p.code != "STEG" else type(p)(code=p.code, name_ar=p.name_ar, name_fr="STEG")
        for p in reference_partners()
    ]
    monkeypatch.setattr("infrastructure.reference.reference_partners", lambda: corrected)
    assert load_reference_partners(dar.partners) == 0
    assert dar.store.position() == 9
