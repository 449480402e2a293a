"""The queue's transitions and refusals as given-when-then specifications, on both stores."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from api.bootstrap import Dar
from application.counter.commands import (
    CallNextTicket,
    IssueTicket,
    ResumeTicket,
    TransferTicket,
)
from application.houses.commands import CloseCounter
from application.store import Outcome
from domain.counter.desk import CounterBusyError
from domain.counter.queue import QueueEmptyError, TicketStateError
from domain.houses.house import CounterStateError
from domain.shared.errors import NotFoundError, ValidationError
from tests.support.clock import TestClock
from tests.support.spec import Scenario
from tests.support.steps import ticket_step

OPEN = ("delegation/haidra_staffed.yaml", "counter/haidra_open.yaml")
Action = Callable[[Dar], Outcome]


def issue(prefix: str = "A", priority: str | None = None) -> Action:
    return lambda d: d.counter.issue_ticket(
        IssueTicket(
            command_id=f"issue-{prefix}-{priority}",
            actor="kiosk:1",
            house_code="haidra",
            prefix=prefix,
            priority=priority,
        )
    )


def call(counter: int = 1, employee: str = "A17", key: str = "call") -> Action:
    return lambda d: d.counter.call_next(
        CallNextTicket(
            command_id=key,
            actor=f"agent:{employee}",
            house_code="haidra",
            counter=counter,
            employee_number=employee,
        )
    )


def step(name: str, label: str = "A001") -> Action:
    return lambda d: ticket_step(d, name, f"{name}-{label}", "agent:A17", label)


def resume(counter: int = 1, employee: str = "A17") -> Action:
    return lambda d: d.counter.resume(
        ResumeTicket(
            command_id="resume",
            actor=f"agent:{employee}",
            house_code="haidra",
            label="A001",
            counter=counter,
            employee_number=employee,
        )
    )


def close(counter: int = 1) -> Action:
    return lambda d: d.counter.close_counter(
        CloseCounter(
            command_id="close", actor="agent:A17", house_code="haidra", number=counter, agent="A17"
        )
    )


def transfer(to_prefix: str | None = None, to_counter: int | None = None) -> Action:
    return lambda d: d.counter.transfer(
        TransferTicket(
            command_id="transfer",
            actor="agent:A17",
            house_code="haidra",
            label="A001",
            to_prefix=to_prefix,
            to_counter=to_counter,
        )
    )


ISSUED = ("counter/a001_issued.yaml",)
CALLED = (*ISSUED, "counter/a001_called.yaml")


@pytest.mark.parametrize(
    ("given", "at", "action", "expected"),
    [
        ((), "day 2 08:00", issue(), "counter/a001_issued.yaml"),
        (ISSUED, "day 2 08:05", issue(priority="elderly"), "counter/a002_priority_issued.yaml"),
        (ISSUED, "day 2 08:10", call(), "counter/a001_called.yaml"),
        (
            (*ISSUED, "counter/a002_priority_issued.yaml"),
            "day 2 08:10",
            call(),
            "counter/a002_called_first.yaml",
        ),
        (CALLED, "day 2 08:12", step("recall"), "counter/a001_recalled.yaml"),
        (CALLED, "day 2 08:12", step("no_show"), "counter/a001_no_show.yaml"),
        (CALLED, "day 2 08:12", step("park"), "counter/a001_parked.yaml"),
        (CALLED, "day 2 08:12", step("recycle"), "counter/a001_recycled.yaml"),
        (CALLED, "day 2 08:12", step("end_visit"), "counter/a001_ended.yaml"),
        (CALLED, "day 2 08:12", transfer(to_counter=2), "counter/a001_to_counter_2.yaml"),
        (CALLED, "day 2 08:12", transfer(to_prefix="B"), "counter/a001_to_line_b.yaml"),
        (
            (*CALLED, "counter/a001_parked.yaml"),
            "day 2 08:20",
            resume(),
            "counter/a001_resumed.yaml",
        ),
        (ISSUED, "day 2 08:30", step("walk_away"), "counter/a001_walked_away.yaml"),
        ((*CALLED, "counter/a001_ended.yaml"), "day 2 12:00", close(), "counter/closed_1.yaml"),
    ],
    ids=[
        "issue",
        "issue-priority",
        "call-next",
        "priority-first",
        "recall",
        "no-show",
        "park",
        "recycle",
        "end-visit",
        "transfer-to-counter",
        "transfer-to-line",
        "resume",
        "walk-away",
        "close-a-free-counter",
    ],
)
def test_a_ticket_moves(
    dar: Dar, clock: TestClock, given: tuple[str, ...], at: str, action: Action, expected: str
) -> None:
    Scenario(dar, clock).given(*OPEN, *given).at(at).when(action).then(expected)


@pytest.mark.parametrize(
    ("given", "action", "refusal"),
    [
        ((), issue("Z"), NotFoundError),
        ((), issue(priority="vip"), ValidationError),
        ((), call(), QueueEmptyError),
        (ISSUED, call(employee="A18"), CounterStateError),
        (ISSUED, call(counter=3), NotFoundError),
        ((*CALLED, "counter/a002_priority_issued.yaml"), call(key="again"), CounterBusyError),
        (ISSUED, step("recall"), TicketStateError),
        (ISSUED, step("end_visit"), TicketStateError),
        (CALLED, step("walk_away"), TicketStateError),
        ((*ISSUED, "counter/a001_walked_away.yaml"), step("end_visit"), TicketStateError),
        (ISSUED, step("recall", "A404"), NotFoundError),
        (CALLED, transfer(to_counter=1), ValidationError),
        (CALLED, transfer(to_prefix="A"), ValidationError),
        (CALLED, transfer(), ValidationError),
        (ISSUED, transfer(to_counter=2), TicketStateError),
        (ISSUED, resume(), TicketStateError),
        (CALLED, close(), CounterBusyError),
        (
            (*CALLED, "counter/a001_parked.yaml", "counter/a002_priority_issued.yaml"),
            resume(counter=2, employee="A17"),
            CounterStateError,
        ),
    ],
    ids=[
        "issue-on-an-unknown-line",
        "issue-an-unknown-priority",
        "call-an-empty-queue",
        "call-from-a-counter-held-by-another",
        "call-from-a-missing-counter",
        "call-while-serving",
        "recall-a-waiting-ticket",
        "end-a-waiting-ticket",
        "walk-away-while-called",
        "end-after-walking-away",
        "recall-an-unknown-ticket",
        "transfer-to-the-same-counter",
        "transfer-to-the-same-line",
        "transfer-nowhere",
        "transfer-a-waiting-ticket",
        "resume-a-waiting-ticket",
        "close-a-serving-counter",
        "resume-at-a-counter-held-by-another",
    ],
)
def test_a_ticket_move_is_refused(
    dar: Dar, clock: TestClock, given: tuple[str, ...], action: Action, refusal: type[Exception]
) -> None:
    Scenario(dar, clock).given(*OPEN, *given).at("day 2 08:40").when(action).then_raises(refusal)
