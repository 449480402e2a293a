"""A statement's lines of one day matched, line by line, against what Dar recorded that day.

Lines and entries are matched by Dar's reference (the receipt, `/R1` for a refund). For each
reference the statement's first line is matched against Dar's entry: `matched` when house, kind
and amount agree, `mismatched` otherwise; every later line of the same reference is a
`duplicate`. A line naming a reference Dar did not record that day is `unexpected`; an entry of
Dar's that no line names is `missing`. The difference is the statement's total (every line,
duplicates included, refunds taken away) less Dar's: a clean day differs by 0 millimes.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain.payments.remittance import Entry
from domain.settlement.statement import StatementLine


class LineStatus(StrEnum):
    """How a statement line (or an entry of Dar's) came out of the matching."""

    MATCHED = "matched"
    MISMATCHED = "mismatched"
    DUPLICATE = "duplicate"
    UNEXPECTED = "unexpected"
    MISSING = "missing"


@dataclass(frozen=True)
class Recorded:
    """One entry of Dar's for the day, with the house it was taken at."""

    house_code: str
    entry: Entry

    @property
    def signed_millimes(self) -> int:
        """A capture adds, a refund takes away."""
        return self.entry.signed.millimes


@dataclass(frozen=True)
class Match:
    """A line of the statement or an entry of Dar's, and how it matched (either may be absent)."""

    status: LineStatus
    reference: str
    line: StatementLine | None
    recorded: Recorded | None


@dataclass(frozen=True)
class Matching:
    """The day's matches, in statement order then Dar's missing entries, and the difference."""

    matches: list[Match]
    statement_millimes: int
    recorded_millimes: int

    @property
    def difference_millimes(self) -> int:
        """The statement's total less Dar's."""
        return self.statement_millimes - self.recorded_millimes

    def count(self, status: LineStatus) -> int:
        """How many matches came out with this status."""
        return sum(1 for m in self.matches if m.status is status)

    @property
    def clean(self) -> bool:
        """Every line matched, nothing missing, no difference."""
        return self.difference_millimes == 0 and all(
            m.status is LineStatus.MATCHED for m in self.matches
        )


def _agrees(line: StatementLine, recorded: Recorded) -> bool:
    entry = recorded.entry
    return (
        line.house_code.lower() == recorded.house_code.lower()
        and line.kind is entry.kind
        and line.amount_millimes == entry.amount.millimes
    )


def match(lines: list[StatementLine], recorded: list[Recorded]) -> Matching:
    """Match the statement's lines of a day against Dar's entries of that day."""
    by_reference = {r.entry.reference: r for r in recorded}
    seen: set[str] = set()
    matches: list[Match] = []
    for line in lines:
        found = by_reference.get(line.reference)
        if line.reference in seen:
            status = LineStatus.DUPLICATE
        elif found is None:
            status = LineStatus.UNEXPECTED
        else:
            status = LineStatus.MATCHED if _agrees(line, found) else LineStatus.MISMATCHED
        seen.add(line.reference)
        matches.append(Match(status, line.reference, line, found))
    matches.extend(
        Match(LineStatus.MISSING, r.entry.reference, None, r)
        for r in recorded
        if r.entry.reference not in seen
    )
    return Matching(
        matches,
        statement_millimes=sum(line.signed_millimes for line in lines),
        recorded_millimes=sum(r.signed_millimes for r in recorded),
    )
