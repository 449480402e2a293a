"""The counter dashboard's tricky rules, on both stores: moves of tickets, refunds, files, expiries."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from api.bootstrap import Dar
from api.graphql.dashboard import computed
from application.counter.commands import (
    CallNextTicket,
    IssueTicket,
    ResumeTicket,
    TransferTicket,
)
from domain.houses.agent import agent_id
from domain.houses.house import house_id
from projections.dashboard.figures import Dashboard
from tests.support.clock import TestClock
from tests.support.counter import SERVING_A001
from tests.support.payments import PAYMENTS_READY
from tests.support.spec import Scenario
from tests.support.steps import request_step, ticket_step

HAIDRA = house_id("haidra")
A17, A18 = agent_id("A17"), agent_id("A18")


def board(dar: Dar) -> Dashboard:
    """Haidra's dashboard now, the read models caught up (and none of them stopped)."""
    dar.projections.prepare()
    dar.projections.catch_up()
    assert not dar.projections.failures()
    return computed(dar, HAIDRA)


def issue(dar: Dar, n: int, prefix: str = "A") -> None:
    for i in range(n):
        dar.counter.issue_ticket(
            IssueTicket(f"issue-{prefix}-{dar.store.position()}-{i}", "kiosk:1", "haidra", prefix)
        )


def call_next(dar: Dar, counter: int, employee: str, prefixes: tuple[str, ...] = ()) -> str:
    outcome = dar.counter.call_next(
        CallNextTicket(
            f"call-{dar.store.position()}",
            f"agent:{employee}",
            "haidra",
            counter,
            employee,
            prefixes,
        )
    )
    return str(outcome.values["ticket"])


def test_a_served_visit_feeds_the_figures_the_moving_average_and_the_estimated_wait(
    dar: Dar, clock: TestClock
) -> None:
    Scenario(dar, clock).given(*SERVING_A001).at("day 2 08:10")
    issue(dar, 3)  # A002..A004 wait from 08:10
    clock.advance(timedelta(minutes=6))
    ticket_step(dar, "end_visit", "end-1", "agent:A17", "A001")  # handled 6 minutes
    clock.advance(timedelta(minutes=4))
    found = board(dar)
    line_a = found.lines[0]
    assert (line_a.prefix, line_a.waiting, line_a.longest_wait_seconds) == ("A", 3, 600)
    assert (line_a.open_counters, line_a.average_handling_seconds) == (2, 360)
    assert line_a.estimated_wait_seconds == 3 * 360 // 2
    assert found.lines[1].estimated_wait_seconds == 0  # nobody waits on B
    assert found.lines[1].average_handling_seconds is None
    assert (found.today.visits, found.today.served) == (4, 1)
    served = {a.agent_id: (a.visits_served, a.average_handling_seconds) for a in found.agents}
    assert served == {A17: (1, 360), A18: (0, None)}
    assert [(c.number, c.agent_name, c.current_ticket) for c in found.counters] == [
        (1, "Agent 17", None),
        (2, "Agent 18", None),
    ]


def test_transfers_move_the_ticket_between_lines_and_free_the_counter(
    dar: Dar, clock: TestClock
) -> None:
    Scenario(dar, clock).given(*SERVING_A001).at("day 2 08:12")
    assert board(dar).counters[0].current_ticket == "A001"
    dar.counter.transfer(TransferTicket("to-b", "agent:A17", "haidra", "A001", to_prefix="B"))
    clock.advance(timedelta(minutes=1))
    found = board(dar)
    assert [(line.prefix, line.waiting, line.longest_wait_seconds) for line in found.lines] == [
        ("A", 0, 0),
        ("B", 1, 60),  # waits on B since its transfer
    ]
    assert found.counters[0].current_ticket is None
    issue(dar, 1)  # A002
    assert call_next(dar, 2, "A18", ("A",)) == "A002"
    dar.counter.transfer(TransferTicket("to-1", "agent:A18", "haidra", "A002", to_counter=1))
    found = board(dar)
    assert [line.waiting for line in found.lines] == [1, 1]  # A002 waits for counter 1
    assert [c.current_ticket for c in found.counters] == [None, None]
    assert found.today.visits == 2  # a transfer is not a new visit


def test_a_recall_changes_nothing_and_a_parked_ticket_resumed_keeps_its_first_call(
    dar: Dar, clock: TestClock
) -> None:
    Scenario(dar, clock).given(*SERVING_A001).at("day 2 08:12")
    before = board(dar)
    ticket_step(dar, "recall", "recall-1", "agent:A17", "A001")
    assert board(dar).counters == before.counters
    assert dar.read.dashboard.house_version(HAIDRA) < dar.store.position()  # not touched
    ticket_step(dar, "park", "park-1", "agent:A17", "A001")
    parked = board(dar)
    assert parked.counters[0].current_ticket is None
    assert parked.lines[0].waiting == 0  # parked is not waiting
    clock.set(datetime(2026, 1, 6, 7, 30, tzinfo=UTC))  # 08:30 in Tunis, 20 minutes after the call
    dar.counter.resume(ResumeTicket("resume-1", "agent:A17", "haidra", "A001", 1, "A17"))
    assert board(dar).counters[0].current_ticket == "A001"
    ticket_step(dar, "end_visit", "end-1", "agent:A17", "A001")
    assert board(dar).lines[0].average_handling_seconds == 20 * 60


