"""A partner's service in the catalogue: what it is, how it is done, what it costs, how long.

Changed only by events, so a past fee shows as it was when a request was lodged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from domain.shared.acts import Act, DarAggregate
from domain.shared.errors import DarError, ValidationError
from domain.shared.ids import natural_id

_CODE = re.compile(r"^[A-Z][A-Z0-9_]{1,39}$")
_ARABIC = re.compile(r"[\u0600-\u06FF]")
MAX_DEADLINE_DAYS = 365


class Mode(StrEnum):
    """Done on the spot, or forwarded to the partner's back office and tracked."""

    IMMEDIATE = "immediate"
    FORWARDED = "forwarded"


class FeeRule(StrEnum):
    """How the amount to collect is known."""

    NONE = "none"
    FIXED = "fixed"
    FROM_BILL = "from_bill"


class ServiceWithdrawnError(DarError):
    """The service was withdrawn from the catalogue."""

    code = "SERVICE_WITHDRAWN"


@dataclass(frozen=True)
class Fee:
    """A fee rule with its amount in millimes when fixed."""

    rule: FeeRule
    millimes: int | None = None

    def __post_init__(self) -> None:
        if self.rule is FeeRule.FIXED and (self.millimes is None or self.millimes <= 0):
            raise ValidationError("fee", "a fixed fee needs an amount above zero")
        if self.rule is not FeeRule.FIXED and self.millimes is not None:
            raise ValidationError("fee", "only a fixed fee has an amount")


def service_id(partner_code: str, service_code: str) -> UUID:
    """A service is known by its partner's code and its own."""
    if not _CODE.match(service_code):
        raise ValidationError("serviceCode", "2 to 40 capital letters, digits or '_'")
    return natural_id("service", partner_code, service_code)


class CatalogueService(DarAggregate):
    """One service of one partner."""

    class Published(DarAggregate.Created):
        partner_id: UUID
        partner_code: str
        code: str
        name_ar: str
        name_fr: str
        mode: Mode
        documents: tuple[str, ...]
        fee_rule: FeeRule
        fee_millimes: int | None
        deadline_days: int | None

    class FeeChanged(DarAggregate.Event):
        fee_rule: FeeRule
        fee_millimes: int | None

        def apply(self, aggregate: CatalogueService) -> None:
            """The fee from now on."""
            aggregate.fee = Fee(FeeRule(self.fee_rule), self.fee_millimes)

    class Withdrawn(DarAggregate.Event):
        reason: str

        def apply(self, aggregate: CatalogueService) -> None:
            """No longer offered."""
            aggregate.withdrawn = True

    def __init__(  # noqa: PLR0913, PLR0917 - the created event's fields
        self,
        partner_id: UUID,
        partner_code: str,
        code: str,
        name_ar: str,
        name_fr: str,
        mode: Mode,
        documents: tuple[str, ...],
        fee_rule: FeeRule,
        fee_millimes: int | None,
        deadline_days: int | None,
    ) -> None:
        self.partner_id = partner_id
        self.partner_code = partner_code
        self.code = code
        self.name_ar = name_ar
        self.name_fr = name_fr
        self.mode = Mode(mode)
        self.documents = tuple(documents)
        self.fee = Fee(FeeRule(fee_rule), fee_millimes)
        self.deadline_days = deadline_days
        self.withdrawn = False

    @classmethod
    def publish(  # noqa: PLR0913 - what a catalogue entry states
        cls,
        *,
        partner_id: UUID,
        partner_code: str,
        code: str,
        names: tuple[str, str],
        mode: Mode,
        documents: tuple[str, ...],
        fee: Fee,
        deadline_days: int | None,
        act: Act,
    ) -> CatalogueService:
        """Publish a service; a forwarded one has a partner deadline in working days."""
        name_ar, name_fr = names
        if not _ARABIC.search(name_ar) or len(name_ar) > 200:
            raise ValidationError("nameAr", "1 to 200 characters in Arabic script")
        if not name_fr.strip() or len(name_fr) > 200:
            raise ValidationError("nameFr", "must be 1 to 200 characters")
        if mode is Mode.FORWARDED and not (
            deadline_days and 1 <= deadline_days <= MAX_DEADLINE_DAYS
        ):
            raise ValidationError(
                "deadlineDays", "a forwarded service has a deadline of 1-365 days"
            )
        if mode is Mode.IMMEDIATE and deadline_days is not None:
            raise ValidationError("deadlineDays", "an immediate service has no deadline")
        if any(not d.strip() or len(d) > 200 for d in documents) or len(set(documents)) != len(
            documents
        ):
            raise ValidationError("documents", "distinct document names of 1 to 200 characters")
        return cls._create(
            cls.Published,
            id=service_id(partner_code, code),
            timestamp=act.at,
            actor=act.actor,
            command_id=act.command_id,
            partner_id=partner_id,
            partner_code=partner_code,
            code=code,
            name_ar=name_ar,
            name_fr=name_fr.strip(),
            mode=mode,
            documents=documents,
            fee_rule=fee.rule,
            fee_millimes=fee.millimes,
            deadline_days=deadline_days,
        )

    def change_fee(self, fee: Fee, act: Act) -> None:
        """A new fee, from this act on."""
        self._refuse_if_withdrawn()
        if fee == self.fee:
            raise ValidationError("fee", "the fee is already this")
        self._record(self.FeeChanged, act, fee_rule=fee.rule, fee_millimes=fee.millimes)

    def withdraw(self, reason: str, act: Act) -> None:
        """Stop offering the service."""
        self._refuse_if_withdrawn()
        if not reason.strip() or len(reason) > 500:
            raise ValidationError("reason", "must be 1 to 500 characters")
        self._record(self.Withdrawn, act, reason=reason.strip())

    def _refuse_if_withdrawn(self) -> None:
        if self.withdrawn:
            raise ServiceWithdrawnError(f"service {self.code} was withdrawn")
