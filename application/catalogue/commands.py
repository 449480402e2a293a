"""Commands of the catalogue context."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.commands import Command


@dataclass(frozen=True)
class PublishService(Command):
    """Publish a partner's service."""

    partner_code: str
    code: str
    name_ar: str
    name_fr: str
    mode: str
    documents: tuple[str, ...]
    fee_rule: str
    fee_millimes: int | None
    deadline_days: int | None


@dataclass(frozen=True)
class ChangeServiceFee(Command):
    """A new fee for a service, from now on."""

    partner_code: str
    code: str
    fee_rule: str
    fee_millimes: int | None


@dataclass(frozen=True)
class WithdrawService(Command):
    """Stop offering a service."""

    partner_code: str
    code: str
    reason: str


@dataclass(frozen=True)
class ServiceChanged:
    """The catalogue's service a command published or changed."""

    service_id: UUID

    @property
    def id(self) -> UUID:
        """The object's id."""
        return self.service_id
