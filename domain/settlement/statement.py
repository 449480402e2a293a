"""A partner's (or the acquirer's) statement: the CSV format it comes in, and how it is kept.

The format (docs/settlement.md, "Statements and reconciliation"): UTF-8 text (a byte-order mark
is tolerated), comma-separated with RFC 4180 quoting, one header line naming exactly the columns
`business_date,house_code,reference,kind,amount_millimes,partner_reference`, then one line per
capture or refund: the Tunis business day of the remittance it belongs to (ISO `YYYY-MM-DD`),
the house's code, Dar's reference (the receipt, `/R1` appended for a refund), `capture` or
`refund`, the amount as a whole number of millimes (no sign, no separator), and the partner's
or the acquirer's own reference (may be empty).

A statement is kept once per content (its SHA-256 digest): importing the same text again records
nothing. Its lines are kept per business day (`StatementDay`), where the latest statement of that
partner and source for the day is the one reconciled.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from uuid import UUID

from domain.payments.remittance import EntryKind
from domain.shared.acts import Act, DarAggregate
from domain.shared.errors import DarError
from domain.shared.ids import natural_id
from domain.shared.money import MAX_MILLIMES

COLUMNS = (
    "business_date",
    "house_code",
    "reference",
    "kind",
    "amount_millimes",
    "partner_reference",
)
MAX_LINES = 20_000
MAX_FIELD = 100
_MILLIMES = re.compile(r"0|[1-9][0-9]{0,15}")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class StatementSource(StrEnum):
    """Who sent the statement: the partner (every method) or the card acquirer (no cash)."""

    PARTNER = "partner"
    ACQUIRER = "acquirer"


class InvalidStatementError(DarError):
    """The statement is not in the documented format; the message names the line."""

    code = "INVALID_STATEMENT"

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line


@dataclass(frozen=True)
class StatementLine:
    """One line of a statement, as the partner wrote it (`line` counts from the header, 1)."""

    line: int
    business_date: date
    house_code: str
    reference: str
    kind: EntryKind
    amount_millimes: int
    partner_reference: str

    @property
    def signed_millimes(self) -> int:
        """A capture adds, a refund takes away."""
        return self.amount_millimes if self.kind is EntryKind.CAPTURE else -self.amount_millimes

    def kept(self) -> str:
        """The line as its day keeps it: a CSV row of its number and the line's other values."""
        out = io.StringIO()
        values = (self.line, self.house_code, self.reference, self.kind.value)
        csv.writer(out, lineterminator="").writerow(
            (*values, self.amount_millimes, self.partner_reference)
        )
        return out.getvalue()

    @classmethod
    def of_kept(cls, day: date, kept: str) -> StatementLine:
        """A kept line back, on its day."""
        line, house, reference, kind, amount, theirs = next(csv.reader([kept]))
        return cls(int(line), day, house, reference, EntryKind(kind), int(amount), theirs)


def digest(content: str) -> str:
    """The statement's fingerprint: the SHA-256 of its UTF-8 text, BOM and line ends as sent."""
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def parse_statement(content: str) -> list[StatementLine]:
    """The lines of a statement in the documented format, or the first line that breaks it."""
    rows = csv.reader(io.StringIO(content.removeprefix("\ufeff"), newline=""), strict=True)
    try:
        header = next(rows, None)
        if header is None or tuple(h.strip() for h in header) != COLUMNS:
            raise InvalidStatementError(1, "the header must be " + ",".join(COLUMNS))
        lines = [_line(rows.line_num, row) for row in rows if row]
    except csv.Error as error:
        raise InvalidStatementError(rows.line_num, f"not valid CSV: {error}") from None
    if not lines:
        raise InvalidStatementError(2, "a statement has at least one line")
    if len(lines) > MAX_LINES:
        raise InvalidStatementError(MAX_LINES + 2, f"at most {MAX_LINES} lines a statement")
    return lines


