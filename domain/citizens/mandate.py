"""A citizen's mandate to a house: named scopes, a fixed duration, revocable scope by scope.

Modelled on Aidants Connect: the house's trained, accredited agents may act for the absent
citizen only within the scopes named, until the mandate expires. Under COC art. 1117 a special
mandate covers only the acts it names, so a scope is a partner's service, all services of one
partner, or "payments on my behalf" — never everything. One mandate per citizen and house; a new
grant sets its scopes' expiry anew.
"""

from __future__ import annotations

import calendar
import re
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

from domain.shared.acts import Act, DarAggregate
from domain.shared.errors import DarError, NotFoundError, ValidationError
from domain.shared.ids import natural_id
from domain.shared.time import TUNIS

PAYMENTS = "payments"
_SERVICE = re.compile(r"service:([A-Z0-9_]{2,20})/([A-Z0-9_]{2,40})")
_PARTNER = re.compile(r"partner:([A-Z0-9_]{2,20})")


class MandateNotInForceError(DarError):
    """No mandate of the citizen to this house covers that act now."""

    code = "MANDATE_NOT_IN_FORCE"


class Duration(StrEnum):
    """The durations a citizen may choose."""

    ONE_DAY = "1d"
    ONE_MONTH = "1m"
    SIX_MONTHS = "6m"
    ONE_YEAR = "1y"

    def end(self, start: datetime) -> datetime:
        """When a mandate granted at `start` expires (same Tunis wall-clock time)."""
        local = start.astimezone(TUNIS)
        match self:
            case Duration.ONE_DAY:
                return start + timedelta(days=1)
            case Duration.ONE_MONTH:
                return _add_months(local, 1)
            case Duration.SIX_MONTHS:
                return _add_months(local, 6)
            case Duration.ONE_YEAR:
                return _add_months(local, 12)


def _add_months(local: datetime, months: int) -> datetime:
    month_index = local.month - 1 + months
    year, month = local.year + month_index // 12, month_index % 12 + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day)


class ConsentKind(StrEnum):
    """How the citizen's consent was obtained."""

    PAPER_FORM = "paper_form"
    CONFIRMATION_CODE = "confirmation_code"


def scope(value: str) -> str:
    """A well-formed scope: `service:PARTNER/SERVICE`, `partner:PARTNER` or `payments`."""
    if value == PAYMENTS or _SERVICE.fullmatch(value) or _PARTNER.fullmatch(value):
        return value
    raise ValidationError("scopes", f"{value!r} is not service:P/S, partner:P or payments")


def scope_partner(value: str) -> str | None:
    """The partner a scope concerns (None for payments)."""
    found = _SERVICE.fullmatch(value) or _PARTNER.fullmatch(value)
    return found.group(1) if found else None


def covering_scopes(wanted: str) -> tuple[str, ...]:
    """The scopes that cover an act of scope `wanted`: itself, or its partner's blanket scope."""
    service = _SERVICE.fullmatch(wanted)
    return (wanted, f"partner:{service.group(1)}") if service else (wanted,)


def mandate_id(citizen_id: UUID, house_id: UUID) -> UUID:
    """One mandate per citizen and house."""
    return natural_id("mandate", str(citizen_id), str(house_id))


class Mandate(DarAggregate):
    """What a citizen lets one house do on their behalf, scope by scope."""

    class Opened(DarAggregate.Created):
        citizen_id: UUID
        house_id: UUID

    class Granted(DarAggregate.Event):
        scopes: tuple[str, ...]
        duration: str
        expires_at: datetime
        consent_kind: str
        consent_reference: str

        def apply(self, aggregate: Mandate) -> None:
            """Each scope is in force until the new expiry."""
            for granted in self.scopes:
                aggregate.scopes[granted] = self.expires_at

    class ScopeRevoked(DarAggregate.Event):
        scope: str
        receipt: str

        def apply(self, aggregate: Mandate) -> None:
            """The scope no longer covers anything."""
            del aggregate.scopes[self.scope]

    class Used(DarAggregate.Event):
        scope: str
        covered_by: str

        def apply(self, aggregate: Mandate) -> None:
            """Recorded by the command that relied on the mandate."""

    def __init__(self, citizen_id: UUID, house_id: UUID) -> None:
        self.citizen_id = citizen_id
        self.house_id = house_id
        self.scopes: dict[str, datetime] = {}

    @classmethod
    def open(cls, citizen_id: UUID, house_id: UUID, act: Act) -> Mandate:
        """The citizen's first mandate to this house."""
        return cls._create(
            cls.Opened,
            id=mandate_id(citizen_id, house_id),
            timestamp=act.at,
            actor=act.actor,
            command_id=act.command_id,
            citizen_id=citizen_id,
            house_id=house_id,
        )

    def grant(
        self,
        *,
        scopes: frozenset[str],
        duration: str,
        consent_kind: str,
        consent_reference: str,
        act: Act,
    ) -> None:
        """Grant scopes for a fixed duration from now, on the citizen's recorded consent."""
        if not scopes:
            raise ValidationError("scopes", "name at least one scope")
        try:
            term = Duration(duration)
        except ValueError:
            raise ValidationError("duration", "one of 1d, 1m, 6m, 1y") from None
        try:
            consent = ConsentKind(consent_kind)
        except ValueError:
            raise ValidationError("consentKind", "paper_form or confirmation_code") from None
        reference = consent_reference.strip()
        if not reference or len(reference) > 50:
            raise ValidationError("consentReference", "must be 1 to 50 characters")
        self._record(
            self.Granted,
            act,
            scopes=tuple(sorted(scope(s) for s in scopes)),
            duration=term.value,
            expires_at=term.end(act.at),
            consent_kind=consent.value,
            consent_reference=reference,
        )

    def in_force(self, moment: datetime) -> dict[str, datetime]:
        """The scopes in force at `moment`, with their expiry."""
        return {s: until for s, until in self.scopes.items() if moment < until}

    def covering(self, wanted: str, moment: datetime) -> str | None:
        """The scope in force at `moment` that covers an act of scope `wanted`, if any."""
        in_force = self.in_force(moment)
        return next((s for s in covering_scopes(wanted) if s in in_force), None)

    def revoke(self, revoked: str, act: Act) -> str:
        """Revoke one scope now; returns the receipt number handed to the citizen."""
        if revoked not in self.in_force(act.at):
            raise NotFoundError(f"no scope {revoked!r} is in force in this mandate")
        receipt = f"MR-{self.id.hex[:8].upper()}-{self.version + 1:04d}"
        self._record(self.ScopeRevoked, act, scope=revoked, receipt=receipt)
        return receipt

    def use(self, wanted: str, act: Act) -> None:
        """Record that an act of scope `wanted` relied on this mandate, now."""
        covered_by = self.covering(wanted, act.at)
        if covered_by is None:
            raise MandateNotInForceError(f"the citizen's mandate does not cover {wanted} now")
        self._record(self.Used, act, scope=wanted, covered_by=covered_by)