def test_a_no_show_counts_once_per_mark_and_a_walk_away_leaves_the_queue(
    dar: Dar, clock: TestClock
) -> None:
    Scenario(dar, clock).given(*SERVING_A001).at("day 2 08:12")
    ticket_step(dar, "no_show", "ns-1", "agent:A17", "A001")
    ticket_step(dar, "recycle", "rc-1", "agent:A17", "A001")
    assert board(dar).lines[0].waiting == 1
    assert call_next(dar, 1, "A17") == "A001"
    ticket_step(dar, "no_show", "ns-2", "agent:A17", "A001")
    found = board(dar)
    assert (found.today.no_shows, found.lines[0].waiting) == (2, 0)
    issue(dar, 1)
    ticket_step(dar, "walk_away", "wa-1", "agent:A17", "A002")
    assert board(dar).lines[0].waiting == 0


def test_a_refund_waits_for_approval_then_is_taken_off_the_days_collection(
    dar: Dar, clock: TestClock
) -> None:
    scenario = Scenario(dar, clock).given(
        *SERVING_A001, *PAYMENTS_READY[-2:], "payments/steg_bill_lodged.yaml"
    )
    scenario.given("payments/steg_cash_paid.yaml", "payments/steg_refund_requested.yaml")
    scenario.at("day 2 09:01")
    found = board(dar)
    assert [(r.partner_code, r.amount_millimes) for r in found.refunds_awaiting_approval] == [
        ("STEG", 20000)
    ]
    assert [(c.partner_code, c.method, c.amount_millimes) for c in found.collected] == [
        ("STEG", "cash", 174700)
    ]
    scenario.given("payments/steg_refund_paid.yaml")
    found = board(dar)
    assert found.refunds_awaiting_approval == []
    collected = found.collected[0]
    assert (collected.amount_millimes, collected.refunded_millimes, collected.payments) == (
        154700,
        20000,
        1,
    )


def test_a_forwarded_file_is_overdue_after_its_deadline_until_the_partner_decides(
    dar: Dar, clock: TestClock
) -> None:
    scenario = Scenario(dar, clock).given(
        *SERVING_A001,
        "counter/reimbursement_lodged.yaml",
        "counter/reimbursement_forwarded.yaml",
        "counter/reimbursement_acknowledged.yaml",
    )
    clock.set(datetime(2026, 2, 17, 9, 0, tzinfo=UTC))  # its deadline: not late yet
    assert board(dar).overdue_at_partners == []
    clock.set(datetime(2026, 2, 20, 9, 0, tzinfo=UTC))  # Friday: three working days late
    [late] = board(dar).overdue_at_partners
    assert (late.partner_code, late.deadline, late.working_days_overdue) == (
        "CNAM",
        date(2026, 2, 17),
        3,
    )
    scenario.given("counter/reimbursement_returned.yaml")
    assert board(dar).overdue_at_partners == []  # back with the house
    scenario.given("counter/reimbursement_resubmitted.yaml")
    assert len(board(dar).overdue_at_partners) == 1  # at the partner's again
    request = dar.read.requests.by_receipt("HAIDRA-20260106-A001-1")
    assert request is not None
    request_step(
        dar,
        "decide",
        "refuse-1",
        "partner:CNAM",
        request.request_id,
        house=None,
        partner="CNAM",
        decision="refused",
        reason="hors délai",
    )
    found = board(dar)
    assert found.overdue_at_partners == []
    assert found.today.requests_refused == 1  # recorded today, on Haidra's file


def test_an_accreditation_is_listed_in_its_last_30_days_and_gone_once_expired(
    dar: Dar, clock: TestClock
) -> None:
    Scenario(dar, clock).given(*SERVING_A001)
    clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    assert board(dar).expiring == []  # 31 days left
    clock.set(datetime(2026, 12, 21, 9, 0, tzinfo=UTC))
    expiring = {(e.kind, e.partner_code, e.agent_id, e.days_left) for e in board(dar).expiring}
    assert ("ACCREDITATION", "STEG", A17, 10) in expiring
    assert ("GRANT", "STEG", None, 10) in expiring
    clock.set(datetime(2027, 1, 1, 9, 0, tzinfo=UTC))
    assert board(dar).expiring == []
