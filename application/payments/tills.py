"""Agents' tills: opened, closed with a count, discrepancies reviewed; cash recorded against them.

How cash reaches a till: the command that takes or pays back cash records it against the till in
its own decision, saved in one transaction with the payment (`record_cash`: the capture, its
receipt and `Till.CashTaken`; a cash refund's approval: `Payment.Refunded`, its refund document
number and `Till.CashPaidOut`). A payment and its till's record thus never disagree, and closing
a till needs no read model: the till's own stream (one shift) knows its expected cash. Two cash
commands on one till race on its version, and the loser decides again; a till closed meanwhile
refuses the cash (`NO_OPEN_TILL`), and nothing is recorded.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.domain import Aggregate

from application.payments.till_commands import (
    CloseTill,
    OpenTill,
    ReviewTillDiscrepancy,
    TillChanged,
)
from application.store import CommandRunner, Decision, EventStore, Outcome
from domain.houses.agent import Agent, AgentDeactivatedError, agent_id
from domain.houses.house import house_id
from domain.payments.payment import Payment
from domain.payments.refund_documents import RefundBook, RefundPage, refund_book_id
from domain.payments.till import (
    Count,
    NoOpenTillError,
    Till,
    TillRegister,
    till_register_id,
)
from domain.shared.acts import Act
from domain.shared.errors import ForbiddenError, NotFoundError
from domain.shared.money import Money
from domain.shared.time import tunis_day


def open_till_of(store: EventStore, house_code: str, employee_number: str, day: date) -> Till:
    """The agent's till open at the house on that business day, or NoOpenTillError."""
    register = store.find(till_register_id(house_code, employee_number, day), TillRegister)
    till = None
    if register is not None and register.open_till is not None:
        till = store.find(register.open_till, Till)
    if till is None:
        msg = f"{employee_number} has no open till today: open one before taking or paying cash"
        raise NoOpenTillError(msg)
    return till


def cash_in(store: EventStore, payment: Payment, employee_number: str, act: Act) -> Till:
    """The cash of a payment just taken, recorded in the agent's open till (saved with it)."""
    till = open_till_of(store, payment.origin.house_code, employee_number, tunis_day(act.at))
    till.take(payment.id, payment.receipt or "", payment.captured, act)
    return till


def cash_out(store: EventStore, payment: Payment, refund_id: str, act: Act) -> list[Aggregate]:
    """A cash refund paid back: its refund document, and the cash out of the requester's till.

    The refund is handed back by the person who asked for it (at the counter, with the
    citizen): from their open till, which must hold the amount.
    """
    refund = payment.refunds[refund_id]
    employee = refund.requested_by.partition(":")[2] or refund.requested_by
    till = open_till_of(store, payment.origin.house_code, employee, tunis_day(act.at))
    document, book = next_refund_document(store, payment, refund_id, act)
    till.pay_out(payment.id, refund_id, document, refund.amount, act)
    return [*book, till]


def next_refund_document(
    store: EventStore, payment: Payment, refund_id: str, act: Act
) -> tuple[str, list[Aggregate]]:
    """The next refund document number of the house for the year, and the book's changed parts."""
    code, year = payment.origin.house_code, tunis_day(act.at).year
    book = store.find(refund_book_id(code, year), RefundBook)
    if book is None:
        book = RefundBook.open(code, year, act)
    current = book.current_page
    page = None if current is None else store.load(current, RefundPage, "page")
    if page is None or page.full:
        opened = book.open_page(page, act)
        assert isinstance(opened, RefundPage)  # noqa: S101 - a refund book opens refund pages
        return opened.document(payment.id, refund_id, act), [book, opened]
    return page.document(payment.id, refund_id, act), [page]


class TillService:
    """Tills of agents at their house."""

    def __init__(self, store: EventStore, runner: CommandRunner) -> None:
        self._store = store
        self._runner = runner

    def current(self, the_id: UUID) -> Till:
        """The till as it stands now."""
        return self._store.load(the_id, Till, "till")

    def open_till(self, command: OpenTill) -> Outcome[TillChanged]:
        """An active agent of the house opens its till with a float; one open till at a time."""

        def decide(act: Act) -> Decision[TillChanged]:
            agent = self._agent_of_house(command.house_code, command.employee_number)
            day = tunis_day(act.at)
            register = self._store.find(
                till_register_id(command.house_code, command.employee_number, day), TillRegister
            ) or TillRegister.start(command.house_code, command.employee_number, day, act)
            till = register.open_shift(agent.house_id, Money(command.float_millimes), act)
            reads = {agent.id: agent.version}
            return Decision([register, till], TillChanged(till.id), reads)

        return self._runner.run(command, decide, returns=TillChanged)

    def close_till(self, command: CloseTill) -> Outcome[TillChanged]:
        """Count and close: by the agent whose till it is, or the house's supervisor."""

        def decide(act: Act) -> Decision[TillChanged]:
            till = self._till_of_house(command.till_id, command.house_code)
            if command.agent is not None and command.agent != till.employee_number:
                raise ForbiddenError("an agent closes only its own till")
            till.close(Count.of(dict(command.count)), command.reason, act)
            register = self._store.find(
                till_register_id(till.house_code, till.employee_number, till.business_date),
                TillRegister,
            )
            changed: list[Aggregate] = [till]
            if register is not None:
                register.close_shift(till, act)
                changed.append(register)
            return Decision(changed, TillChanged(till.id))

        return self._runner.run(command, decide, returns=TillChanged)

    def review_discrepancy(self, command: ReviewTillDiscrepancy) -> Outcome[TillChanged]:
        """A supervisor who did not close the till reviews its discrepancy."""

        def decide(act: Act) -> Decision[TillChanged]:
            till = self._till_of_house(command.till_id, command.house_code)
            till.review(command.note, act)
            return Decision([till], TillChanged(till.id))

        return self._runner.run(command, decide, returns=TillChanged)

    def _agent_of_house(self, house_code: str, employee_number: str) -> Agent:
        agent = self._store.find(agent_id(employee_number), Agent)
        if agent is None or agent.house_id != house_id(house_code):
            raise NotFoundError("no agent of this house has this number")
        if not agent.active:
            raise AgentDeactivatedError("the agent has been deactivated")
        return agent

    def _till_of_house(self, the_id: UUID, house_code: str) -> Till:
        till = self._store.load(the_id, Till, "till")
        if till.house_code != house_code:
            raise NotFoundError("no till is known under this id")
        return till
