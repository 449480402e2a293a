"""Reconciliation flags exactly the lines injected into a clean statement, and nothing else.

A statement is generated clean from Dar's entries of a day (one line each, in any order), then
lines are dropped (missing), their amount or kind changed (mismatched), copied (duplicate) and
lines of references Dar never recorded added (unexpected). The matching must flag each injected
line with its status, every other line as matched, and differ by exactly what was injected.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from uuid import uuid4

from hypothesis import given
from hypothesis import strategies as st

from domain.payments.remittance import Entry, EntryKind
from domain.settlement.matching import LineStatus, Recorded, match
from domain.settlement.statement import StatementLine
from domain.shared.money import Money

DAY = date(2026, 1, 6)


@dataclass(frozen=True)
class Injected:
    """A clean statement with faults injected, and which references carry which fault."""

    recorded: list[Recorded]
    lines: list[StatementLine]
    missing: set[str]
    mismatched: set[str]
    duplicated: set[str]
    unexpected: set[str]
    difference: int


def _line(number: int, recorded: Recorded) -> StatementLine:
    entry = recorded.entry
    return StatementLine(
        number, DAY, recorded.house_code, entry.reference, entry.kind, entry.amount.millimes, ""
    )


@st.composite
def entries(draw: st.DrawFn) -> list[Recorded]:
    count = draw(st.integers(min_value=0, max_value=25))
    found = []
    for n in range(count):
        kind = draw(st.sampled_from(EntryKind))
        house = draw(st.sampled_from(["haidra", "sbeitla"]))
        millimes = draw(st.integers(min_value=1, max_value=500_000))
        reference = f"{house.upper()}-2026-P{n:06d}" + ("/R1" if kind is EntryKind.REFUND else "")
        entry = Entry(uuid4(), reference, kind, "cash", Money(millimes), DAY)
        found.append(Recorded(house, entry))
    return found


@st.composite
def injected(draw: st.DrawFn) -> Injected:
    recorded = draw(entries())
    refs = [r.entry.reference for r in recorded]
    fault = st.sampled_from(["none", "missing", "mismatched", "duplicated"])
    faults = {ref: draw(fault) for ref in refs}
    lines: list[StatementLine] = []
    copies: list[StatementLine] = []
    difference = 0
    for r in draw(st.permutations(recorded)):
        line = _line(0, r)
        match faults[r.entry.reference]:
            case "missing":
                difference -= line.signed_millimes
                continue
            case "mismatched":
                changed = _mismatch(draw, line)
                difference += changed.signed_millimes - line.signed_millimes
                line = changed
            case "duplicated":
                copies.append(line)
                difference += line.signed_millimes
            case _:
                pass
        lines.append(line)
    extra = draw(st.integers(min_value=0, max_value=3))
    unexpected = [
        StatementLine(0, DAY, "haidra", f"UNKNOWN-{n}", EntryKind.CAPTURE, 1_000 + n, "")
        for n in range(extra)
    ]
    difference += sum(u.signed_millimes for u in unexpected)
    ordered = lines + copies + unexpected
    numbered = [replace(line, line=n + 2) for n, line in enumerate(ordered)]
    return Injected(
        recorded,
        numbered,
        missing={ref for ref, f in faults.items() if f == "missing"},
        mismatched={ref for ref, f in faults.items() if f == "mismatched"},
        duplicated={ref for ref, f in faults.items() if f == "duplicated"},
        unexpected={u.reference for u in unexpected},
        difference=difference,
    )


def _mismatch(draw: st.DrawFn, line: StatementLine) -> StatementLine:
    how = draw(st.sampled_from(["amount", "kind", "house"]))
    if how == "amount":
        delta = draw(st.integers(min_value=1, max_value=1_000))
        return replace(line, amount_millimes=line.amount_millimes + delta)
    if how == "kind":
        other = EntryKind.REFUND if line.kind is EntryKind.CAPTURE else EntryKind.CAPTURE
        return replace(line, kind=other)
    return replace(line, house_code="kasserine")


@given(injected())
def test_every_injected_fault_is_flagged_and_nothing_else(case: Injected) -> None:
    found = match(case.lines, case.recorded)
    by_status: dict[LineStatus, list[str]] = {status: [] for status in LineStatus}
    for m in found.matches:
        by_status[m.status].append(m.reference)
    assert set(by_status[LineStatus.MISSING]) == case.missing
    assert set(by_status[LineStatus.MISMATCHED]) == case.mismatched
    assert sorted(by_status[LineStatus.DUPLICATE]) == sorted(case.duplicated)
    assert set(by_status[LineStatus.UNEXPECTED]) == case.unexpected
    faulty = case.missing | case.mismatched
    assert set(by_status[LineStatus.MATCHED]) == {r.entry.reference for r in case.recorded} - faulty
    assert found.difference_millimes == case.difference
    no_fault = not (faulty | case.duplicated | case.unexpected)
    assert found.clean == no_fault
    if no_fault:
        assert found.difference_millimes == 0
