"""Steps on tickets and requests by name, for tests that list them in tables.

Each step is its own command and service method; the names are those of the scenario files.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from api.bootstrap import Dar
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
    RequestChanged,
    ResubmitRequest,
    ReturnForCorrection,
    TicketCommand,
    VisitTicket,
    WithdrawRequest,
)
from application.store import Outcome

TicketRun = Callable[[Any], Outcome[VisitTicket]]


def _ticket_steps(dar: Dar) -> dict[str, tuple[type[TicketCommand], TicketRun]]:
    counter = dar.counter
    return {
        "recall": (RecallTicket, counter.recall),
        "no_show": (MarkNoShow, counter.mark_no_show),
        "park": (ParkTicket, counter.park),
        "recycle": (RecycleTicket, counter.recycle),
        "walk_away": (RecordWalkAway, counter.record_walk_away),
        "end_visit": (EndVisit, counter.end_visit),
    }


def ticket_step(
    dar: Dar, step: str, command_id: str, actor: str, label: str, house: str = "haidra"
) -> Outcome[VisitTicket]:
    """Run the named step on one of today's tickets of the house."""
    kind, run = _ticket_steps(dar)[step]
    return run(kind(command_id=command_id, actor=actor, house_code=house, label=label))


def request_step(
    dar: Dar,
    step: str,
    command_id: str,
    actor: str,
    request_id: UUID,
    *,
    house: str | None = "haidra",
    partner: str | None = None,
    reason: str = "",
    reference: str = "",
    decision: str = "",
    documents: tuple[str, ...] = (),
) -> Outcome[RequestChanged]:
    """Run the named step on a request, by the house's staff or by its partner."""
    requests, house_code = dar.requests, house or ""
    runs: dict[str, Callable[[], Outcome[RequestChanged]]] = {
        "complete": lambda: requests.complete(
            CompleteRequest(command_id, actor, request_id, house_code)
        ),
        "forward": lambda: requests.forward(
            ForwardRequest(command_id, actor, request_id, house_code)
        ),
        "resubmit": lambda: requests.resubmit(
            ResubmitRequest(command_id, actor, request_id, house_code, documents)
        ),
        "withdraw": lambda: requests.withdraw(
            WithdrawRequest(command_id, actor, request_id, house_code, reason)
        ),
        "acknowledge": lambda: requests.acknowledge(
            AcknowledgeRequest(command_id, actor, request_id, house, partner, reference)
        ),
        "return_for_correction": lambda: requests.return_for_correction(
            ReturnForCorrection(command_id, actor, request_id, house, partner, reason)
        ),
        "decide": lambda: requests.record_decision(
            RecordPartnerDecision(command_id, actor, request_id, house, partner, decision, reason)
        ),
    }
    return runs[step]()
