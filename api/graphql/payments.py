"""Payments in GraphQL: bills looked up, money taken in cash or through the gateway, refunds.

House staff act in their own house (the house of their token); a refund is approved by the
house's supervisor, never by the one who asked for it. The governance office and auditors read
the day's collections of any house.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TypeVar
from uuid import UUID

import strawberry

from api.auth import STAFF, Principal, Role
from api.graphql.access import STAFF_AND_OVERSIGHT, allowed, query
from api.graphql.commands import checked_command_id, counted, parse_id
from api.graphql.context import Context, DarInfo
from api.graphql.freshness import wait_for_position
from api.graphql.houses import house_code_of
from api.graphql.scalars import Position
from application.payments.commands import (
    ApproveRefund,
    CancelPayment,
    InitiatePayment,
    RecordCashPayment,
    RequestRefund,
)
from application.payments.service import PaymentService
from application.store import Outcome
from domain.shared.errors import ValidationError
from domain.shared.money import Money, total
from projections.payments.view import CollectionRow, PaymentRow

C = TypeVar("C")


@strawberry.type(description="What a partner's billing system says is due for a bill.")
class Bill:
    partner_code: str
    reference: str
    amount: Money
    period: str
    due_on: date | None


@strawberry.type(description="A payment of a request.")
class Payment:
    id: strawberry.ID
    request_id: strawberry.ID
    house_id: strawberry.ID
    partner_code: str
    service_code: str
    bill_reference: str | None
    method: str = strawberry.field(description="cash, card, e_dinar or d17")
    amount: Money
    status: str = strawberry.field(
        description="initiated, authorised, capture_requested, captured, failed or cancelled"
    )
    captured: Money
    refunded: Money = strawberry.field(description="Paid back so far.")
    refunds_pending: Money = strawberry.field(description="Asked for or approved, not paid back.")
    receipt: str | None
    initiated_at: datetime
    captured_at: datetime | None
    business_date: date | None = strawberry.field(description="The Tunis day of the capture.")
    note: str | None
    position: Position

    @classmethod
    def of(cls, row: PaymentRow) -> Payment:
        """The GraphQL view of a read-model row."""
        return cls(
            id=strawberry.ID(str(row.payment_id)),
            request_id=strawberry.ID(str(row.request_id)),
            house_id=strawberry.ID(str(row.house_id)),
            partner_code=row.partner_code,
            service_code=row.service_code,
            bill_reference=row.bill_reference,
            method=row.method,
            amount=Money(row.amount_millimes),
            status=row.status,
            captured=Money(row.captured_millimes),
            refunded=Money(row.refunded_millimes),
            refunds_pending=Money(row.refunds_pending_millimes),
            receipt=row.receipt,
            initiated_at=row.initiated_at,
            captured_at=row.captured_at,
            business_date=row.business_date,
            note=row.note,
            position=Position(row.position),
        )


@strawberry.type(description="Money collected for one partner by one method on the day.")
class CollectionLine:
    partner_code: str
    method: str
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


@strawberry.type(description="What a payment command did.")
class PaymentResult:
    id: strawberry.ID
    receipt: str | None = strawberry.field(description="The payment receipt, once captured.")
    session_url: str | None = strawberry.field(
        description="The gateway's hosted page; null for cash, or while the gateway is down."
    )
    position: Position
    replayed: bool


@strawberry.type(description="A refund asked for.")
class RefundResult:
    payment_id: strawberry.ID
    refund_id: str
    position: Position
    replayed: bool


@strawberry.input
class InitiatePaymentInput:
    command_id: str
    request_id: strawberry.ID
    method: str = strawberry.field(description="card, e_dinar or d17")
    bill_reference: str | None = strawberry.field(
        default=None, description="For a service paid from a bill: the amount is looked up."
    )


@strawberry.input
class RecordCashPaymentInput:
    command_id: str
    request_id: strawberry.ID
    bill_reference: str | None = None


@strawberry.input
class CancelPaymentInput:
    command_id: str
    payment_id: strawberry.ID
    reason: str


@strawberry.input
class RequestRefundInput:
    command_id: str
    payment_id: strawberry.ID
    amount: Money
    reason: str


@strawberry.input
class ApproveRefundInput:
    command_id: str
    payment_id: strawberry.ID
    refund_id: str


@strawberry.input
class SettlePaymentInput:
    payment_id: strawberry.ID


def _staff_house(principal: Principal) -> str:
    """House staff act in the house of their token."""
    if principal.role not in STAFF or not principal.house:
        raise ValidationError("role", "payments are taken by a house's staff")
    return principal.house


def absolute(context: Context, url: str | None) -> str | None:
    """A page's address as clients reach it: a path Dar serves is put under DAR_PUBLIC_URL."""
    if url is None or not url.startswith("/"):
        return url  # none, or the gateway's own absolute address
    return context.dar.settings.public_base_url + url


