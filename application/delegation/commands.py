"""Commands of the delegation context."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from application.commands import Command


@dataclass(frozen=True)
class GrantDelegation(Command):
    """Record a partner's delegation of named services to a house, under a convention."""

    grant_id: UUID
    house_code: str
    partner_code: str
    convention_reference: str
    convention_version: str
    signed_on: date
    services: tuple[str, ...]
    starts_on: date
    ends_on: date
    may_collect: bool
    ceiling_millimes: int | None


@dataclass(frozen=True)
class AmendDelegation(Command):
    """Add or remove named services."""

    grant_id: UUID
    added: tuple[str, ...]
    removed: tuple[str, ...]


@dataclass(frozen=True)
class SuspendDelegation(Command):
    """Suspend a grant, with a reason."""

    grant_id: UUID
    reason: str


@dataclass(frozen=True)
class ReinstateDelegation(Command):
    """Lift a suspension."""

    grant_id: UUID


@dataclass(frozen=True)
class RenewDelegation(Command):
    """Extend a grant under a renewing convention."""

    grant_id: UUID
    ends_on: date
    convention_reference: str
    convention_version: str
    signed_on: date


@dataclass(frozen=True)
class RevokeDelegation(Command):
    """End a grant for good."""

    grant_id: UUID
    reason: str


@dataclass(frozen=True)
class GrantChanged:
    """The delegation grant a command recorded or changed."""

    grant_id: UUID

    @property
    def id(self) -> UUID:
        """The object's id."""
        return self.grant_id
