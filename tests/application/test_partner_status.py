"""Reporting a partner's system reachable or unreachable: given-when-then over event fixtures.

Haidra works with STEG (a grant was recorded), not with SONEDE; the supervisor reports for its
house, a partner's own staff for their partner only. Reports of a day share the partner's stream
of that day. On both stores.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from api.bootstrap import Dar
from application.partners.reachability import PartnerNotServedError, ReportPartnerStatus
from domain.partners.reachability import PartnerStatusDay, Reachability, status_day_id
from domain.shared.errors import ForbiddenError, NotFoundError, UnchangedError, ValidationError
from domain.shared.time import tunis_day
from tests.support.clock import TestClock
from tests.support.spec import Scenario

HAIDRA_WITH_STEG = ("delegation/haidra_staffed.yaml", "delegation/steg_granted.yaml")
DOWN, UP = Reachability.UNREACHABLE, Reachability.REACHABLE


def by_supervisor(
    status: Reachability,
    note: str | None = "the billing portal times out",
    partner: str = "STEG",
    key: str = "steg-down",
) -> ReportPartnerStatus:
    return ReportPartnerStatus(key, "supervisor:A18", partner, status, note, "haidra", None)


def by_partner(
    own: str, status: Reachability, partner: str = "STEG", key: str = "steg-up"
) -> ReportPartnerStatus:
    return ReportPartnerStatus(key, "partner:steg-ops", partner, status, None, None, own)


def reported_down(dar: Dar, clock: TestClock) -> Scenario:
    scenario = Scenario(dar, clock).given(*HAIDRA_WITH_STEG).at("day 2 10:00")
    return scenario.given_command(lambda d: d.partner_status.report(by_supervisor(DOWN)))


def test_a_supervisor_reports_a_partner_of_its_house_unreachable(
    dar: Dar, clock: TestClock
) -> None:
    scenario = Scenario(dar, clock).given(*HAIDRA_WITH_STEG).at("day 2 10:00")
    scenario.when(lambda d: d.partner_status.report(by_supervisor(DOWN)))
    scenario.then("partners/steg_reported_unreachable.yaml")


def test_the_partner_reports_its_own_system_back_in_the_days_stream(
    dar: Dar, clock: TestClock
) -> None:
    scenario = reported_down(dar, clock).at("day 2 12:00")
    scenario.when(lambda d: d.partner_status.report(by_partner("STEG", UP)))
    scenario.then("partners/steg_reported_back.yaml")


def test_the_same_status_and_note_again_that_day_records_nothing(
    dar: Dar, clock: TestClock
) -> None:
    scenario = reported_down(dar, clock).at("day 2 11:00")
    scenario.when(lambda d: d.partner_status.report(by_supervisor(DOWN, key="again")))
    scenario.then_raises(UnchangedError)


def test_a_new_note_on_the_same_status_is_recorded(dar: Dar, clock: TestClock) -> None:
    scenario = reported_down(dar, clock).at("day 2 11:00")
    note = "STEG says: back at noon"
    scenario.when(lambda d: d.partner_status.report(by_supervisor(DOWN, note, key="n2")))
    [event] = scenario.new_events()
    assert isinstance(event, PartnerStatusDay.Reported)
    assert (event.status, event.note) == ("unreachable", note)


def test_the_next_days_first_report_opens_that_days_stream(dar: Dar, clock: TestClock) -> None:
    scenario = reported_down(dar, clock)
    clock.advance(timedelta(days=1))
    scenario.when(lambda d: d.partner_status.report(by_supervisor(DOWN, key="next-day")))
    opened, reported = scenario.new_events()
    assert isinstance(opened, PartnerStatusDay.Opened)
    assert isinstance(reported, PartnerStatusDay.Reported)
    assert opened.originator_id == status_day_id("STEG", tunis_day(clock.now()))
    assert opened.business_date.isoformat() == "2026-01-07"


def test_a_partner_reports_on_its_own_system_only(dar: Dar, clock: TestClock) -> None:
    scenario = Scenario(dar, clock).given(*HAIDRA_WITH_STEG).at("day 2 10:00")
    scenario.when(lambda d: d.partner_status.report(by_partner("SONEDE", DOWN)))
    scenario.then_raises(ForbiddenError)


def test_a_supervisor_reports_only_on_partners_its_house_works_with(
    dar: Dar, clock: TestClock
) -> None:
    scenario = Scenario(dar, clock).given(*HAIDRA_WITH_STEG).at("day 2 10:00")
    scenario.when(lambda d: d.partner_status.report(by_supervisor(DOWN, partner="SONEDE")))
    scenario.then_raises(PartnerNotServedError)


def test_a_report_names_who_reports(dar: Dar, clock: TestClock) -> None:
    nobody = ReportPartnerStatus("k", "admin:1", "STEG", DOWN, None, None, None)
    scenario = Scenario(dar, clock).given(*HAIDRA_WITH_STEG).at("day 2 10:00")
    scenario.when(lambda d: d.partner_status.report(nobody))
    scenario.then_raises(ForbiddenError)


def test_an_unknown_partner_is_not_found(dar: Dar, clock: TestClock) -> None:
    scenario = Scenario(dar, clock).given(*HAIDRA_WITH_STEG).at("day 2 10:00")
    scenario.when(lambda d: d.partner_status.report(by_partner("CNSS", DOWN, partner="CNSS")))
    scenario.then_raises(NotFoundError)


@pytest.mark.parametrize("note", ["x" * 201])
def test_an_overlong_note_is_refused(dar: Dar, clock: TestClock, note: str) -> None:
    scenario = Scenario(dar, clock).given(*HAIDRA_WITH_STEG).at("day 2 10:00")
    scenario.when(lambda d: d.partner_status.report(by_supervisor(DOWN, note)))
    scenario.then_raises(ValidationError)
