"""Settlement in GraphQL: a partner's day closed in its remittance, its statement matched.

A house supervisor closes the remittances of their own house (an administrator those of any
house). A statement is imported by an administrator or by the partner's own back office (a
`partner` user, for its partner only). Remittances are read by the house's supervisor (their own
house), the partner (its own), administrators, auditors and the governance office; the
reconciliation of a partner's day by all of them but the supervisor (it spans every house).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Self

import strawberry

from api.auth import Principal, Role
from api.graphql.access import query
from api.graphql.caller import Caller
from api.graphql.context import Context, DarInfo
from api.graphql.enums import EntryKind, LineStatus, StatementSource
from api.graphql.pipeline import Submission, mutation
from api.graphql.rows import Answer, answer
from api.graphql.scalars import Position
from application.settlement.commands import (
    CloseRemittance,
    ImportStatement,
    RemittanceClosed,
    StatementImported,
)
from application.settlement.service import Reconciliation as Reconciled
from application.store import Outcome
from domain.payments.remittance import Remittance as Kept
from domain.settlement.matching import Match
from domain.shared.errors import ForbiddenError, NotFoundError
from domain.shared.money import Money

CLOSERS = frozenset({Role.SUPERVISOR, Role.ADMIN})
IMPORTERS = frozenset({Role.ADMIN, Role.PARTNER})
OVERSIGHT = frozenset({Role.ADMIN, Role.AUDITOR, Role.GOVERNANCE, Role.PARTNER})
READERS = OVERSIGHT | {Role.SUPERVISOR}


@strawberry.type(description="A partner's remittance from a house for a business day.")
class Remittance:
    id: strawberry.ID
    house_id: strawberry.ID
    house_code: str
    partner_code: str
    business_date: date
    closed: bool = strawberry.field(description="Closed: its amount is fixed.")
    captured: Money
    refunded: Money
    net: Money = strawberry.field(description="Captured less refunded: what is owed.")
    entries: int = strawberry.field(description="Captures and refunds entered.")
    carried_in: int = strawberry.field(
        description="Entries recorded on an earlier day, whose remittance was closed already."
    )

    @classmethod
    def of(cls, kept: Kept) -> Remittance:
        """The remittance as it stands."""
        return cls(
            id=strawberry.ID(str(kept.id)),
            house_id=strawberry.ID(str(kept.house_id)),
            house_code=kept.house_code,
            partner_code=kept.partner_code,
            business_date=kept.business_date,
            closed=kept.closed,
            captured=kept.captured,
            refunded=kept.refunded,
            net=kept.net,
            entries=kept.entries,
            carried_in=kept.carried_in,
        )


@strawberry.type(description="A statement line, or an entry of Dar's, and how it matched.")
class ReconciliationLine:
    status: LineStatus
    reference: str = strawberry.field(description="Dar's reference: the receipt, /R1 a refund.")
    line: int | None = strawberry.field(description="The statement's line number (header: 1).")
    house_code: str | None
    kind: EntryKind
    statement_amount: Money | None
    recorded_amount: Money | None = strawberry.field(description="What Dar recorded.")
    partner_reference: str | None

    @classmethod
    def of(cls, found: Match) -> ReconciliationLine:
        """One match of the day."""
        line, recorded = found.line, found.recorded
        kind = line.kind if line is not None else recorded.entry.kind if recorded else None
        return cls(
            status=found.status,
            reference=found.reference,
            line=None if line is None else line.line,
            house_code=(line.house_code if line else recorded.house_code if recorded else None),
            kind=kind or EntryKind.CAPTURE,
            statement_amount=None if line is None else Money(line.amount_millimes),
            recorded_amount=None if recorded is None else recorded.entry.amount,
            partner_reference=None if line is None else line.partner_reference or None,
        )


@strawberry.type(description="A partner's business day: its statement matched against Dar.")
class Reconciliation:
    partner_code: str
    business_date: date
    source: StatementSource
    statement_id: strawberry.ID | None = strawberry.field(
        description="The latest statement of the day (null: none imported)."
    )
    lines: list[ReconciliationLine]
    matched: int
    mismatched: int
    duplicate: int
    unexpected: int = strawberry.field(description="Lines of a reference Dar has not that day.")
    missing: int = strawberry.field(description="Entries of Dar's no line names.")
    statement_total: Money
    recorded_total: Money
    difference: Money = strawberry.field(description="The statement's total less Dar's.")
    clean: bool = strawberry.field(description="Every line matched, nothing missing, 0 apart.")
    remittances: list[Remittance]

    @classmethod
    def of(cls, found: Reconciled) -> Reconciliation:
        """The day as reconciled."""
        matching = found.matching
        return cls(
            partner_code=found.partner_code,
            business_date=found.business_date,
            source=found.source,
            statement_id=None if found.statement_id is None else strawberry.ID(
                str(found.statement_id)
            ),
            lines=[ReconciliationLine.of(m) for m in matching.matches],
            matched=matching.count(LineStatus.MATCHED),
            mismatched=matching.count(LineStatus.MISMATCHED),
            duplicate=matching.count(LineStatus.DUPLICATE),
            unexpected=matching.count(LineStatus.UNEXPECTED),
            missing=matching.count(LineStatus.MISSING),
            statement_total=Money(matching.statement_millimes),
            recorded_total=Money(matching.recorded_millimes),
            difference=Money(matching.difference_millimes),
            clean=matching.clean,
            remittances=[Remittance.of(r) for r in found.remittances],
        )  # fmt: skip


@strawberry.type(description="The remittance closed, and the amount it fixed.")
class RemittanceClosedResult(Answer[RemittanceClosed]):
    remittance_id: strawberry.ID = strawberry.field(name="id")
    captured: Money
    refunded: Money
    entries: int
    position: Position
    replayed: bool


@strawberry.type(description="The statement imported (or found imported before: nothing new).")
class StatementImportedResult(Answer[StatementImported]):
    statement_id: strawberry.ID = strawberry.field(name="id")
    lines: int
    days: int
    already_imported: bool
    position: Position
    replayed: bool

    @classmethod
    def of(cls, outcome: Outcome[StatementImported]) -> Self:
        """The statement as kept."""
        return answer(cls, outcome, already_imported=outcome.value.already == 1)


@strawberry.input(description="A partner's remittance from a house for a day, to close.")
class CloseRemittanceInput:
    command_id: str
    house_id: strawberry.ID
    partner_code: str
    business_date: date

    async def to_command(self, caller: Caller) -> Submission[CloseRemittance, RemittanceClosed]:
        """Close it (a supervisor: in their own house)."""
        key = caller.key(self.command_id)
        house = await caller.house_code_of(self.house_id)
        command = caller.command(CloseRemittance, self, command_id=key, house_code=house)
        return Submission(command, caller.dar.settlement.close_remittance)


@strawberry.input(description="A statement in the CSV format of docs/settlement.md, as text.")
class ImportStatementInput:
    command_id: str
    partner_code: str
    source: StatementSource
    statement: str = strawberry.field(description="The CSV text (UTF-8, newline line ends).")

    async def to_command(self, caller: Caller) -> Submission[ImportStatement, StatementImported]:
        """Import it (a partner user: its own partner's only)."""
        if caller.role is Role.PARTNER and caller.partner != self.partner_code:
            raise ForbiddenError("a partner imports its own statements only")
        command = caller.command(ImportStatement, self, content=self.statement)
        return Submission(command, caller.dar.settlement.import_statement)


def _partner_only(principal: Principal, partner_code: str) -> None:
    if principal.role is Role.PARTNER and principal.partner != partner_code:
        raise NotFoundError("no such partner")


async def _house_codes(context: Context, house_id: strawberry.ID | None) -> list[str]:
    """The houses asked (a supervisor: their own only), or every registered house."""
    caller = context.caller()
    if house_id is not None or caller.role is Role.SUPERVISOR:
        own = caller.house_id
        return [await caller.house_code_of(house_id or strawberry.ID(str(own)))]
    rows = await context.read("directory", None, lambda r: r.directory.houses())
    return [row.code for row in rows]


@strawberry.type
class SettlementQueries:
    @query(
        READERS,
        "A partner's remittances over a period (at most 92 days), by day then house; "
        "a supervisor sees their own house's.",
    )
    async def remittances(
        self,
        info: DarInfo,
        partner_code: str,
        day_from: Annotated[date, strawberry.argument(name="from")],
        day_to: Annotated[date, strawberry.argument(name="to")],
        house_id: strawberry.ID | None = None,
    ) -> list[Remittance]:
        _partner_only(info.context.authenticate(), partner_code)
        codes = await _house_codes(info.context, house_id)
        settlement = info.context.dar.settlement
        kept = await info.context.blocking(
            lambda: settlement.remittances(partner_code, codes, day_from, day_to)
        )
        return [Remittance.of(r) for r in kept]

    @query(
        OVERSIGHT,
        "A partner's business day: the latest statement of the source matched line by line "
        "against what every house recorded, and the difference in millimes.",
    )
    async def reconciliation(
        self,
        info: DarInfo,
        partner_code: str,
        business_date: date,
        of: Annotated[StatementSource, strawberry.argument(name="source")] = (
            StatementSource.PARTNER
        ),
    ) -> Reconciliation:
        _partner_only(info.context.authenticate(), partner_code)
        codes = await _house_codes(info.context, None)
        settlement = info.context.dar.settlement
        found = await info.context.blocking(
            lambda: settlement.reconciliation(partner_code, business_date, of, codes)
        )
        return Reconciliation.of(found)


@strawberry.type
class SettlementMutations:
    close_remittance = mutation(
        CloseRemittanceInput,
        RemittanceClosedResult,
        CLOSERS,
        "Close a partner's remittance from a house for a business day (a supervisor: their "
        "house); what is recorded afterwards goes into the next day's.",
    )
    import_statement = mutation(
        ImportStatementInput,
        StatementImportedResult,
        IMPORTERS,
        "Import a partner's or the acquirer's statement (CSV as text, docs/settlement.md); "
        "the same text twice changes nothing.",
    )
