"""The partner aggregate, without any store."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.partners.partner import Partner, PartnerNames, partner_id, validate_partner_code
from domain.shared.acts import Act
from domain.shared.errors import UnchangedError, ValidationError

AT = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
ACT = Act(actor="admin:1", command_id="c-1", at=AT)
NAMES = PartnerNames(arabic="الشركة التونسية للكهرباء والغاز", french="STEG")


def test_registration_records_the_act_and_derives_the_id_from_the_code() -> None:
    partner = Partner.register("STEG", NAMES, ACT)
    [event] = partner.collect_events()
    assert isinstance(event, Partner.Registered)
    assert (event.actor, event.command_id, event.timestamp) == ("admin:1", "c-1", AT)
    assert partner.id == partner_id("STEG") == event.originator_id


def test_renaming_to_the_same_names_is_refused() -> None:
    partner = Partner.register("STEG", NAMES, ACT)
    with pytest.raises(UnchangedError):
        partner.rename(NAMES, ACT)


@pytest.mark.parametrize("code", ["", "s", "steg", "1STEG", "STEG!", "A" * 21])
def test_malformed_codes_are_refused(code: str) -> None:
    with pytest.raises(ValidationError):
        validate_partner_code(code)


def test_the_arabic_name_must_be_in_arabic_script() -> None:
    with pytest.raises(ValidationError, match="nameAr"):
        PartnerNames(arabic="STEG", french="STEG")


def test_an_act_without_a_time_zone_is_refused() -> None:
    with pytest.raises(ValidationError, match="time zone"):
        Act(actor="admin:1", command_id="c", at=datetime(2026, 1, 5, 8, 0))  # noqa: DTZ001


codes = st.from_regex(r"\A[A-Z][A-Z0-9_]{1,19}\Z")
french = st.text(min_size=1, max_size=50).filter(str.strip)


@given(codes, st.lists(french, min_size=1, max_size=8))
def test_replaying_the_events_rebuilds_the_same_partner(code: str, renames: list[str]) -> None:
    partner = Partner.register(code, NAMES, ACT)
    for name in renames:
        try:
            partner.rename(PartnerNames(arabic=NAMES.arabic, french=name), ACT)
        except UnchangedError:
            continue
    events = partner.collect_events()
    replayed = None
    for event in events:
        replayed = event.mutate(replayed)
    assert replayed == partner


@given(codes, codes)
def test_distinct_codes_never_share_an_id(first: str, second: str) -> None:
    assert (partner_id(first) == partner_id(second)) == (first == second)
