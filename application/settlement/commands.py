"""Commands of settlement: a day's remittance closed, a statement imported."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from application.commands import Command


@dataclass(frozen=True)
class CloseRemittance(Command):
    """Close a partner's remittance from a house for a business day: its amount is fixed."""

    house_code: str
    partner_code: str
    business_date: date


@dataclass(frozen=True)
class RemittanceClosed:
    """The remittance closed and what it fixed (as the command log records it)."""

    remittance_id: UUID
    captured_millimes: int
    refunded_millimes: int
    entries: int


@dataclass(frozen=True)
class ImportStatement(Command):
    """Import a partner's or the acquirer's statement (CSV text, docs/settlement.md)."""

    partner_code: str
    source: str
    content: str


@dataclass(frozen=True)
class StatementImported:
    """The statement kept (`already` 1 when the same text had been imported before)."""

    statement_id: UUID
    lines: int
    days: int
    already: int
