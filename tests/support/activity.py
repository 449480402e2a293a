"""Ordinary days at Haidra's counter 1, through the application services: a realistic history.

Each day A17 opens the counter and its till, serves the tickets of line A in turn (a bill paid in
cash, a duplicate lodged, a contact recorded, a citizen called who does not come), and closes the
counter and its till (balanced).
"""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from api.bootstrap import Dar
from application.counter.commands import (
    CallNextTicket,
    IssueTicket,
    LodgeRequest,
    RecordContact,
)
from application.houses.commands import CloseCounter, OpenCounter
from application.payments.commands import RecordCashPayment
from infrastructure.fixtures.loader import fixture_time
from tests.support.clock import TestClock
from tests.support.steps import ticket_step
from tests.support.tills import close_balanced, open_till

AGENT = "agent:A17"


class Activity:
    """Commands of Haidra's counter 1 under fresh keys, on a test clock."""

    def __init__(self, dar: Dar, clock: TestClock, citizen: UUID) -> None:
        self._dar = dar
        self._clock = clock
        self._citizen = citizen
        self._n = 0

    def end_scenario_visit(self) -> None:
        """The payments scenario left A001 (day 2) at counter 1, still open: end it."""
        self._clock.set(fixture_time("day 2 08:20"))
        self._step("A001", "end_visit")

    def days(self, first: int, count: int, tickets: int) -> None:
        """`count` business days from fixture day `first`, `tickets` tickets each."""
        for day in range(first, first + count):
            self.day(day, tickets)

    def day(self, day: int, tickets: int) -> None:
        """One day: open (every counter starts a business day closed), serve every ticket, close."""
        self._clock.set(fixture_time(f"day {day} 08:00"))
        self._dar.houses.open_counter(OpenCounter(self._key(), AGENT, "haidra", 1, "A17"))
        till = open_till(self._dar)
        for ticket in range(tickets):
            self._serve(ticket)
        self._dar.counter.close_counter(CloseCounter(self._key(), AGENT, "haidra", 1, "A17"))
        close_balanced(self._dar, till)

    def _serve(self, ticket: int) -> None:
        dar = self._dar
        dar.counter.issue_ticket(IssueTicket(self._key(), "kiosk:1", "haidra", "A"))
        self._clock.advance(timedelta(minutes=2))
        called = dar.counter.call_next(CallNextTicket(self._key(), AGENT, "haidra", 1, "A17"))
        label = called.values["ticket"]
        match ticket % 4:
            case 0:
                request = self._lodge(label, "BILL_PAYMENT", ())
                reference = f"4001-{self._n:06d}"
                dar.payments.record_cash(
                    RecordCashPayment(self._key(), AGENT, "haidra", request, "A17", reference)
                )
            case 1:
                self._lodge(label, "BILL_DUPLICATE", ("bill.pdf",))
            case 2:
                dar.requests.record_contact(
                    RecordContact(
                        self._key(), AGENT, "haidra", label, "information", "STEG", "tarif"
                    )
                )
            case _:
                self._step(label, "no_show")
                return
        self._clock.advance(timedelta(minutes=5))
        self._step(label, "end_visit")

    def _lodge(self, label: str, service: str, documents: tuple[str, ...]) -> UUID:
        command = LodgeRequest(
            self._key(), AGENT, "haidra", label, "A17", self._citizen, "STEG", service, documents
        )
        return UUID(self._dar.requests.lodge(command).values["request_id"])

    def _step(self, label: str, step: str) -> None:
        ticket_step(self._dar, step, self._key(), AGENT, label)

    def _key(self) -> str:
        self._n += 1
        return f"activity-{self._n}"
