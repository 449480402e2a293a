"""Payments in GraphQL: bills looked up, money taken in cash or through the gateway, refunds.

House staff act in their own house (the house of their token); a refund is approved by the
house's supervisor, never by the one who asked for it. The governance office and auditors read
the day's collections of any house.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

import strawberry

from api.auth import STAFF, Role
from api.graphql.access import STAFF_AND_OVERSIGHT, query
from api.graphql.caller import C, Caller, parse_id
from api.graphql.context import Context, DarInfo
from api.graphql.enums import Method, PaymentStatus
from api.graphql.pipeline import Submission, mutation
from api.graphql.rows import Answer, from_row
from api.graphql.scalars import Position
from application.payments.commands import (
    ApproveRefund,
    CancelPayment,
    InitiatePayment,
    PaymentStanding,
    RecordCashPayment,
    RefundRequested,
    RequestRefund,
    SettlePayment,
)
from application.store import Outcome
from domain.shared.errors import ValidationError
from domain.shared.money import Money, total
from projections.payments.view import CollectionRow, PaymentRow


@strawberry.type(description="What a partner's billing system says is due for a bill.")
class Bill:
    partner_code: str
    reference: str
    amount: Money
    period: str
    due_on: date | None


@strawberry.type(description="A payment of a request.")
class Payment:
    payment_id: strawberry.ID = strawberry.field(name="id")
    request_id: strawberry.ID
    house_id: strawberry.ID
    partner_code: str
    service_code: str
    bill_reference: str | None
    method: Method
    amount: Money
    status: PaymentStatus
    captured: Money
    refunded: Money = strawberry.field(description="Paid back so far.")
    refunds_pending: Money = strawberry.field(description="Asked for or approved, not paid back.")
    receipt: str | None
    initiated_at: datetime
    captured_at: datetime | None
    business_date: date | None = strawberry.field(description="The Tunis day of the capture.")
    note: str | None
    position: Position


@strawberry.type(description="Money collected for one partner by one method on the day.")
class CollectionLine:
    partner_code: str
    method: Method
    payments: int = strawberry.field(description="Payments captured that day.")
    collected: Money
    refunded: Money = strawberry.field(description="Refunds paid back that day.")
    net: Money


@strawberry.type(description="A house's collections for a business day, exact to the millime.")
class Collections:
    house_id: strawberry.ID
    business_date: date
    lines: list[CollectionLine]
    collected: Money
    refunded: Money
    net: Money


def absolute(context: Context, url: str | None) -> str | None:
    """A page's address as clients reach it: a path Dar serves is put under DAR_PUBLIC_URL."""
    if url is None or not url.startswith("/"):
        return url  # none, or the gateway's own absolute address
    return context.dar.settings.public_base_url + url


@strawberry.type(description="What a payment command did.")
class PaymentResult:
    id: strawberry.ID
    receipt: str | None = strawberry.field(description="The payment receipt, once captured.")
    page: strawberry.Private[str | None]
    position: Position
    replayed: bool

    @strawberry.field(
        description="The gateway's hosted page; null for cash, or while the gateway is down."
    )
    def session_url(self, info: DarInfo) -> str | None:
        """The page as clients reach it."""
        return absolute(info.context, self.page)

    @classmethod
    def of(cls, outcome: Outcome[PaymentStanding]) -> PaymentResult:
        """The payment as the command left it."""
        payment = outcome.value
        return cls(
            id=strawberry.ID(str(payment.payment_id)),
            receipt=payment.receipt,
            page=payment.session_url,
            position=Position(outcome.position),
            replayed=outcome.replayed,
        )


@strawberry.type(description="A refund asked for.")
class RefundResult(Answer[RefundRequested]):
    payment_id: strawberry.ID
    refund_id: str
    position: Position
    replayed: bool


def _staff(caller: Caller) -> tuple[str, str]:
    """House staff take payments in the house of their token: the house and their number."""
    if caller.house_code is None or caller.employee is None:
        raise ValidationError("role", "payments are taken by a house's staff")
    return caller.house_code, caller.employee


@strawberry.input(description="A request of the caller's house to pay, and the idempotency key.")
class OfRequest:
    command_id: str
    request_id: strawberry.ID

    def by(self, caller: Caller, kind: type[C]) -> C:
        """The command `kind` on the request, by the caller at their house."""
        key, (house, employee) = caller.key(self.command_id), _staff(caller)
        request = parse_id(self.request_id, "requestId")
        return caller.command(
            kind,
            self,
            command_id=key,
            house_code=house,
            request_id=request,
            employee_number=employee,
        )


@strawberry.input(description="A card, e-Dinar or D17 payment to open for a request.")
class InitiatePaymentInput(OfRequest):
    method: Method
    bill_reference: str | None = strawberry.field(
        default=None, description="For a service paid from a bill: the amount is looked up."
    )

    async def to_command(self, caller: Caller) -> Submission[InitiatePayment, PaymentStanding]:
        """Open the payment at the caller's house."""
        return Submission(self.by(caller, InitiatePayment), caller.dar.payments.initiate)


@strawberry.input(description="Cash taken at the counter for a request.")
class RecordCashPaymentInput(OfRequest):
    bill_reference: str | None = None

    async def to_command(self, caller: Caller) -> Submission[RecordCashPayment, PaymentStanding]:
        """Record the cash at the caller's house."""
        return Submission(self.by(caller, RecordCashPayment), caller.dar.payments.record_cash)


@strawberry.input(description="A payment of the caller's house, and the idempotency key.")
class OfPayment:
    command_id: str
    payment_id: strawberry.ID

    def by(self, caller: Caller, kind: type[C], /, **extras: Any) -> C:  # noqa: ANN401 - any field's value
        """The command `kind` on the payment, at the caller's house."""
        key, (house, _) = caller.key(self.command_id), _staff(caller)
        payment = parse_id(self.payment_id, "paymentId")
        return caller.command(
            kind, self, command_id=key, house_code=house, payment_id=payment, **extras
        )


