"""The declared purposes a read of personal data must name (organic law 2004-63)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from domain.citizens.categories import DataCategory
from domain.shared.errors import ValidationError


@dataclass(frozen=True)
class Purpose:
    """A processing purpose declared to the INPDP, and the categories of data it may reveal."""

    code: str
    label_fr: str
    label_ar: str
    declaration: str
    categories: frozenset[DataCategory]


class Purposes:
    """The configured list; a read names one of its codes, never free text."""

    def __init__(self, purposes: Iterable[Purpose]) -> None:
        self._by_code = {p.code: p for p in purposes}
        if not self._by_code:
            msg = "at least one purpose must be configured"
            raise ValueError(msg)

    def get(self, code: str) -> Purpose:
        """The purpose under that code, or a VALIDATION error listing the codes."""
        found = self._by_code.get(code)
        if found is None:
            codes = ", ".join(sorted(self._by_code))
            raise ValidationError("purpose", f"not a declared purpose; one of {codes}")
        return found

    def all(self) -> list[Purpose]:
        """Every purpose, by code."""
        return [self._by_code[c] for c in sorted(self._by_code)]
