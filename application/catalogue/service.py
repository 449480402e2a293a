"""Handlers of the catalogue context."""

from __future__ import annotations

from application.catalogue.commands import (
    ChangeServiceFee,
    PublishService,
    ServiceChanged,
    WithdrawService,
)
from application.store import CommandRunner, Decision, EventStore, Outcome
from domain.catalogue.service import CatalogueService, Fee, FeeRule, Mode, service_id
from domain.partners.partner import Partner, partner_id
from domain.shared.acts import Act
from domain.shared.errors import AlreadyExistsError, ValidationError


def _mode(value: str) -> Mode:
    try:
        return Mode(value)
    except ValueError:
        raise ValidationError("mode", "immediate or forwarded") from None


def _fee(rule: str, millimes: int | None) -> Fee:
    try:
        return Fee(FeeRule(rule), millimes)
    except ValueError:
        raise ValidationError("feeRule", "none, fixed or from_bill") from None


class CatalogueServiceHandlers:
    """Publishes services, changes their fees, withdraws them."""

    def __init__(self, store: EventStore, runner: CommandRunner) -> None:
        self._store = store
        self._runner = runner

    def publish(self, command: PublishService) -> Outcome[ServiceChanged]:
        """Record `ServicePublished` for a registered partner."""
        mode, fee = _mode(command.mode), _fee(command.fee_rule, command.fee_millimes)
        new_id = service_id(command.partner_code, command.code)

        def decide(act: Act) -> Decision[ServiceChanged]:
            partner = self._store.load(partner_id(command.partner_code), Partner, "partner")
            if self._store.find(new_id, CatalogueService) is not None:
                raise AlreadyExistsError(f"service {command.code} is already published")
            service = CatalogueService.publish(
                partner_id=partner.id,
                partner_code=command.partner_code,
                code=command.code,
                names=(command.name_ar, command.name_fr),
                mode=mode,
                documents=command.documents,
                fee=fee,
                deadline_days=command.deadline_days,
                act=act,
            )
            return Decision(aggregates=[service], value=ServiceChanged(service.id))

        return self._runner.run(command, decide, returns=ServiceChanged)

    def change_fee(self, command: ChangeServiceFee) -> Outcome[ServiceChanged]:
        """Record `ServiceFeeChanged`."""
        fee = _fee(command.fee_rule, command.fee_millimes)

        def decide(act: Act) -> Decision[ServiceChanged]:
            service = self.get(command.partner_code, command.code)
            service.change_fee(fee, act)
            return Decision(aggregates=[service], value=ServiceChanged(service.id))

        return self._runner.run(command, decide, returns=ServiceChanged)

    def withdraw(self, command: WithdrawService) -> Outcome[ServiceChanged]:
        """Record `ServiceWithdrawn`."""

        def decide(act: Act) -> Decision[ServiceChanged]:
            service = self.get(command.partner_code, command.code)
            service.withdraw(command.reason, act)
            return Decision(aggregates=[service], value=ServiceChanged(service.id))

        return self._runner.run(command, decide, returns=ServiceChanged)

    def get(self, partner_code: str, code: str) -> CatalogueService:
        """The service `code` of the partner."""
        return self._store.load(
            service_id(partner_code, code), CatalogueService, f"service {partner_code}/{code}"
        )
