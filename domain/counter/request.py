"""A citizen's request for a partner's service, lodged during a visit.

Immediate services complete at the counter. Forwarded ones are submitted to the partner, which
acknowledges them (its reference), may return them for correction (they are then resubmitted),
and decides: accepted, refused or closed, with a reason. The citizen may withdraw a request that
is not decided. The request keeps what it relied on when lodged: the grant and the agent's
accreditation (declared as read by the lodging command) and, for an absent citizen, the mandate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from uuid import UUID

from domain.delegation.policy import Permission
from domain.shared.acts import Act, DarAggregate
from domain.shared.errors import (
    DarError,
    InvalidTransitionError,
    UnchangedError,
    ValidationError,
)


class RequestStatus(StrEnum):
    """Where a request stands."""

    LODGED = "lodged"
    COMPLETED = "completed"
    SUBMITTED = "submitted"
    AT_PARTNER = "at_partner"
    RETURNED = "returned_for_correction"
    RESUBMITTED = "resubmitted"
    ACCEPTED = "accepted"
    REFUSED = "refused"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


FINAL = frozenset(
    {
        RequestStatus.COMPLETED,
        RequestStatus.ACCEPTED,
        RequestStatus.REFUSED,
        RequestStatus.CLOSED,
        RequestStatus.WITHDRAWN,
    }
)


class PartnerDecision(StrEnum):
    """What a partner decides on a file: the request's final status."""

    ACCEPTED = RequestStatus.ACCEPTED.value
    REFUSED = RequestStatus.REFUSED.value
    CLOSED = RequestStatus.CLOSED.value


DECISIONS = tuple(RequestStatus(d.value) for d in PartnerDecision)


class RequestStateError(InvalidTransitionError):
    """The request is not in a state that allows this step."""


class MissingDocumentsError(DarError):
    """Documents the service requires were not presented."""

    code = "MISSING_DOCUMENTS"


@dataclass(frozen=True)
class Reliance:
    """What the lodging relied on: grant, accreditation and (absent citizen) mandate versions."""

    grant_id: UUID
    grant_version: int
    agent_id: UUID
    agent_version: int
    mandate_id: UUID | None = None
    mandate_version: int | None = None

    @classmethod
    def of(cls, permission: Permission, mandate: tuple[UUID, int] | None = None) -> Reliance:
        """What an act relies on: the policy's permission and, for an absent citizen, a mandate."""
        mandate_id, mandate_version = mandate or (None, None)
        return cls(
            permission.grant_id,
            permission.grant_version,
            permission.agent_id,
            permission.agent_version,
            mandate_id,
            mandate_version,
        )


def checked_documents(presented: tuple[str, ...], required: tuple[str, ...]) -> tuple[str, ...]:
    """The documents presented, each once; refused when a required one is missing."""
    given = tuple(dict.fromkeys(d.strip() for d in presented if d.strip()))
    missing = [d for d in required if d not in given]
    if missing:
        raise MissingDocumentsError("missing: " + ", ".join(missing))
    if any(len(d) > 100 for d in given):
        raise ValidationError("documents", "a document's name is at most 100 characters")
    return given


