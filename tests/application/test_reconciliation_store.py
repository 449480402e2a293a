"""Statements with injected faults, imported as CSV text and reconciled through the store.

The same generated cases as the domain property (tests/domain/test_reconciliation_properties.py),
end to end on SQLite and PostgreSQL: the day's entries recorded in remittances, the statement
written in the documented CSV format and imported, the reconciliation read back. A bounded number
of examples per store; the matching itself gets many in the domain test.
"""

from __future__ import annotations

import csv
import io
import itertools
from dataclasses import replace
from datetime import date, timedelta
from uuid import uuid4

from hypothesis import HealthCheck, given, settings

from api.bootstrap import Dar
from application.settlement.commands import ImportStatement
from domain.payments.remittance import Entry, EntryKind, Remittance
from domain.settlement.matching import LineStatus
from domain.settlement.statement import COLUMNS, StatementLine, StatementSource
from domain.shared.acts import Act
from domain.shared.ids import natural_id
from domain.shared.money import Money
from tests.domain.test_reconciliation_properties import Injected, injected
from tests.support.clock import TestClock
from tests.support.spec import Scenario

_days = itertools.count(0)
FIRST = date(2025, 1, 1)


def _csv(lines: list[StatementLine]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for x in lines:
        writer.writerow(
            (
                x.business_date.isoformat(),
                x.house_code,
                x.reference,
                x.kind.value,
                x.amount_millimes,
                x.partner_reference,
            )
        )
    return out.getvalue()


def _record(dar: Dar, case: Injected, day: date, act: Act) -> None:
    """The day's entries, in the remittances of their houses."""
    kept: dict[str, Remittance] = {}
    for r in case.recorded:
        house = kept.get(r.house_code) or Remittance.open(
            natural_id("house", r.house_code), r.house_code, "STEG", day, act
        )
        kept[r.house_code] = house
        house.enter(replace(r.entry, recorded_on=day), act)
    if kept:
        dar.store.save(*kept.values())


def _check(dar: Dar, clock: TestClock, case: Injected) -> None:
    day = FIRST + timedelta(days=next(_days))
    act = Act("supervisor:S01", f"entries-{day}", clock.now())
    _record(dar, case, day, act)
    lines = [replace(x, business_date=day) for x in case.lines]
    if lines:
        content = _csv(lines)
        command = ImportStatement(f"import-{day}", "admin:1", "STEG", "partner", content)
        dar.settlement.import_statement(command)
    found = dar.settlement.reconciliation(
        "STEG", day, StatementSource.PARTNER, ["haidra", "sbeitla"]
    ).matching
    statuses = {
        status: {m.reference for m in found.matches if m.status is status} for status in LineStatus
    }
    assert statuses[LineStatus.MISSING] == case.missing
    assert statuses[LineStatus.MISMATCHED] == case.mismatched
    assert statuses[LineStatus.DUPLICATE] == case.duplicated
    assert statuses[LineStatus.UNEXPECTED] == case.unexpected
    assert found.difference_millimes == case.difference


def test_injected_faults_are_flagged_through_the_store(dar: Dar, clock: TestClock) -> None:
    Scenario(dar, clock).given("partners/steg_registered.yaml").at("day 2 09:00")
    budget = 10 if "postgres" in dar.settings.database_url else 25

    @settings(max_examples=budget, deadline=None, suppress_health_check=list(HealthCheck))
    @given(injected())
    def check(case: Injected) -> None:
        _check(dar, clock, case)

    check()


def _entries(dar: Dar, clock: TestClock, day: date) -> None:
    """A cash capture and a card capture of STEG at Haidra on the day."""
    act = Act("agent:A17", f"entries-{day}", clock.now())
    remittance = Remittance.open(natural_id("house", "haidra"), "haidra", "STEG", day, act)
    for reference, method, millimes in (("H-1", "cash", 10_000), ("H-2", "card", 25_000)):
        remittance.enter(
            Entry(uuid4(), reference, EntryKind.CAPTURE, method, Money(millimes), day), act
        )
    dar.store.save(remittance)


def _import(dar: Dar, key: str, source: str, lines: str) -> None:
    text = ",".join(COLUMNS) + "\n" + lines
    dar.settlement.import_statement(ImportStatement(key, "admin:1", "STEG", source, text))


def test_the_acquirer_is_matched_against_what_went_through_the_gateway(
    dar: Dar, clock: TestClock
) -> None:
    Scenario(dar, clock).given("partners/steg_registered.yaml").at("day 2 09:00")
    day = date(2026, 1, 6)
    _entries(dar, clock, day)
    _import(dar, "acquirer", "acquirer", "2026-01-06,haidra,H-2,capture,25000,CTP-1\n")
    acquirer = dar.settlement.reconciliation("STEG", day, StatementSource.ACQUIRER, ["haidra"])
    assert acquirer.matching.clean
    partner = dar.settlement.reconciliation("STEG", day, StatementSource.PARTNER, ["haidra"])
    assert partner.statement_id is None
    assert [m.status for m in partner.matching.matches] == 2 * [LineStatus.MISSING]


def test_a_corrected_statement_replaces_what_an_earlier_one_said_of_the_day(
    dar: Dar, clock: TestClock
) -> None:
    Scenario(dar, clock).given("partners/steg_registered.yaml").at("day 2 09:00")
    day = date(2026, 1, 6)
    _entries(dar, clock, day)
    _import(dar, "first", "partner", "2026-01-06,haidra,H-1,capture,10000,\n")
    first = dar.settlement.reconciliation("STEG", day, StatementSource.PARTNER, ["haidra"])
    assert first.matching.difference_millimes == -25_000
    lines = "2026-01-06,haidra,H-1,capture,10000,\n2026-01-06,haidra,H-2,capture,25000,\n"
    _import(dar, "corrected", "partner", lines)
    corrected = dar.settlement.reconciliation("STEG", day, StatementSource.PARTNER, ["haidra"])
    assert corrected.matching.clean
    assert corrected.statement_id != first.statement_id
