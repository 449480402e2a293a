"""Remittances closed and statements imported; the reconciliation of a partner's day.

Closing loads one stream, the day's remittance (bounded by the day's payments of the partner at
the house), and needs no read model. Importing a statement records it once per content, and its
lines per business day; importing the same text again records nothing and answers as the first
import did.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

from application.settlement.commands import (
    CloseRemittance,
    ImportStatement,
    RemittanceClosed,
    StatementImported,
)
from application.store import CommandRunner, Decision, EventStore, Outcome
from domain.houses.house import House, house_id
from domain.partners.partner import Partner, partner_id
from domain.payments.payment import Method
from domain.payments.remittance import (
    Entry,
    Remittance,
    remittance_id,
)
from domain.settlement.matching import Matching, Recorded, match
from domain.settlement.statement import (
    InvalidStatementError,
    Statement,
    StatementDay,
    StatementLine,
    StatementSource,
    digest,
    parse_statement,
    statement_day_id,
    statement_id,
)
from domain.shared.acts import Act
from domain.shared.errors import DarError, NotFoundError, ValidationError
from domain.shared.time import tunis_day

MAX_DAYS = 92  # a query or a statement spans at most about a quarter


class _AlreadyImportedError(DarError):
    """The same statement was imported before: nothing to record (answered, not raised)."""


@dataclass(frozen=True)
class Reconciliation:
    """A partner's day: its remittances at the houses asked, the latest statement, the matches."""

    partner_code: str
    business_date: date
    source: StatementSource
    statement_id: UUID | None
    remittances: list[Remittance]
    matching: Matching


def source_of(value: str) -> StatementSource:
    """The statement's source, or a typed refusal."""
    try:
        return StatementSource(value)
    except ValueError:
        raise ValidationError("source", "partner or acquirer") from None


def period(day_from: date, day_to: date) -> list[date]:
    """The days from `day_from` to `day_to`, both included, at most `MAX_DAYS` of them."""
    if day_to < day_from:
        raise ValidationError("to", "the period ends on or after its first day")
    count = (day_to - day_from).days + 1
    if count > MAX_DAYS:
        raise ValidationError("to", f"at most {MAX_DAYS} days at a time")
    return [day_from + timedelta(days=n) for n in range(count)]


class SettlementService:
    """Remittances and statements of every partner and house."""

    def __init__(self, store: EventStore, runner: CommandRunner) -> None:
        self._store = store
        self._runner = runner

    def close_remittance(self, command: CloseRemittance) -> Outcome[RemittanceClosed]:
        """Fix a partner's remittance from a house for a day (a day of no payment closes at 0)."""

        def decide(act: Act) -> Decision[RemittanceClosed]:
            house = self._house(command.house_code)
            self._partner(command.partner_code)
            day = command.business_date
            found = self._store.find(
                remittance_id(command.house_code, command.partner_code, day), Remittance
            )
            remittance = found or Remittance.open(
                house.id, command.house_code, command.partner_code, day, act
            )
            remittance.close(tunis_day(act.at), act)
            value = RemittanceClosed(
                remittance.id,
                remittance.captured.millimes,
                remittance.refunded.millimes,
                remittance.entries,
            )
            return Decision([remittance], value)

        return self._runner.run(command, decide, returns=RemittanceClosed)

    def import_statement(self, command: ImportStatement) -> Outcome[StatementImported]:
        """Keep a statement's lines per day; the same text again changes nothing."""
        source = source_of(command.source)
        lines = parse_statement(command.content)
        days = _by_day(lines)
        if len(days) > MAX_DAYS:
            raise InvalidStatementError(1, f"a statement covers at most {MAX_DAYS} days")
        the_digest = digest(command.content)
        the_id = statement_id(command.partner_code, source, the_digest)

        def decide(act: Act) -> Decision[StatementImported]:
            self._partner(command.partner_code)
            if self._store.find(the_id, Statement) is not None:
                raise _AlreadyImportedError("this statement was imported before")
            statement = Statement.record(command.partner_code, source, the_digest, lines, act)
            changed: list[Statement | StatementDay] = [statement]
            for day, of_day in sorted(days.items()):
                kept = self._store.find(
                    statement_day_id(command.partner_code, source, day), StatementDay
                ) or StatementDay.open(command.partner_code, source, day, act)
                kept.receive(statement.id, of_day, act)
                changed.append(kept)
            return Decision(changed, StatementImported(the_id, len(lines), len(days), 0))

        try:
            return self._runner.run(command, decide, returns=StatementImported)
        except _AlreadyImportedError:
            return Outcome(0, StatementImported(the_id, len(lines), len(days), 1))

    # --- reading ------------------------------------------------------------------------------

    def remittances(
        self, partner_code: str, house_codes: Iterable[str], day_from: date, day_to: date
    ) -> list[Remittance]:
        """The partner's remittances from these houses over the period, by day then house.

        A day with no payment and no closing has no remittance.
        """
        found: list[Remittance] = []
        codes = sorted(set(house_codes))
        for day in period(day_from, day_to):
            for code in codes:
                remittance = self._store.find(remittance_id(code, partner_code, day), Remittance)
                if remittance is not None:
                    found.append(remittance)
        return found

    def entries(self, remittance: Remittance) -> list[Entry]:
        """The captures and refunds entered in a remittance, in order (read from its events)."""
        return [
            event.entry
            for event in self._store.events.get(remittance.id)
            if isinstance(event, Remittance.Entered)
        ]

    def reconciliation(
        self,
        partner_code: str,
        day: date,
        source: StatementSource,
        house_codes: Iterable[str],
    ) -> Reconciliation:
        """The latest statement of the day matched against the day's remittances.

        The acquirer's statement lists what went through the gateway: cash is not expected in it.
        """
        remittances = self.remittances(partner_code, house_codes, day, day)
        recorded = [
            Recorded(r.house_code, entry)
            for r in remittances
            for entry in self.entries(r)
            if source is StatementSource.PARTNER or entry.method != Method.CASH.value
        ]
        kept = self._store.find(statement_day_id(partner_code, source, day), StatementDay)
        lines: list[StatementLine] = [] if kept is None else kept.lines
        return Reconciliation(
            partner_code,
            day,
            source,
            None if kept is None else kept.statement_id,
            remittances,
            match(lines, recorded),
        )

    def _house(self, code: str) -> House:
        found = self._store.find(house_id(code), House)
        if found is None:
            raise NotFoundError("no house is known under this code")
        return found

    def _partner(self, code: str) -> Partner:
        found = self._store.find(partner_id(code), Partner)
        if found is None:
            raise NotFoundError("no partner is known under this code")
        return found


def _by_day(lines: list[StatementLine]) -> dict[date, list[StatementLine]]:
    days: dict[date, list[StatementLine]] = {}
    for line in lines:
        days.setdefault(line.business_date, []).append(line)
    return days