async def _result(context: Context, outcome: Outcome) -> PaymentResult:
    payment_id = UUID(outcome.values["payment_id"])
    row = await context.blocking(lambda: context.dar.payments.current(payment_id))
    return PaymentResult(
        id=strawberry.ID(str(payment_id)),
        receipt=row.receipt,
        session_url=absolute(context, row.session_url),
        position=Position(outcome.position),
        replayed=outcome.replayed,
    )


async def _visible_rows(context: Context, rows: list[PaymentRow]) -> list[Payment]:
    principal = context.authenticate()
    if principal.role in STAFF:
        rows = [r for r in rows if r.house_code == principal.house]
    return [Payment.of(r) for r in rows]


def _collections(house: UUID, day: date, rows: list[CollectionRow]) -> Collections:
    lines = [
        CollectionLine(
            partner_code=r.partner_code,
            method=r.method,
            payments=r.payments,
            collected=Money(r.collected_millimes),
            refunded=Money(r.refunded_millimes),
            net=Money(r.net_millimes),
        )
        for r in rows
    ]
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
        return Bill(
            partner_code=due.partner_code,
            reference=due.reference,
            amount=due.amount,
            period=due.period,
            due_on=due.due_on,
        )

    @query(
        STAFF | frozenset({Role.ADMIN, Role.AUDITOR}), "The payments of a request, oldest first."
    )
    async def payments(
        self, info: DarInfo, request_id: strawberry.ID, at_least_position: Position | None = None
    ) -> list[Payment]:
        dar = info.context.dar
        uuid = parse_id(request_id, "requestId")
        await wait_for_position(dar, [dar.read.payments_key], at_least_position)
        rows = await info.context.blocking(lambda: dar.read.payments.for_request(uuid))
        return await _visible_rows(info.context, rows)

    @query(STAFF_AND_OVERSIGHT, "Money collected at a house on a business day (Tunis time).")
    async def collections(
        self,
        info: DarInfo,
        house_id: strawberry.ID,
        business_date: date,
        at_least_position: Position | None = None,
    ) -> Collections:
        dar = info.context.dar
        await house_code_of(info.context, house_id)  # staff: only their own house
        house = parse_id(house_id, "houseId")
        await wait_for_position(dar, [dar.read.payments_key], at_least_position)
        rows = await info.context.blocking(
            lambda: dar.read.payments.collections(house, business_date)
        )
        return _collections(house, business_date, rows)

    @query(
        STAFF | frozenset({Role.ADMIN, Role.AUDITOR}),
        "A house's payments not yet captured nor ended, oldest first.",
    )
    async def pending_payments(
        self, info: DarInfo, house_id: strawberry.ID, at_least_position: Position | None = None
    ) -> list[Payment]:
        dar = info.context.dar
        await house_code_of(info.context, house_id)  # staff: only their own house
        house = parse_id(house_id, "houseId")
        await wait_for_position(dar, [dar.read.payments_key], at_least_position)
        rows = await info.context.blocking(lambda: dar.read.payments.pending(house))
        return await _visible_rows(info.context, rows)


# A payment command built from (commandId, actor, house code, employee number).
Build = Callable[[str, str, str, str], C]


async def _run(
    info: DarInfo,
    name: str,
    command_id: str,
    build: Build[C],
    handle: Callable[[PaymentService], Callable[[C], Outcome]],
) -> Outcome:
    """Role, house, key: build the command for the caller and run it, counted."""
    principal = info.context.authenticate()
    key = checked_command_id(command_id)
    command = build(key, principal.actor, _staff_house(principal), principal.subject)
    run = handle(info.context.dar.payments)
    return await counted(info.context, name, lambda: run(command))


