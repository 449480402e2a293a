"""Each step on a ticket or a request is its own command; a retry sent across the split is a retry.

Before, one command carried the step in a `step` field (`TicketStep`, `RequestStep`), and the
command log holds digests of those. The two classes below are those commands as they were (same
names, same fields, same defaults): each new command must keep the digest of its old form, or the
retry of a command recorded just before an upgrade is refused as a reused key.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import pytest

from api.bootstrap import Dar
from application.commands import Command, payload_digest
from application.counter.commands import (
    AcknowledgeRequest,
    CompleteRequest,
    EndVisit,
    ForwardRequest,
    MarkNoShow,
    ParkTicket,
    RecallTicket,
    RecordPartnerDecision,
    RecordWalkAway,
    RecycleTicket,
    ResubmitRequest,
    ReturnForCorrection,
    TicketCommand,
    VisitTicket,
    WithdrawRequest,
)
from application.store import Decision, Outcome
from domain.counter.queue import TicketStateError
from domain.shared.acts import Act
from tests.support.clock import TestClock
from tests.support.counter import SERVING_A001
from tests.support.spec import Scenario


@dataclass(frozen=True)
class TicketStep(Command):
    """The ticket steps' one command, as recorded before the split."""

    house_code: str
    label: str
    step: str


@dataclass(frozen=True)
class RequestStep(Command):
    """The request steps' one command, as recorded before the split."""

    request_id: UUID
    step: str
    house_code: str | None = None
    partner_code: str | None = None
    reason: str = ""
    partner_reference: str = ""
    decision: str = ""
    documents: tuple[str, ...] = ()


KEY, AGENT, CNAM = "key-1", "agent:A17", "partner:cnam"
FILE = UUID("6f1c1e4e-2b7a-4a35-9a43-0d3f2f6b1a01")
TICKET_STEPS: list[tuple[type[TicketCommand], str]] = [
    (RecallTicket, "recall"),
    (MarkNoShow, "no_show"),
    (ParkTicket, "park"),
    (RecycleTicket, "recycle"),
    (RecordWalkAway, "walk_away"),
    (EndVisit, "end_visit"),
]
REQUEST_STEPS: list[tuple[Command, RequestStep]] = [
    (
        CompleteRequest(KEY, AGENT, FILE, "haidra"),
        RequestStep(KEY, AGENT, FILE, "complete", house_code="haidra"),
    ),
    (
        ForwardRequest(KEY, AGENT, FILE, "haidra"),
        RequestStep(KEY, AGENT, FILE, "forward", house_code="haidra"),
    ),
    (
        ResubmitRequest(KEY, AGENT, FILE, "haidra", ("Ordonnance",)),
        RequestStep(KEY, AGENT, FILE, "resubmit", house_code="haidra", documents=("Ordonnance",)),
    ),
    (
        WithdrawRequest(KEY, AGENT, FILE, "haidra", "moved away"),
        RequestStep(KEY, AGENT, FILE, "withdraw", house_code="haidra", reason="moved away"),
    ),
    (
        AcknowledgeRequest(KEY, CNAM, FILE, None, "CNAM", "CNAM-1"),
        RequestStep(
            KEY, CNAM, FILE, "acknowledge", partner_code="CNAM", partner_reference="CNAM-1"
        ),
    ),
    (
        AcknowledgeRequest(KEY, "supervisor:S1", FILE, "haidra", None, "CNAM-1"),
        RequestStep(
            KEY,
            "supervisor:S1",
            FILE,
            "acknowledge",
            house_code="haidra",
            partner_reference="CNAM-1",
        ),
    ),
    (
        ReturnForCorrection(KEY, CNAM, FILE, None, "CNAM", "unsigned"),
        RequestStep(
            KEY, CNAM, FILE, "return_for_correction", partner_code="CNAM", reason="unsigned"
        ),
    ),
    (
        RecordPartnerDecision(KEY, CNAM, FILE, None, "CNAM", "accepted", "paid"),
        RequestStep(
            KEY, CNAM, FILE, "decide", partner_code="CNAM", decision="accepted", reason="paid"
        ),
    ),
]


@pytest.mark.parametrize(("kind", "step"), TICKET_STEPS, ids=[s for _, s in TICKET_STEPS])
def test_a_ticket_step_keeps_the_digest_it_was_recorded_under(
    kind: type[TicketCommand], step: str
) -> None:
    split = kind(command_id=KEY, actor=AGENT, house_code="haidra", label="A001")
    assert payload_digest(split) == payload_digest(TicketStep(KEY, AGENT, "haidra", "A001", step))


@pytest.mark.parametrize(
    ("split", "recorded"), REQUEST_STEPS, ids=[f"{r.step}-{r.actor}" for _, r in REQUEST_STEPS]
)
def test_a_request_step_keeps_the_digest_it_was_recorded_under(
    split: Command, recorded: RequestStep
) -> None:
    assert payload_digest(split) == payload_digest(recorded)


def test_the_split_steps_stay_apart_and_keep_their_payloads_in_the_digest() -> None:
    on_a001 = {payload_digest(k(KEY, AGENT, "haidra", "A001")) for k, _ in TICKET_STEPS}
    assert len(on_a001) == len(TICKET_STEPS)
    assert payload_digest(EndVisit(KEY, AGENT, "haidra", "A002")) not in on_a001
    reasons = {WithdrawRequest(KEY, AGENT, FILE, "haidra", r) for r in ("moved", "ill")}
    assert len({payload_digest(c) for c in reasons}) == len(reasons)


def test_a_ticket_step_recorded_before_the_split_is_the_same_command_after_it(
    dar: Dar, clock: TestClock
) -> None:
    Scenario(dar, clock).given(*SERVING_A001).at("day 2 08:20")
    ended = dar.counter.end_visit(EndVisit("end-1", AGENT, "haidra", "A001"))

    def decide_again(_: Act) -> Decision[VisitTicket]:
        raise TicketStateError("A001 is done")  # the visit ended: only the recorded outcome answers

    old_form = TicketStep("end-1", AGENT, "haidra", "A001", "end_visit")
    retried = dar.runner.run(old_form, decide_again, returns=VisitTicket)
    assert retried == Outcome(ended.position, ended.value, replayed=True)
    assert dar.counter.end_visit(EndVisit("end-1", AGENT, "haidra", "A001")) == retried
    assert isinstance(retried.value.visit_id, UUID)
    assert dar.store.position() == ended.position
