"""A partner body (STEG, SONEDE, CNAM …) known to Dar, registered once from reference data."""

from __future__ import annotations

import re
from dataclasses import dataclass
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.shared.acts import Act, DarAggregate
from domain.shared.errors import UnchangedError, ValidationError

_CODE = re.compile(r"^[A-Z][A-Z0-9_]{1,19}$")
_ARABIC_LETTER = re.compile(r"[\u0600-\u06FF]")
MAX_NAME_LENGTH = 200
_PARTNER_NAMESPACE = uuid5(NAMESPACE_URL, "urn:dar:partner")


@dataclass(frozen=True)
class PartnerNames:
    """A partner's official names: Arabic first (the official language), then French."""

    arabic: str
    french: str

    def __post_init__(self) -> None:
        for field, value in (("nameAr", self.arabic), ("nameFr", self.french)):
            if not value.strip() or len(value) > MAX_NAME_LENGTH:
                raise ValidationError(field, f"must be 1 to {MAX_NAME_LENGTH} characters")
        if not _ARABIC_LETTER.search(self.arabic):
            raise ValidationError("nameAr", "must be written in Arabic script")


def validate_partner_code(code: str) -> str:
    """A partner code is 2 to 20 capital letters, digits or underscores, starting with a letter."""
    if not _CODE.match(code):
        raise ValidationError(
            "code", "must be 2 to 20 capital letters, digits or '_', starting with a letter"
        )
    return code


def partner_id(code: str) -> UUID:
    """Partners have a natural key, their code, so their id is derived from it."""
    return uuid5(_PARTNER_NAMESPACE, validate_partner_code(code))


class Partner(DarAggregate):
    """A national body that may delegate services to houses."""

    class Registered(DarAggregate.Created):
        code: str
        name_ar: str
        name_fr: str

    class Renamed(DarAggregate.Event):
        name_ar: str
        name_fr: str

        def apply(self, aggregate: Partner) -> None:
            """The partner now bears the new names."""
            aggregate.names = PartnerNames(arabic=self.name_ar, french=self.name_fr)

    def __init__(self, code: str, name_ar: str, name_fr: str) -> None:
        self.code = code
        self.names = PartnerNames(arabic=name_ar, french=name_fr)

    @classmethod
    def register(cls, code: str, names: PartnerNames, act: Act) -> Partner:
        """Register a partner under its code; the id follows from the code."""
        return cls._create(
            cls.Registered,
            id=partner_id(code),
            timestamp=act.at,
            actor=act.actor,
            command_id=act.command_id,
            code=code,
            name_ar=names.arabic,
            name_fr=names.french,
        )

    def rename(self, names: PartnerNames, act: Act) -> None:
        """Record the partner's new official names (bodies are renamed by decree)."""
        if names == self.names:
            msg = f"partner {self.code} already bears these names"
            raise UnchangedError(msg)
        self._record(self.Renamed, act, name_ar=names.arabic, name_fr=names.french)