@strawberry.type
class PaymentMutations:
    @strawberry.mutation(
        description="Open a card, e-Dinar or D17 payment of a request: the gateway's hosted page.",
        permission_classes=allowed(STAFF),
    )
    async def initiate_payment(self, info: DarInfo, input: InitiatePaymentInput) -> PaymentResult:
        def build(key: str, actor: str, house: str, employee: str) -> InitiatePayment:
            request_id = parse_id(input.request_id, "requestId")
            return InitiatePayment(
                key, actor, house, request_id, employee, input.method, input.bill_reference
            )

        outcome = await _run(info, "initiatePayment", input.command_id, build, lambda p: p.initiate)
        return await _result(info.context, outcome)

    @strawberry.mutation(
        description="Cash taken at the counter: captured, with its receipt.",
        permission_classes=allowed(STAFF),
    )
    async def record_cash_payment(
        self, info: DarInfo, input: RecordCashPaymentInput
    ) -> PaymentResult:
        def build(key: str, actor: str, house: str, employee: str) -> RecordCashPayment:
            request_id = parse_id(input.request_id, "requestId")
            return RecordCashPayment(key, actor, house, request_id, employee, input.bill_reference)

        outcome = await _run(
            info, "recordCashPayment", input.command_id, build, lambda p: p.record_cash
        )
        return await _result(info.context, outcome)

    @strawberry.mutation(
        description="Give up a payment before its capture.", permission_classes=allowed(STAFF)
    )
    async def cancel_payment(self, info: DarInfo, input: CancelPaymentInput) -> PaymentResult:
        def build(key: str, actor: str, house: str, _: str) -> CancelPayment:
            payment_id = parse_id(input.payment_id, "paymentId")
            return CancelPayment(key, actor, house, payment_id, input.reason)

        outcome = await _run(info, "cancelPayment", input.command_id, build, lambda p: p.cancel)
        return await _result(info.context, outcome)

    @strawberry.mutation(
        description="Ask for a refund (partial allowed); a second person approves.",
        permission_classes=allowed(STAFF),
    )
    async def request_refund(self, info: DarInfo, input: RequestRefundInput) -> RefundResult:
        def build(key: str, actor: str, house: str, _: str) -> RequestRefund:
            payment_id = parse_id(input.payment_id, "paymentId")
            return RequestRefund(key, actor, house, payment_id, input.amount.millimes, input.reason)

        outcome = await _run(
            info, "requestRefund", input.command_id, build, lambda p: p.request_refund
        )
        return RefundResult(
            payment_id=strawberry.ID(outcome.values["payment_id"]),
            refund_id=outcome.values["refund_id"],
            position=Position(outcome.position),
            replayed=outcome.replayed,
        )

    @strawberry.mutation(
        description="Approve a refund asked for by someone else; it is paid back.",
        permission_classes=allowed(frozenset({Role.SUPERVISOR})),
    )
    async def approve_refund(self, info: DarInfo, input: ApproveRefundInput) -> PaymentResult:
        def build(key: str, actor: str, house: str, _: str) -> ApproveRefund:
            payment_id = parse_id(input.payment_id, "paymentId")
            return ApproveRefund(key, actor, house, payment_id, input.refund_id)

        outcome = await _run(
            info, "approveRefund", input.command_id, build, lambda p: p.approve_refund
        )
        return await _result(info.context, outcome)

    @strawberry.mutation(
        description="Ask the gateway where a pending payment stands, and apply its answer.",
        permission_classes=allowed(STAFF),
    )
    async def settle_payment(self, info: DarInfo, input: SettlePaymentInput) -> PaymentResult:
        principal = info.context.authenticate()
        house = _staff_house(principal)
        payment_id = parse_id(input.payment_id, "paymentId")
        payments = info.context.dar.payments
        position = await info.context.blocking(lambda: payments.settle(payment_id, house))
        outcome = Outcome(position, {"payment_id": str(payment_id)})
        return await _result(info.context, outcome)
