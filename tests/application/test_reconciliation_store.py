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

from hypothesis import HealthCheck, given, settings

from api.bootstrap import Dar
from application.settlement.commands import ImportStatement
from domain.payments.remittance import Remittance
from domain.settlement.matching import LineStatus
from domain.settlement.statement import COLUMNS, StatementLine, StatementSource
from domain.shared.acts import Act
from domain.shared.ids import natural_id
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