class CitizenRequest(DarAggregate):
    """One request for one partner's service."""

    class Lodged(DarAggregate.Created):
        house_id: UUID
        visit_id: UUID
        citizen_id: UUID
        citizen_present: bool
        partner_code: str
        service_code: str
        mode: str
        documents: tuple[str, ...]
        receipt: str
        due_on: date | None
        grant_id: UUID
        grant_version: int
        agent_id: UUID
        agent_version: int
        mandate_id: UUID | None
        mandate_version: int | None

    class Completed(DarAggregate.Event):
        def apply(self, aggregate: CitizenRequest) -> None:
            """Done at the counter."""
            aggregate.status = RequestStatus.COMPLETED

    class Forwarded(DarAggregate.Event):
        def apply(self, aggregate: CitizenRequest) -> None:
            """Sent to the partner's back office."""
            aggregate.status = RequestStatus.SUBMITTED
            aggregate.submissions += 1

    class Acknowledged(DarAggregate.Event):
        partner_reference: str

        def apply(self, aggregate: CitizenRequest) -> None:
            """The partner has it, under its own reference."""
            aggregate.status = RequestStatus.AT_PARTNER
            aggregate.partner_reference = self.partner_reference

    class ReturnedForCorrection(DarAggregate.Event):
        reason: str

        def apply(self, aggregate: CitizenRequest) -> None:
            """The partner wants something corrected or completed."""
            aggregate.status = RequestStatus.RETURNED

    class Resubmitted(DarAggregate.Event):
        documents: tuple[str, ...]

        def apply(self, aggregate: CitizenRequest) -> None:
            """Sent again, corrected."""
            aggregate.status = RequestStatus.RESUBMITTED
            aggregate.submissions += 1
            aggregate.documents = tuple(dict.fromkeys((*aggregate.documents, *self.documents)))

    class Decided(DarAggregate.Event):
        decision: str
        reason: str

        def apply(self, aggregate: CitizenRequest) -> None:
            """The partner's decision."""
            aggregate.status = RequestStatus(self.decision)

    class DeliveryConfirmed(DarAggregate.Event):
        submission: int
        partner_receipt: str

        def apply(self, aggregate: CitizenRequest) -> None:
            """The partner's system received this sending of the file."""
            aggregate.delivered = self.submission

    class Withdrawn(DarAggregate.Event):
        reason: str

        def apply(self, aggregate: CitizenRequest) -> None:
            """The citizen gave it up."""
            aggregate.status = RequestStatus.WITHDRAWN

    def __init__(  # noqa: PLR0913, PLR0917 - the created event's fields
        self,
        house_id: UUID,
        visit_id: UUID,
        citizen_id: UUID,
        citizen_present: bool,  # noqa: FBT001
        partner_code: str,
        service_code: str,
        mode: str,
        documents: tuple[str, ...],
        receipt: str,
        due_on: date | None,
        grant_id: UUID,
        grant_version: int,
        agent_id: UUID,
        agent_version: int,
        mandate_id: UUID | None,
        mandate_version: int | None,
    ) -> None:
        self.house_id = house_id
        self.visit_id = visit_id
        self.citizen_id = citizen_id
        self.citizen_present = citizen_present
        self.partner_code = partner_code
        self.service_code = service_code
        self.mode = mode
        self.documents = tuple(documents)
        self.receipt = receipt
        self.due_on = due_on
        self.reliance = Reliance(
            grant_id, grant_version, agent_id, agent_version, mandate_id, mandate_version
        )
        self.status = RequestStatus.LODGED
        self.partner_reference: str | None = None
        self.submissions = 0  # times the file was sent to the partner (forwarded, resubmitted)
        self.delivered = 0  # the last sending the partner's system confirmed receiving

    @classmethod
    def lodge(  # noqa: PLR0913 - what a lodged request records
        cls,
        *,
        request_id: UUID,
        house_id: UUID,
        visit_id: UUID,
        citizen_id: UUID,
        citizen_present: bool,
        service: tuple[str, str, str],
        documents: tuple[str, ...],
        receipt: str,
        due_on: date | None,
        reliance: Reliance,
        act: Act,
    ) -> CitizenRequest:
        """Lodge a request (partner, service code, mode) relying on a grant and accreditation."""
        partner_code, service_code, mode = service
        return cls._create(
            cls.Lodged,
            id=request_id,
            timestamp=act.at,
            actor=act.actor,
            command_id=act.command_id,
            house_id=house_id,
            visit_id=visit_id,
            citizen_id=citizen_id,
            citizen_present=citizen_present,
            partner_code=partner_code,
            service_code=service_code,
            mode=mode,
            documents=documents,
            receipt=receipt,
            due_on=due_on,
            grant_id=reliance.grant_id,
            grant_version=reliance.grant_version,
            agent_id=reliance.agent_id,
            agent_version=reliance.agent_version,
            mandate_id=reliance.mandate_id,
            mandate_version=reliance.mandate_version,
        )

    @property
    def forwarded(self) -> bool:
        """A service the partner's back office decides."""
        return self.mode == "forwarded"

    def complete(self, act: Act) -> None:
        """An immediate service is done at the counter."""
        self._require(RequestStatus.LODGED)
        if self.forwarded:
            raise RequestStateError("a forwarded service is forwarded, not completed")
        self._record(self.Completed, act)

    def forward(self, act: Act) -> None:
        """Send a forwarded service's file to the partner."""
        self._require(RequestStatus.LODGED)
        if not self.forwarded:
            raise RequestStateError("an immediate service is completed at the counter")
        self._record(self.Forwarded, act)

    def acknowledge(self, partner_reference: str, act: Act) -> None:
        """The partner received the file, under its reference."""
        self._require(RequestStatus.SUBMITTED, RequestStatus.RESUBMITTED)
        reference = partner_reference.strip()
        if not reference or len(reference) > 60:
            raise ValidationError("partnerReference", "must be 1 to 60 characters")
        self._record(self.Acknowledged, act, partner_reference=reference)

    def return_for_correction(self, reason: str, act: Act) -> None:
        """The partner sends the file back to be corrected."""
        self._require(RequestStatus.SUBMITTED, RequestStatus.AT_PARTNER, RequestStatus.RESUBMITTED)
        self._record(self.ReturnedForCorrection, act, reason=_reason(reason))

    def resubmit(self, documents: tuple[str, ...], act: Act) -> None:
        """Send the corrected file again, with any documents added."""
        self._require(RequestStatus.RETURNED)
        added = tuple(dict.fromkeys(d.strip() for d in documents if d.strip()))
        self._record(self.Resubmitted, act, documents=added)

    def decide(self, decision: str, reason: str, act: Act) -> None:
        """The partner's decision: accepted, refused or closed."""
        self._require(RequestStatus.SUBMITTED, RequestStatus.AT_PARTNER, RequestStatus.RESUBMITTED)
        try:
            outcome = RequestStatus(decision)
        except ValueError:
            outcome = None
        if outcome not in DECISIONS:
            raise ValidationError("decision", "accepted, refused or closed")
        self._record(self.Decided, act, decision=decision, reason=_reason(reason))

    def confirm_delivery(self, submission: int, partner_receipt: str, act: Act) -> None:
        """The partner's system received sending number `submission`: recorded once.

        A file is sent once when forwarded and again at each resubmission; each sending is
        confirmed by itself, and a confirmation of a sending already confirmed (or of an earlier
        one) records nothing.
        """
        if not 1 <= submission <= self.submissions:
            raise RequestStateError(f"the file was not sent a {submission}th time")
        if submission <= self.delivered:
            raise UnchangedError("the partner has already confirmed receiving this file")
        receipt = partner_receipt.strip()
        if not receipt or len(receipt) > 60:
            raise ValidationError("partnerReceipt", "must be 1 to 60 characters")
        self._record(self.DeliveryConfirmed, act, submission=submission, partner_receipt=receipt)

    def withdraw(self, reason: str, act: Act) -> None:
        """The citizen gives the request up, before any decision."""
        if self.status in FINAL:
            raise RequestStateError(f"the request is {self.status.value}")
        self._record(self.Withdrawn, act, reason=_reason(reason))

    def _require(self, *allowed: RequestStatus) -> None:
        if self.status not in allowed:
            wanted = " or ".join(s.value for s in allowed)
            raise RequestStateError(f"the request is {self.status.value}, not {wanted}")


def _reason(reason: str) -> str:
    if not reason.strip() or len(reason) > 500:
        raise ValidationError("reason", "must be 1 to 500 characters")
    return reason.strip()
