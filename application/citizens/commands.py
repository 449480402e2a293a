"""Commands about citizens and their mandates."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from application.commands import PERSONAL, Command


@dataclass(frozen=True)
class CitizenChanged:
    """The citizen a command registered or erased."""

    citizen_id: UUID

    @property
    def id(self) -> UUID:
        """The citizen's id."""
        return self.citizen_id


@dataclass(frozen=True)
class MandateChanged:
    """The mandate a grant opened or extended."""

    mandate_id: UUID

    @property
    def id(self) -> UUID:
        """The mandate's id."""
        return self.mandate_id


@dataclass(frozen=True)
class MandateRevoked:
    """The mandate a scope was revoked from, and the receipt number handed to the citizen."""

    mandate_id: UUID
    receipt: str


@dataclass(frozen=True)
class AccessRecorded:
    """A read of personal data, recorded."""

    access_id: UUID


@dataclass(frozen=True)
class RegisterCitizen(Command):
    """Register a citizen by identity document or, for a minor, through a guardian."""

    name: str = field(metadata=PERSONAL)
    document_kind: str | None = None
    document_number: str | None = field(default=None, metadata=PERSONAL)
    phone: str | None = field(default=None, metadata=PERSONAL)
    guardian_id: UUID | None = None
    house_code: str | None = None


@dataclass(frozen=True)
class EraseCitizen(Command):
    """Destroy a citizen's key and index entry, recording why."""

    citizen_id: UUID
    reason: str


@dataclass(frozen=True)
class GrantMandate(Command):
    """The citizen lets the house act for them within scopes, for a fixed duration."""

    citizen_id: UUID
    house_code: str
    scopes: tuple[str, ...]
    duration: str
    consent_kind: str
    consent_reference: str


@dataclass(frozen=True)
class RevokeMandate(Command):
    """The citizen withdraws one scope of their mandate to the house."""

    citizen_id: UUID
    house_code: str
    scope: str