@strawberry.input(description="A payment to give up before its capture, and why.")
class CancelPaymentInput(OfPayment):
    reason: str

    async def to_command(self, caller: Caller) -> Submission[CancelPayment, PaymentStanding]:
        """Cancel the payment."""
        return Submission(self.by(caller, CancelPayment), caller.dar.payments.cancel)


@strawberry.input(description="A refund to ask for: how much of a captured payment, and why.")
class RequestRefundInput(OfPayment):
    amount: Money
    reason: str

    async def to_command(self, caller: Caller) -> Submission[RequestRefund, RefundRequested]:
        """Ask for the refund."""
        command = self.by(caller, RequestRefund, amount_millimes=self.amount.millimes)
        return Submission(command, caller.dar.payments.request_refund)


@strawberry.input(description="A refund someone else asked for, to approve.")
class ApproveRefundInput(OfPayment):
    refund_id: str

    async def to_command(self, caller: Caller) -> Submission[ApproveRefund, PaymentStanding]:
        """Approve the refund."""
        command = self.by(caller, ApproveRefund)
        return Submission(command, caller.dar.payments.approve_refund)


@strawberry.input(description="A pending payment to settle with the gateway.")
class SettlePaymentInput:
    payment_id: strawberry.ID

    async def to_command(self, caller: Caller) -> Submission[SettlePayment, PaymentStanding]:
        """Settle a payment of the caller's house (each step it takes has its own key)."""
        house, _ = _staff(caller)
        payment = parse_id(self.payment_id, "paymentId")
        key = f"settle:{payment}"
        command = caller.command(
            SettlePayment, self, command_id=key, house_code=house, payment_id=payment
        )
        return Submission(command, caller.dar.payments.settle_payment)


async def _visible_rows(context: Context, rows: list[PaymentRow]) -> list[Payment]:
    principal = context.authenticate()
    if principal.role in STAFF:
        rows = [r for r in rows if r.house_code == principal.house]
    return [from_row(Payment, r) for r in rows]


def _collections(house: UUID, day: date, rows: list[CollectionRow]) -> Collections:
    lines = [from_row(CollectionLine, r) for r in rows]
    return Collections(
        house_id=strawberry.ID(str(house)),
        business_date=day,
        lines=lines,
        collected=total([line.collected for line in lines]),
        refunded=total([line.refunded for line in lines]),
        net=total([line.net for line in lines]),
    )


@strawberry.type
class PaymentQueries:
    @query(STAFF, "What is due for a bill, from the partner's billing system.")
    async def bill_inquiry(self, info: DarInfo, partner_code: str, reference: str) -> Bill:
        payments = info.context.dar.payments
        due = await info.context.blocking(lambda: payments.bill_inquiry(partner_code, reference))
        return from_row(Bill, due)

    @query(
        STAFF | frozenset({Role.ADMIN, Role.AUDITOR}), "The payments of a request, oldest first."
    )
    async def payments(
        self, info: DarInfo, request_id: strawberry.ID, at_least_position: Position | None = None
    ) -> list[Payment]:
        uuid = parse_id(request_id, "requestId")
        rows = await info.context.read(
            "payments", at_least_position, lambda r: r.payments.for_request(uuid)
        )
        return await _visible_rows(info.context, rows)

    @query(STAFF_AND_OVERSIGHT, "Money collected at a house on a business day (Tunis time).")
    async def collections(
        self,
        info: DarInfo,
        house_id: strawberry.ID,
        business_date: date,
        at_least_position: Position | None = None,
    ) -> Collections:
        await info.context.caller().house_code_of(house_id)  # staff: only their own house
        house = parse_id(house_id, "houseId")
        rows = await info.context.read(
            "payments", at_least_position, lambda r: r.payments.collections(house, business_date)
        )
        return _collections(house, business_date, rows)

    @query(
        STAFF | frozenset({Role.ADMIN, Role.AUDITOR}),
        "A house's payments not yet captured nor ended, oldest first.",
    )
    async def pending_payments(
        self, info: DarInfo, house_id: strawberry.ID, at_least_position: Position | None = None
    ) -> list[Payment]:
        await info.context.caller().house_code_of(house_id)  # staff: only their own house
        house = parse_id(house_id, "houseId")
        rows = await info.context.read(
            "payments", at_least_position, lambda r: r.payments.pending(house)
        )
        return await _visible_rows(info.context, rows)


@strawberry.type
class PaymentMutations:
    initiate_payment = mutation(
        InitiatePaymentInput,
        PaymentResult,
        STAFF,
        "Open a card, e-Dinar or D17 payment of a request: the gateway's hosted page.",
    )
    record_cash_payment = mutation(
        RecordCashPaymentInput,
        PaymentResult,
        STAFF,
        "Cash taken at the counter: captured, with its receipt.",
    )
    cancel_payment = mutation(
        CancelPaymentInput, PaymentResult, STAFF, "Give up a payment before its capture."
    )
    request_refund = mutation(
        RequestRefundInput,
        RefundResult,
        STAFF,
        "Ask for a refund (partial allowed); a second person approves.",
    )
    approve_refund = mutation(
        ApproveRefundInput,
        PaymentResult,
        frozenset({Role.SUPERVISOR}),
        "Approve a refund asked for by someone else; it is paid back.",
    )
    settle_payment = mutation(
        SettlePaymentInput,
        PaymentResult,
        STAFF,
        "Ask the gateway where a pending payment stands, and apply its answer.",
    )
