"""A delegation grant from a partner to a house, under a convention.

Under Tunisian civil law a special mandate covers only the acts it names (COC art. 1117): a grant
names its services; there is no general grant. Suspension and revocation take effect from their
position in the log; validity dates are compared with the server's date at the act (Tunis time).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from domain.shared.acts import Act, DarAggregate
from domain.shared.errors import InvalidTransitionError, ValidationError
from domain.shared.time import tunis_day

_SERVICE = re.compile(r"^[A-Z][A-Z0-9_]{1,39}$")
MAX_REASON = 500


class GrantState(StrEnum):
    """The recorded state; whether a grant is *in force* also depends on its validity dates."""

    ACTIVE = "active"
    SUSPENDED = "suspended"
    REVOKED = "revoked"


@dataclass(frozen=True)
class Convention:
    """The signed convention a grant is made under."""

    reference: str
    version: str
    signed_on: date

    def __post_init__(self) -> None:
        if not self.reference.strip() or len(self.reference) > 100:
            raise ValidationError("convention.reference", "must be 1 to 100 characters")
        if not self.version.strip() or len(self.version) > 20:
            raise ValidationError("convention.version", "must be 1 to 20 characters")


@dataclass(frozen=True)
class Validity:
    """From the first to the last day the grant may be used, both included (Tunis dates)."""

    starts_on: date
    ends_on: date

    def __post_init__(self) -> None:
        if self.ends_on < self.starts_on:
            raise ValidationError("validity", "the last day comes before the first")

    def includes(self, day: date) -> bool:
        """Whether `day` is within the validity."""
        return self.starts_on <= day <= self.ends_on


@dataclass(frozen=True)
class CollectionTerms:
    """Whether the house may collect money for the partner, and the per-transaction ceiling."""

    allowed: bool
    ceiling_millimes: int | None = None

    def __post_init__(self) -> None:
        if self.allowed and (self.ceiling_millimes is None or self.ceiling_millimes <= 0):
            raise ValidationError("ceiling", "a grant that allows collection needs a ceiling > 0")
        if not self.allowed and self.ceiling_millimes is not None:
            raise ValidationError("ceiling", "a ceiling only applies when collection is allowed")


def services_named(codes: tuple[str, ...] | list[str], field: str = "services") -> frozenset[str]:
    """Service codes, each well formed, none twice."""
    for code in codes:
        if not _SERVICE.match(code):
            raise ValidationError(field, f"{code!r} is not a service code (A-Z, 0-9, _)")
    if len(set(codes)) != len(codes):
        raise ValidationError(field, "a service is named twice")
    return frozenset(codes)


def _reason(reason: str) -> str:
    if not reason.strip() or len(reason) > MAX_REASON:
        raise ValidationError("reason", f"must be 1 to {MAX_REASON} characters")
    return reason.strip()


class DelegationGrant(DarAggregate):
    """What one partner delegates to one house."""

    class Granted(DarAggregate.Created):
        partner_id: UUID
        house_id: UUID
        convention_reference: str
        convention_version: str
        signed_on: date
        services: tuple[str, ...]
        starts_on: date
        ends_on: date
        may_collect: bool
        ceiling_millimes: int | None

    class Amended(DarAggregate.Event):
        added: tuple[str, ...]
        removed: tuple[str, ...]

        def apply(self, aggregate: DelegationGrant) -> None:
            """The services named change."""
            aggregate.services = (aggregate.services | set(self.added)) - set(self.removed)

    class Suspended(DarAggregate.Event):
        reason: str

        def apply(self, aggregate: DelegationGrant) -> None:
            """No act may rely on the grant until it is reinstated."""
            aggregate.state = GrantState.SUSPENDED

    class Reinstated(DarAggregate.Event):
        def apply(self, aggregate: DelegationGrant) -> None:
            """The grant may be relied on again."""
            aggregate.state = GrantState.ACTIVE

    class Renewed(DarAggregate.Event):
        ends_on: date
        convention_reference: str
        convention_version: str
        signed_on: date

        def apply(self, aggregate: DelegationGrant) -> None:
            """The grant lasts longer, under the renewing convention."""
            aggregate.validity = Validity(aggregate.validity.starts_on, self.ends_on)
            aggregate.convention = Convention(
                self.convention_reference, self.convention_version, self.signed_on
            )

    class Revoked(DarAggregate.Event):
        reason: str

        def apply(self, aggregate: DelegationGrant) -> None:
            """For good."""
            aggregate.state = GrantState.REVOKED

    def __init__(  # noqa: PLR0913, PLR0917 - the created event's fields, as the library passes them
        self,
        partner_id: UUID,
        house_id: UUID,
        convention_reference: str,
        convention_version: str,
        signed_on: date,
        services: tuple[str, ...],
        starts_on: date,
        ends_on: date,
        may_collect: bool,  # noqa: FBT001
        ceiling_millimes: int | None,
    ) -> None:
        self.partner_id = partner_id
        self.house_id = house_id
        self.convention = Convention(convention_reference, convention_version, signed_on)
        self.services = frozenset(services)
        self.validity = Validity(starts_on, ends_on)
        self.collection = CollectionTerms(may_collect, ceiling_millimes)
        self.state = GrantState.ACTIVE

    @classmethod
    def grant(  # noqa: PLR0913 - what a convention states
        cls,
        *,
        grant_id: UUID,
        partner_id: UUID,
        house_id: UUID,
        convention: Convention,
        services: frozenset[str],
        validity: Validity,
        collection: CollectionTerms,
        act: Act,
    ) -> DelegationGrant:
        """Record a grant naming its services (at least one)."""
        if not services:
            raise ValidationError("services", "a grant names at least one service")
        if validity.ends_on < tunis_day(act.at):
            raise ValidationError("validity", "a grant cannot end before the day it is recorded")
        return cls._create(
            cls.Granted,
            id=grant_id,
            timestamp=act.at,
            actor=act.actor,
            command_id=act.command_id,
            partner_id=partner_id,
            house_id=house_id,
            convention_reference=convention.reference,
            convention_version=convention.version,
            signed_on=convention.signed_on,
            services=tuple(sorted(services)),
            starts_on=validity.starts_on,
            ends_on=validity.ends_on,
            may_collect=collection.allowed,
            ceiling_millimes=collection.ceiling_millimes,
        )

    def expired_at(self, moment: datetime) -> bool:
        """Whether the validity ended before the Tunis day of `moment`."""
        return tunis_day(moment) > self.validity.ends_on

    def in_force_at(self, moment: datetime) -> bool:
        """Active (neither suspended nor revoked) and within its validity on that day."""
        return self.state is GrantState.ACTIVE and self.validity.includes(tunis_day(moment))

    def amend(self, added: frozenset[str], removed: frozenset[str], act: Act) -> None:
        """Add and remove named services; the grant keeps at least one."""
        self._refuse_if_revoked("amended")
        if not added and not removed:
            raise ValidationError("services", "an amendment adds or removes a service")
        if added & self.services:
            raise ValidationError("added", f"already delegated: {sorted(added & self.services)}")
        if removed - self.services:
            raise ValidationError("removed", f"not delegated: {sorted(removed - self.services)}")
        if not (self.services | added) - removed:
            raise ValidationError(
                "removed", "a grant keeps at least one service; revoke it instead"
            )
        self._record(self.Amended, act, added=tuple(sorted(added)), removed=tuple(sorted(removed)))

    def suspend(self, reason: str, act: Act) -> None:
        """Stop every act relying on the grant, from this position in the log."""
        self._refuse_if_revoked("suspended")
        if self.state is GrantState.SUSPENDED:
            raise InvalidTransitionError("the grant is already suspended")
        self._record(self.Suspended, act, reason=_reason(reason))

    def reinstate(self, act: Act) -> None:
        """Lift a suspension, if the grant has not expired meanwhile (then it is renewed)."""
        if self.state is not GrantState.SUSPENDED:
            raise InvalidTransitionError(
                f"only a suspended grant is reinstated; it is {self.state}"
            )
        if self.expired_at(act.at):
            raise InvalidTransitionError("the grant has expired: renew it, never reinstate it")
        self._record(self.Reinstated, act)

    def renew(self, ends_on: date, convention: Convention, act: Act) -> None:
        """Extend the validity under a renewing convention."""
        self._refuse_if_revoked("renewed")
        if ends_on <= self.validity.ends_on:
            raise ValidationError("endsOn", "a renewal ends after the current last day")
        self._record(
            self.Renewed,
            act,
            ends_on=ends_on,
            convention_reference=convention.reference,
            convention_version=convention.version,
            signed_on=convention.signed_on,
        )

    def revoke(self, reason: str, act: Act) -> None:
        """End the grant for good."""
        self._refuse_if_revoked("revoked")
        self._record(self.Revoked, act, reason=_reason(reason))

    def _refuse_if_revoked(self, verb: str) -> None:
        if self.state is GrantState.REVOKED:
            raise InvalidTransitionError(f"a revoked grant cannot be {verb}")
