"""Handlers of the partners context."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from application.partners.commands import RegisterPartner, RenamePartner
from application.store import CommandRunner, Decision, EventStore, Outcome
from domain.partners.partner import Partner, PartnerNames, partner_id
from domain.shared.acts import Act
from domain.shared.errors import AlreadyExistsError, NotFoundError


@dataclass(frozen=True)
class PartnerChanged:
    """The partner a command registered or renamed."""

    partner_id: UUID


PartnerOutcome = Outcome[PartnerChanged]


class PartnerService:
    """Registers partners. A partner code is registered once; a retry returns the first outcome."""

    def __init__(self, store: EventStore, runner: CommandRunner) -> None:
        self._store = store
        self._runner = runner

    def register_partner(self, command: RegisterPartner) -> PartnerOutcome:
        """Record `PartnerRegistered`, unless that code is registered already."""
        names = PartnerNames(arabic=command.name_ar, french=command.name_fr)
        new_id = partner_id(command.code)

        def decide(act: Act) -> Decision[PartnerChanged]:
            if self._exists(new_id):
                msg = f"partner {command.code} is already registered"
                raise AlreadyExistsError(msg)
            partner = Partner.register(command.code, names, act)
            return Decision(aggregates=[partner], value=PartnerChanged(partner.id))

        return self._runner.run(command, decide, returns=PartnerChanged)

    def rename_partner(self, command: RenamePartner) -> PartnerOutcome:
        """Record `PartnerRenamed`."""
        names = PartnerNames(arabic=command.name_ar, french=command.name_fr)

        def decide(act: Act) -> Decision[PartnerChanged]:
            partner = self.get(command.code)
            partner.rename(names, act)
            return Decision(aggregates=[partner], value=PartnerChanged(partner.id))

        return self._runner.run(command, decide, returns=PartnerChanged)

    def get(self, code: str) -> Partner:
        """The partner registered under `code`."""
        try:
            return self._load(partner_id(code))
        except AggregateNotFoundError as error:
            msg = f"no partner is registered under {code}"
            raise NotFoundError(msg) from error

    def _exists(self, aggregate_id: UUID) -> bool:
        return self._store.find(aggregate_id, Partner) is not None

    def _load(self, aggregate_id: UUID) -> Partner:
        partner: object = self._store.repository.get(aggregate_id)
        if not isinstance(partner, Partner):  # pragma: no cover - ids are namespaced
            msg = f"{aggregate_id} is not a partner"
            raise TypeError(msg)
        return partner
