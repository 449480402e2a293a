"""Two agents calling next on the same line at once never get the same ticket (both stores)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

from api.bootstrap import Dar
from application.counter.commands import CallNextTicket, EndVisit, IssueTicket
from application.errors import ConflictError, StoreBusyError
from domain.counter.queue import QueueEmptyError
from tests.support.clock import TestClock
from tests.support.spec import Scenario

TICKETS = 30
AGENTS = {1: "A17", 2: "A18"}


def serve_until_empty(dar: Dar, counter: int, barrier: Barrier) -> list[str]:
    employee, n = AGENTS[counter], 0
    served: list[str] = []
    barrier.wait()
    while True:
        n += 1
        try:
            outcome = dar.counter.call_next(
                CallNextTicket(
                    command_id=f"call-{counter}-{n}",
                    actor=f"agent:{employee}",
                    house_code="haidra",
                    counter=counter,
                    employee_number=employee,
                )
            )
        except QueueEmptyError:
            return served
        except (ConflictError, StoreBusyError):
            continue  # another counter won, or the store was busy past its bound: call again
        label = outcome.values["ticket"]
        served.append(label)
        while True:
            try:
                dar.counter.end_visit(
                    EndVisit(
                        command_id=f"end-{label}",
                        actor=f"agent:{employee}",
                        house_code="haidra",
                        label=label,
                    )
                )
                break
            except (ConflictError, StoreBusyError):
                continue


def test_two_counters_calling_at_once_never_share_a_ticket(dar: Dar, clock: TestClock) -> None:
    Scenario(dar, clock).given("delegation/haidra_staffed.yaml", "counter/haidra_open.yaml").at(
        "day 2 08:00"
    )
    for i in range(TICKETS):
        dar.counter.issue_ticket(
            IssueTicket(command_id=f"t{i}", actor="kiosk:1", house_code="haidra", prefix="A")
        )
    barrier = Barrier(len(AGENTS))
    with ThreadPoolExecutor(len(AGENTS)) as pool:
        futures = [pool.submit(serve_until_empty, dar, c, barrier) for c in AGENTS]
        served = [f.result() for f in futures]
    every = served[0] + served[1]
    assert len(every) == len(set(every)) == TICKETS
    assert all(served), "both counters served: the calls did race"
