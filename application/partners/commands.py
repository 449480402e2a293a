"""Commands of the partners context."""

from __future__ import annotations

from dataclasses import dataclass

from application.commands import Command


@dataclass(frozen=True)
class RegisterPartner(Command):
    """Register a national body under its code, with its Arabic and French names."""

    code: str
    name_ar: str
    name_fr: str


@dataclass(frozen=True)
class RenamePartner(Command):
    """Record a partner's new official names."""

    code: str
    name_ar: str
    name_fr: str