def _line(number: int, row: list[str]) -> StatementLine:
    if len(row) != len(COLUMNS):
        raise InvalidStatementError(number, f"{len(COLUMNS)} columns expected, not {len(row)}")
    day, house, reference, kind, amount, theirs = (value.strip() for value in row)
    if any(len(value) > MAX_FIELD for value in (house, reference, theirs)):
        raise InvalidStatementError(number, f"a value is at most {MAX_FIELD} characters")
    if not house or not reference:
        raise InvalidStatementError(number, "house_code and reference are required")
    return StatementLine(
        number, _day(number, day), house, reference, _kind(number, kind), _millimes(number, amount),
        theirs,
    )  # fmt: skip


def _day(number: int, text: str) -> date:
    refusal = InvalidStatementError(number, "business_date is a day, YYYY-MM-DD")
    if _DAY.fullmatch(text) is None:
        raise refusal
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise refusal from None


def _kind(number: int, text: str) -> EntryKind:
    try:
        return EntryKind(text)
    except ValueError:
        raise InvalidStatementError(number, "kind is capture or refund") from None


def _millimes(number: int, text: str) -> int:
    if _MILLIMES.fullmatch(text) is None or int(text) > MAX_MILLIMES:
        msg = "amount_millimes is a whole number of millimes, without sign or separator"
        raise InvalidStatementError(number, msg)
    return int(text)


def statement_id(partner_code: str, source: StatementSource, content_digest: str) -> UUID:
    """A statement of a partner and source, by its content: the same text, the same id."""
    return natural_id("statement", partner_code, source.value, content_digest)


def statement_day_id(partner_code: str, source: StatementSource, day: date) -> UUID:
    """The statement lines of a partner and source for one business day."""
    return natural_id("statement-day", partner_code, source.value, day.isoformat())


class Statement(DarAggregate):
    """One statement imported: its content's digest and what it covers (its lines are per day)."""

    class Imported(DarAggregate.Created):
        partner_code: str
        source: str
        digest: str
        first_day: date
        last_day: date
        lines: int

    def __init__(  # noqa: PLR0913, PLR0917 - the created event's fields
        self,
        partner_code: str,
        source: str,
        digest: str,
        first_day: date,
        last_day: date,
        lines: int,
    ) -> None:
        self.partner_code = partner_code
        self.source = StatementSource(source)
        self.digest = digest
        self.first_day = first_day
        self.last_day = last_day
        self.lines = lines

    @classmethod
    def record(
        cls,
        partner_code: str,
        source: StatementSource,
        content_digest: str,
        lines: list[StatementLine],
        act: Act,
    ) -> Statement:
        """The statement of these lines, imported now."""
        days = [line.business_date for line in lines]
        return cls._create(
            cls.Imported,
            id=statement_id(partner_code, source, content_digest),
            timestamp=act.at,
            actor=act.actor,
            command_id=act.command_id,
            partner_code=partner_code,
            source=source.value,
            digest=content_digest,
            first_day=min(days),
            last_day=max(days),
            lines=len(lines),
        )


class StatementDay(DarAggregate):
    """What the latest statement of a partner and source says of one business day."""

    class Opened(DarAggregate.Created):
        partner_code: str
        source: str
        business_date: date

    class Received(DarAggregate.Event):
        statement_id: UUID
        lines: list[str]

        def apply(self, aggregate: StatementDay) -> None:
            """The day's lines are now this statement's."""
            aggregate.statement_id = self.statement_id
            aggregate.lines = [
                StatementLine.of_kept(aggregate.business_date, kept) for kept in self.lines
            ]

    def __init__(self, partner_code: str, source: str, business_date: date) -> None:
        self.partner_code = partner_code
        self.source = StatementSource(source)
        self.business_date = business_date
        self.statement_id: UUID | None = None
        self.lines: list[StatementLine] = []

    @classmethod
    def open(cls, partner_code: str, source: StatementSource, day: date, act: Act) -> StatementDay:
        """A day of no statement yet."""
        return cls._create(
            cls.Opened,
            id=statement_day_id(partner_code, source, day),
            timestamp=act.at,
            actor=act.actor,
            command_id=act.command_id,
            partner_code=partner_code,
            source=source.value,
            business_date=day,
        )

    def receive(self, statement: UUID, lines: list[StatementLine], act: Act) -> None:
        """The statement's lines of this day replace what an earlier statement said of it."""
        self._record(
            self.Received, act, statement_id=statement, lines=[line.kept() for line in lines]
        )
