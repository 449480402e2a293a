"""Requests and contacts within a visit, as given-when-then specifications on both stores."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

import pytest

from api.bootstrap import Dar
from application.citizens.commands import EraseCitizen
from application.counter.commands import LodgeRequest, RecordContact
from application.store import Outcome
from domain.citizens.citizen import CitizenErasedError
from domain.citizens.mandate import MandateNotInForceError
from domain.counter.queue import TicketStateError
from domain.counter.request import MissingDocumentsError, RequestStateError
from domain.delegation.policy import DelegationNotInForceError, ServiceNotDelegatedError
from domain.shared.errors import NotFoundError, ValidationError
from tests.support.citizens import register
from tests.support.clock import TestClock
from tests.support.counter import SERVING_A001
from tests.support.spec import Scenario
from tests.support.steps import request_step

READY = SERVING_A001
DOCUMENTS = ("Bulletin de soins", "Ordonnance", "Facture pharmacie")
Action = Callable[[Dar], Outcome]


def lodge(
    partner: str = "STEG",
    service: str = "BILL_DUPLICATE",
    documents: tuple[str, ...] = (),
    *,
    present: bool = True,
    label: str = "A001",
) -> Action:
    def run(d: Dar) -> Outcome:
        citizen = d.__dict__["citizen"]
        return d.requests.lodge(
            LodgeRequest(
                command_id="lodge",
                actor="agent:A17",
                house_code="haidra",
                label=label,
                employee_number="A17",
                citizen_id=citizen,
                partner_code=partner,
                service_code=service,
                documents=documents,
                citizen_present=present,
            )
        )

    return run


def reimbursement(present: bool = True) -> Action:  # noqa: FBT001, FBT002
    return lodge("CNAM", "REIMBURSEMENT_FILE", DOCUMENTS, present=present)


def step(
    name: str, *, partner: str | None = None, actor: str = "agent:A17", **fields: str
) -> Action:
    def run(d: Dar) -> Outcome:
        request = d.__dict__.get("request") or _only_request(d)
        return request_step(
            d,
            name,
            f"step-{name}",
            actor,
            request,
            house=None if partner else "haidra",
            partner=partner,
            reason=fields.get("reason", ""),
            reference=fields.get("reference", ""),
            decision=fields.get("decision", ""),
            documents=tuple(fields["documents"].split("|")) if "documents" in fields else (),
        )

    return run


def _only_request(d: Dar) -> UUID:
    from domain.counter.request import CitizenRequest  # noqa: PLC0415

    for n in d.store.recorder.select_notifications(start=1, limit=10_000):
        event = d.store.mapper.to_domain_event(n)
        if isinstance(event, CitizenRequest.Lodged):
            return event.originator_id
    raise AssertionError("no request lodged")


CNAM = "partner:cnam-kasserine"


def contact(kind: str = "information") -> Action:
    return lambda d: d.requests.record_contact(
        RecordContact(
            command_id="contact",
            actor="agent:A17",
            house_code="haidra",
            label="A001",
            kind=kind,
            partner_code="SONEDE",
            topic="how to read the new water meter",
        )
    )


@pytest.fixture
def ready(dar: Dar, clock: TestClock) -> Scenario:
    scenario = Scenario(dar, clock).given(*READY).at("day 2 08:13")
    dar.__dict__["citizen"] = register(dar, "01234567", "Amel Ben Salah")
    return scenario


LODGED = "counter/reimbursement_lodged.yaml"
FORWARDED = (LODGED, "counter/reimbursement_forwarded.yaml")
AT_PARTNER = (*FORWARDED, "counter/reimbursement_acknowledged.yaml")
RETURNED = (*AT_PARTNER, "counter/reimbursement_returned.yaml")


@pytest.mark.parametrize(
    ("given", "at", "action", "expected"),
    [
        ((), "day 2 08:14", contact(), "counter/contact_recorded.yaml"),
        ((), "day 2 08:15", lodge(), "counter/duplicate_lodged.yaml"),
        ((), "day 2 08:15", reimbursement(), LODGED),
        (
            ("counter/duplicate_lodged.yaml",),
            "day 2 08:16",
            step("complete"),
            "counter/duplicate_completed.yaml",
        ),
        ((LODGED,), "day 2 08:16", step("forward"), "counter/reimbursement_forwarded.yaml"),
        (
            FORWARDED,
            "day 3 10:00",
            step("acknowledge", partner="CNAM", actor=CNAM, reference="CNAM-KAS-2026-00417"),
            "counter/reimbursement_acknowledged.yaml",
        ),
        (
            AT_PARTNER,
            "day 4 10:00",
            step(
                "return_for_correction",
                partner="CNAM",
                actor=CNAM,
                reason="the care bulletin is not signed by the doctor",
            ),
            "counter/reimbursement_returned.yaml",
        ),
        (
            RETURNED,
            "day 5 09:00",
            step("resubmit", documents="Bulletin de soins signé"),
            "counter/reimbursement_resubmitted.yaml",
        ),
        (
            AT_PARTNER,
            "day 8 11:00",
            step(
                "decide",
                partner="CNAM",
                actor=CNAM,
                decision="accepted",
                reason="reimbursed at the agreed rate",
            ),
            "counter/reimbursement_accepted.yaml",
        ),
        (
            FORWARDED,
            "day 3 09:00",
            step("withdraw", reason="the citizen will go to the CNAM office"),
            "counter/reimbursement_withdrawn.yaml",
        ),
    ],
    ids=[
        "contact",
        "lodge-immediate",
        "lodge-forwarded",
        "complete",
        "forward",
        "acknowledge",
        "return-for-correction",
        "resubmit",
        "decide",
        "withdraw",
    ],
)
def test_a_request_moves(
    ready: Scenario, given: tuple[str, ...], at: str, action: Action, expected: str
) -> None:
    ready.given(*given).at(at).when(action).then(expected)


def erase(d: Dar) -> None:
    d.citizens.erase_citizen(
        EraseCitizen(
            command_id="erase", actor="admin:1", citizen_id=d.__dict__["citizen"], reason="r"
        )
    )


@pytest.mark.parametrize(
    ("given", "action", "refusal"),
    [
        ((), lodge("STEG", "NEW_CONNECTION", ("CIN",)), ServiceNotDelegatedError),
        ((), lodge("STEG", "NO_SUCH_SERVICE"), NotFoundError),
        ((), lodge("CNAM", "REIMBURSEMENT_FILE", ("Ordonnance",)), MissingDocumentsError),
        (("counter/steg_suspended.yaml",), lodge(), DelegationNotInForceError),
        ((), reimbursement(present=False), MandateNotInForceError),
        (("counter/a001_parked.yaml",), lodge(), TicketStateError),
        ((), lodge(label="A404"), NotFoundError),
        ((), contact("gossip"), ValidationError),
        (("counter/duplicate_lodged.yaml",), step("forward"), RequestStateError),
        ((LODGED,), step("complete"), RequestStateError),
        (
            (LODGED,),
            step("decide", partner="CNAM", actor=CNAM, decision="accepted", reason="r"),
            RequestStateError,
        ),
        (
            FORWARDED,
            step("acknowledge", partner="STEG", actor="partner:steg", reference="X"),
            NotFoundError,
        ),
        (
            FORWARDED,
            step("decide", partner="CNAM", actor=CNAM, decision="maybe", reason="r"),
            ValidationError,
        ),
        (
            (*AT_PARTNER, "counter/reimbursement_accepted.yaml"),
            step("withdraw", reason="r"),
            RequestStateError,
        ),
    ],
    ids=[
        "a-service-not-delegated",
        "a-service-not-in-the-catalogue",
        "missing-documents",
        "under-a-suspended-grant",
        "absent-citizen-without-mandate",
        "ticket-not-at-the-counter",
        "unknown-ticket",
        "unknown-contact-kind",
        "forward-an-immediate-service",
        "complete-a-forwarded-service",
        "decide-before-forwarding",
        "another-partner",
        "unknown-decision",
        "withdraw-after-the-decision",
    ],
)
def test_a_request_step_is_refused(
    ready: Scenario, given: tuple[str, ...], action: Action, refusal: type[Exception]
) -> None:
    ready.given(*given).at("day 2 08:20").when(action).then_raises(refusal)


def test_an_erased_citizen_gets_no_new_request(ready: Scenario) -> None:
    erase(ready.dar)
    ready.when(lodge()).then_raises(CitizenErasedError)


def test_an_absent_citizens_file_relies_on_their_mandate(ready: Scenario) -> None:
    from application.citizens.commands import GrantMandate  # noqa: PLC0415

    ready.given_command(
        lambda d: d.citizens.grant_mandate(
            GrantMandate(
                command_id="mandate",
                actor="agent:A17",
                citizen_id=d.__dict__["citizen"],
                house_code="haidra",
                scopes=("partner:CNAM",),
                duration="1m",
                consent_kind="paper_form",
                consent_reference="F-12",
            )
        )
    )
    ready.at("day 2 08:15").when(reimbursement(present=False)).then(
        "counter/reimbursement_lodged_by_mandate.yaml"
    )
