"""Compliance replayed from the log alone: every act not covered at its log position.

The acts are a request lodged, a payment collected and a refund approved. Each is judged against
the state, as of its position in the log, of what it relied on (the grant, the agent and, for an
absent citizen, the mandate its event names), by the rules the commands enforce at the act's time:
`domain.delegation.cover.uncovered` for the grant (in force, for this house and partner and naming
the service) and the accreditation (the agent of this house accredited for the partner); the
mandate of this house covering the act's scope (`Mandate.covering`).
A suspension or revocation takes effect at its position: an act after it in the log is uncovered.

A payment is judged where Dar checks it, when it is made (`Payment.Initiated`: a card payment's
opening, or cash taken in the same commit), and listed when it is collected (`Payment.Captured`);
a refund approval is judged at its own position against the payment's grant and agent (the rule
with which `approve_refund` refuses it).

The log is read once, in order, through the event store (no read model); only the state of each
grant, agent, mandate and payment is kept, not the events.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import Aggregate, DomainEvent
from eventsourcing.utils import get_topic

from application.audit.replay import logged
from application.store import EventStore
from domain.citizens.mandate import PAYMENTS, Mandate
from domain.counter.request import CitizenRequest
from domain.delegation.cover import Cover, uncovered
from domain.delegation.grant import DelegationGrant
from domain.houses.agent import Agent
from domain.payments.payment import Payment
from domain.shared.time import tunis_day

_STATEFUL: tuple[type[Aggregate], ...] = (DelegationGrant, Agent, Mandate)


class ActKind(StrEnum):
    """The acts that must be covered."""

    REQUEST_LODGED = "REQUEST_LODGED"
    PAYMENT_COLLECTED = "PAYMENT_COLLECTED"
    REFUND_APPROVED = "REFUND_APPROVED"


@dataclass(frozen=True)
class Uncovered:
    """An act, at its log position, and the covers it lacked there."""

    position: int
    kind: ActKind
    at: datetime
    house_id: UUID
    partner_code: str
    service_code: str
    actor: str
    missing: tuple[Cover, ...]


@dataclass(frozen=True)
class _Relied:
    """What an act relied on, as its event names it."""

    house_id: UUID
    partner_code: str
    service_code: str
    grant_id: UUID
    agent_id: UUID
    mandate_id: UUID | None
    absent: bool


@dataclass(frozen=True)
class _Payment:
    relied: _Relied
    missing: tuple[Cover, ...]


def _topics() -> tuple[str, ...]:
    events: list[type] = [
        e
        for cls in _STATEFUL
        for e in vars(cls).values()
        if isinstance(e, type) and issubclass(e, DomainEvent)
    ]
    acts = (CitizenRequest.Lodged, Payment.Initiated, Payment.Captured, Payment.RefundApproved)
    return tuple(get_topic(e) for e in (*events, *acts))


class ComplianceFromLog:
    """Replays the log and lists every act not covered at its position."""

    def __init__(self, store: EventStore) -> None:
        self._store = store
        self._topics = _topics()

    def report(
        self,
        day_from: date | None = None,
        day_to: date | None = None,
        house_id: UUID | None = None,
        up_to: int | None = None,
    ) -> list[Uncovered]:
        """The uncovered acts, in log order, of these Tunis days and house (all, if None)."""
        replay = _Replay()
        found: list[Uncovered] = []
        for position, event in logged(self._store, self._topics, up_to):
            line = replay.add(position, event)
            if line is None:
                continue
            day = tunis_day(line.at)
            if day_from is not None and day < day_from:
                continue
            if day_to is not None and day > day_to:
                continue
            if house_id is None or line.house_id == house_id:
                found.append(line)
        return found


class _Replay:
    """The state of grants, agents, mandates and payments as of the position reached."""

    def __init__(self) -> None:
        self._state: dict[UUID, Aggregate] = {}
        self._payments: dict[UUID, _Payment] = {}
        self._absent: set[UUID] = set()  # the requests lodged for an absent citizen

    def add(self, position: int, event: object) -> Uncovered | None:
        """Apply one event; the line it makes, if it is an uncovered act."""
        match event:
            case CitizenRequest.Lodged():
                relied = _Relied(
                    event.house_id,
                    event.partner_code,
                    event.service_code,
                    event.grant_id,
                    event.agent_id,
                    event.mandate_id,
                    absent=not event.citizen_present,
                )
                if relied.absent:
                    self._absent.add(event.originator_id)
                scope = f"service:{event.partner_code}/{event.service_code}"
                missing = self._missing(relied, event.timestamp, scope)
                return _line(position, ActKind.REQUEST_LODGED, event, relied, missing)
            case Payment.Initiated():
                relied = _Relied(
                    event.house_id,
                    event.partner_code,
                    event.service_code,
                    event.grant_id,
                    event.agent_id,
                    event.mandate_id,
                    absent=event.request_id in self._absent,
                )
                missing = self._missing(relied, event.timestamp, PAYMENTS)
                self._payments[event.originator_id] = _Payment(relied, missing)
                return None
            case Payment.Captured():
                paid = self._payments[event.originator_id]
                return _line(position, ActKind.PAYMENT_COLLECTED, event, paid.relied, paid.missing)
            case Payment.RefundApproved():
                paid = self._payments[event.originator_id]
                missing = self._missing(paid.relied, event.timestamp, None)
                return _line(position, ActKind.REFUND_APPROVED, event, paid.relied, missing)
            case _:
                self._apply(event)
                return None

    def _apply(self, event: object) -> None:
        """A grant's, agent's or mandate's event, applied to its state (the only others read)."""
        if isinstance(event, Aggregate.Event):
            had = self._state.get(event.originator_id)
            now = event.mutate(had)
            if now is not None:
                self._state[event.originator_id] = now

    def _missing(self, relied: _Relied, at: datetime, scope: str | None) -> tuple[Cover, ...]:
        missing = uncovered(
            grant=self._state.get(relied.grant_id),
            agent=self._state.get(relied.agent_id),
            house_id=relied.house_id,
            partner_code=relied.partner_code,
            service_code=relied.service_code,
            moment=at,
        )
        if scope is not None and relied.absent:
            mandate = self._state.get(relied.mandate_id) if relied.mandate_id else None
            if not (
                isinstance(mandate, Mandate)
                and mandate.house_id == relied.house_id
                and mandate.covering(scope, at) is not None
            ):
                missing = (*missing, Cover.MANDATE)
        return missing


def _line(
    position: int,
    kind: ActKind,
    event: Aggregate.Event,
    relied: _Relied,
    missing: tuple[Cover, ...],
) -> Uncovered | None:
    if not missing:
        return None
    return Uncovered(
        position=position,
        kind=kind,
        at=event.timestamp,
        house_id=relied.house_id,
        partner_code=relied.partner_code,
        service_code=relied.service_code,
        actor=str(getattr(event, "actor", "")),
        missing=missing,
    )
