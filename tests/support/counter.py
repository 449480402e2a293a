"""A counter ready to lodge requests: Haidra open, grants and catalogue in place, A001 at counter 1."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from uuid import UUID, uuid4

from fastapi.testclient import TestClient

from api.bootstrap import Dar, bootstrap
from api.http import create_app
from application.counter.commands import LodgeRequest
from application.store import Outcome
from infrastructure.settings import Settings
from tests.support.citizens import register
from tests.support.clock import TestClock
from tests.support.spec import Scenario

# A17 serves A001 at counter 1; STEG duplicates and CNAM reimbursement files are delegated.
SERVING_A001 = (
    "delegation/haidra_staffed.yaml",
    "counter/haidra_open.yaml",
    "counter/requests_ready.yaml",
    "counter/a001_issued.yaml",
    "counter/a001_called.yaml",
)


def counter_ready(settings: Settings) -> tuple[Dar, UUID]:
    """Dar on a test clock at day 2 08:15 with A001 being served, and a registered citizen."""
    clock = TestClock()
    dar = bootstrap(settings, clock)
    Scenario(dar, clock).given(*SERVING_A001).at("day 2 08:15")
    return dar, register(dar, "01234567", "Amel Ben Salah")


def lodge(
    dar: Dar,
    citizen: UUID,
    partner: str,
    service: str,
    documents: tuple[str, ...],
    *,
    present: bool = True,
) -> Outcome:
    """A17 lodges a request for the citizen at A001.

    A new key each time, in a namespace of its own: a key made from the store's position (as before)
    could equal a key that a test's own counter makes (`lodge-40`), and be refused as reused.
    """
    return dar.requests.lodge(
        LodgeRequest(
            command_id=f"support-lodge-{uuid4().hex}",
            actor="agent:A17",
            house_code="haidra",
            label="A001",
            employee_number="A17",
            citizen_id=citizen,
            partner_code=partner,
            service_code=service,
            documents=documents,
            citizen_present=present,
        )
    )


@contextmanager
def served(settings: Settings, dar: Dar) -> Iterator[TestClient]:
    """The API over this Dar, its read models caught up; Dar closed afterwards."""
    dar.projections.prepare()
    dar.projections.catch_up()
    try:
        with TestClient(create_app(settings, dar)) as client:
            yield client
    finally:
        dar.close()
