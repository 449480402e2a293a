"""How a citizen is identified: the national ID card (CIN), a passport or a residence card.

The CIN's format is a rule of its own, so that the announced biometric card can replace it without
touching anything else: the application receives the rules it applies.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from domain.shared.errors import ValidationError


class DocumentKind(StrEnum):
    """The identity documents a house accepts."""

    CIN = "cin"
    PASSPORT = "passport"
    RESIDENCE_CARD = "residence_card"


class DocumentRule(Protocol):
    """Checks and normalises a document number."""

    def normalise(self, number: str) -> str:
        """The number as stored, or a ValidationError saying what is wrong."""
        ...


@dataclass(frozen=True)
class PatternRule:
    """A number matching a pattern once spaces are removed and letters are capitalised."""

    pattern: str
    description: str

    def normalise(self, number: str) -> str:
        """The compact, upper-case number."""
        compact = re.sub(r"\s+", "", number).upper()
        if not re.fullmatch(self.pattern, compact):
            raise ValidationError("documentNumber", self.description)
        return compact


# The CIN is 8 digits; leading zeros are significant, so it is always text.
CIN_RULE = PatternRule(r"[0-9]{8}", "a CIN is exactly 8 digits")
DEFAULT_RULES: Mapping[DocumentKind, DocumentRule] = {
    DocumentKind.CIN: CIN_RULE,
    DocumentKind.PASSPORT: PatternRule(r"[A-Z0-9]{6,12}", "6 to 12 letters or digits"),
    DocumentKind.RESIDENCE_CARD: PatternRule(r"[A-Z0-9]{6,20}", "6 to 20 letters or digits"),
}


@dataclass(frozen=True)
class IdentityDocument:
    """A checked identity document."""

    kind: DocumentKind
    number: str

    @property
    def lookup(self) -> str:
        """What the key vault's index is keyed on (through a keyed hash, never stored clear)."""
        return f"{self.kind.value}:{self.number}"


def identity_document(
    kind: str, number: str, rules: Mapping[DocumentKind, DocumentRule] = DEFAULT_RULES
) -> IdentityDocument:
    """A document of a known kind whose number passes that kind's rule."""
    try:
        document_kind = DocumentKind(kind)
    except ValueError:
        kinds = ", ".join(k.value for k in DocumentKind)
        raise ValidationError("documentKind", f"one of {kinds}") from None
    return IdentityDocument(document_kind, rules[document_kind].normalise(number))


_PHONE = re.compile(r"\+216[0-9]{8}")


def phone_number(value: str) -> str:
    """A Tunisian phone number, +216 and 8 digits (spaces and a missing +216 are forgiven)."""
    compact = re.sub(r"[\s.-]+", "", value)
    if re.fullmatch(r"[0-9]{8}", compact):
        compact = "+216" + compact
    if not _PHONE.fullmatch(compact):
        raise ValidationError("phone", "+216 and 8 digits")
    return compact


def person_name(value: str) -> str:
    """A name as the citizen gives it, 1 to 200 characters."""
    name = " ".join(value.split())
    if not name or len(name) > 200:
        raise ValidationError("name", "must be 1 to 200 characters")
    return name
