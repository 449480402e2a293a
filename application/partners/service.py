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
class PartnerOutcome:
    """The outcome of a partner command: which partner, at which log position, first or retried."""

    partner_id: UUID
    position: int
    replayed: bool


class PartnerService:
    """Registers partners. A partner code is registered once; a retry returns the first outcome."""

    def __init__(self, store: EventStore, runner: CommandRunner) -> None:
        self._store = store
        self._runner = runner

    def register_partner(self, command: RegisterPartner) -> PartnerOutcome:
        """Record `PartnerRegistered`, unless that code is registered already."""
        names = PartnerNames(arabic=command.name_ar, french=command.name_fr)
        new_id = partner_id(command.code)

        def decide(act: Act) -> Decision:
            if self._exists(new_id):
                msg = f"partner {command.code} is already registered"
                raise AlreadyExistsError(msg)
            partner = Partner.register(command.code, names, act)
            return Decision(aggregates=[partner], values={"partner_id": str(partner.id)})

        return _outcome(self._runner.run(command, decide))

    def rename_partner(self, command: RenamePartner) -> PartnerOutcome:
        """Record `PartnerRenamed`."""
        names = PartnerNames(arabic=command.name_ar, french=command.name_fr)

        def decide(act: Act) -> Decision:
            partner = self.get(command.code)
            partner.rename(names, act)
            return Decision(aggregates=[partner], values={"partner_id": str(partner.id)})

        return _outcome(self._runner.run(command, decide))

    def get(self, code: str) -> Partner:
        """The partner registered under `code`."""
        try:
            return self._load(partner_id(code))
        except AggregateNotFoundError as error:
            msg = f"no partner is registered under {code}"
            raise NotFoundError(msg) from error

    def _exists(self, aggregate_id: UUID) -> bool:
        try:
            self._load(aggregate_id)
        except AggregateNotFoundError:
            return False
        return True

    def _load(self, aggregate_id: UUID) -> Partner:
        partner: object = self._store.repository.get(aggregate_id)
        if not isinstance(partner, Partner):  # pragma: no cover - ids are namespaced
            msg = f"{aggregate_id} is not a partner"
            raise TypeError(msg)
        return partner


def _outcome(outcome: Outcome) -> PartnerOutcome:
    return PartnerOutcome(
        partner_id=UUID(outcome.values["partner_id"]),
        position=outcome.position,
        replayed=outcome.replayed,
    )
