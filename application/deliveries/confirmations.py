"""Recording a partner's confirmation: once per item, whatever is retried or replayed.

Each confirmation runs under the key `deliver:<item key>`, so that the command runner answers a
second attempt (after the process was stopped between the partner's reply and the append) with
the first outcome; the aggregate refuses a second confirmation of the same item as well.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from application.commands import Command
from application.errors import IdempotencyKeyReusedError
from application.store import CommandRunner, Decision, EventStore
from domain.counter.request import CitizenRequest
from domain.payments.payment import Payment
from domain.shared.acts import Act
from domain.shared.errors import UnchangedError

DELIVERY_ACTOR = "system:partner-delivery"


@dataclass(frozen=True)
class ConfirmPaymentByPartner(Command):
    """The partner's system has the captured payment, under its receipt."""

    payment_id: UUID
    partner_receipt: str


@dataclass(frozen=True)
class ConfirmRefundByPartner(Command):
    """The partner's system has the refund `refund_id` of the payment, under its receipt."""

    payment_id: UUID
    refund_id: str
    partner_receipt: str


@dataclass(frozen=True)
class ConfirmFileDelivery(Command):
    """The partner's system received the file's sending number `submission`."""

    request_id: UUID
    submission: int
    partner_receipt: str


@dataclass(frozen=True)
class Confirmed:
    """The payment or request the confirmation was recorded on."""

    id: UUID


def confirmation_key(item_key: str) -> str:
    """The command key of an item's confirmation."""
    return f"deliver:{item_key}"


class DeliveryConfirmations:
    """Records partners' confirmations through the command runner."""

    def __init__(self, store: EventStore, runner: CommandRunner) -> None:
        self._store = store
        self._runner = runner

    def payment(self, command: ConfirmPaymentByPartner) -> int:
        """Record `Payment.ConfirmedByPartner`; its position (0: confirmed under another key)."""

        def decide(act: Act) -> Decision[Confirmed]:
            payment = self._store.load(command.payment_id, Payment, "payment")
            payment.confirm_by_partner(command.partner_receipt, act)
            return Decision([payment], Confirmed(payment.id))

        return self._once(command, decide)

    def refund(self, command: ConfirmRefundByPartner) -> int:
        """Record `Payment.RefundConfirmedByPartner`; its position (0: confirmed before)."""

        def decide(act: Act) -> Decision[Confirmed]:
            payment = self._store.load(command.payment_id, Payment, "payment")
            payment.confirm_refund_by_partner(command.refund_id, command.partner_receipt, act)
            return Decision([payment], Confirmed(payment.id))

        return self._once(command, decide)

    def file(self, command: ConfirmFileDelivery) -> int:
        """Record `CitizenRequest.DeliveryConfirmed`; its position (0: confirmed otherwise)."""

        def decide(act: Act) -> Decision[Confirmed]:
            request = self._store.load(command.request_id, CitizenRequest, "request")
            request.confirm_delivery(command.submission, command.partner_receipt, act)
            return Decision([request], Confirmed(request.id))

        return self._once(command, decide)

    def _once(self, command: Command, decide: Callable[[Act], Decision[Confirmed]]) -> int:
        try:
            outcome = self._runner.run(command, decide, returns=Confirmed)
        except UnchangedError:
            return 0  # confirmed under another key (a later sending, a manual record)
        except IdempotencyKeyReusedError:
            return 0  # recorded before with the partner's first receipt: that one stands
        return outcome.position  # a replay's: where the first attempt recorded it
