"""The policy other contexts call before acting (and the `mayPerform` question)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from application.store import Clock, EventStore
from domain.catalogue.service import service_id
from domain.delegation.grant import DelegationGrant
from domain.delegation.policy import Permission, permit
from domain.delegation.register import GrantRegister, register_id
from domain.houses.agent import Agent, agent_id
from domain.houses.house import house_id
from domain.partners.partner import partner_id
from domain.shared.errors import NotFoundError
from domain.shared.time import tunis_day

A = TypeVar("A", bound=Aggregate)


class DelegationPolicy:
    """Answers from the current state, or from history for a past moment."""

    def __init__(self, store: EventStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def today(self) -> date:
        """The Tunis day now, by the server's clock."""
        return tunis_day(self._clock.now())

    def may_perform(  # noqa: PLR0913 - the question has this many parts
        self,
        *,
        house_code: str,
        employee_number: str,
        partner_code: str,
        service_code: str,
        amount_millimes: int | None = None,
        at: datetime | None = None,
    ) -> Permission:
        """The permission, or a typed refusal naming the reason."""
        moment = at or self._clock.now()
        service_id(partner_code, service_code)  # validates the code's form
        house, partner = house_id(house_code), partner_id(partner_code)
        agent = self._load(agent_id(employee_number), Agent, at)
        if agent is None:
            raise NotFoundError(f"no agent {employee_number} at that moment")
        register = self._load(register_id(house, partner), GrantRegister, at)
        grant = self._grant_covering(register, moment, at)
        return permit(
            grant=grant,
            agent=agent,
            house_id=house,
            service=service_code,
            amount_millimes=amount_millimes,
            moment=moment,
        )

    def _grant_covering(
        self, register: GrantRegister | None, moment: datetime, at: datetime | None
    ) -> DelegationGrant | None:
        if register is None:
            return None
        day = tunis_day(moment)
        for entry in register.entries.values():
            if entry.validity.includes(day):
                return self._load(entry.grant_id, DelegationGrant, at)
        return None

    def _load(self, aggregate_id: UUID, kind: type[A], at: datetime | None) -> A | None:
        """Now: the current state (from the latest snapshot on); else as it stood at `at`."""
        if at is None:
            return self._store.find(aggregate_id, kind)
        return self._as_of(aggregate_id, kind, at)

    def _as_of(self, aggregate_id: UUID, kind: type[A], moment: datetime) -> A | None:
        """The aggregate as it stood at `moment` (its events up to then), or None."""
        version = 0
        for event in self._store.events.get(aggregate_id):
            if getattr(event, "timestamp", moment) > moment:
                break
            version = event.originator_version
        if version == 0:
            return None
        found: object = self._store.repository.get(aggregate_id, version=version)
        return found if isinstance(found, kind) else None
