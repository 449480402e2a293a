"""The queue read model follows the tickets through every move, on both stores."""

from __future__ import annotations

from datetime import date, timedelta

from api.bootstrap import Dar
from application.counter.commands import CallNextTicket, IssueTicket, TransferTicket
from domain.houses.house import house_id
from tests.support.clock import TestClock
from tests.support.spec import Scenario
from tests.support.steps import ticket_step

DAY = date(2026, 1, 6)


def test_the_queue_read_model_shows_each_ticket_where_it_stands(dar: Dar, clock: TestClock) -> None:
    Scenario(dar, clock).given("delegation/haidra_staffed.yaml", "counter/haidra_open.yaml").at(
        "day 2 08:00"
    )
    for n, priority in enumerate((None, None, "pregnant", None)):
        dar.counter.issue_ticket(
            IssueTicket(
                command_id=f"t{n}",
                actor="kiosk:1",
                house_code="haidra",
                prefix="A",
                priority=priority,
            )
        )
    called = []
    for counter, employee in ((1, "A17"), (2, "A18")):
        outcome = dar.counter.call_next(
            CallNextTicket(
                command_id=f"call-{counter}",
                actor=f"agent:{employee}",
                house_code="haidra",
                counter=counter,
                employee_number=employee,
            )
        )
        called.append(outcome.values["ticket"])
    assert called == ["A003", "A001"]  # the pregnant citizen first, then the longest wait

    def step(label: str, name: str) -> None:
        ticket_step(dar, name, f"{name}-{label}", "agent:A17", label)

    clock.advance(timedelta(minutes=7))
    step("A003", "end_visit")
    dar.counter.transfer(
        TransferTicket(
            command_id="tr", actor="agent:A18", house_code="haidra", label="A001", to_prefix="B"
        )
    )
    step("A002", "walk_away")
    dar.projections.prepare()
    dar.projections.catch_up()

    rows = {r.label: r for r in dar.read.queue.tickets(house_id("haidra"), DAY)}
    assert {label: (r.line, r.status) for label, r in rows.items()} == {
        "A001": ("B", "waiting"),
        "A002": ("A", "walked_away"),
        "A003": ("A", "done"),
        "A004": ("A", "waiting"),
    }
    assert rows["A003"].priority == "pregnant"
    served = rows["A003"]
    assert served.called_at is not None
    assert served.ended_at == served.called_at + timedelta(minutes=7)
    assert rows["A001"].issued_at < rows["A001"].waiting_since
