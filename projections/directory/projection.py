"""Projects house, agent, grant and catalogue events into the directory."""

from __future__ import annotations

from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol

from domain.catalogue.service import CatalogueService
from domain.delegation.grant import DelegationGrant, GrantState
from domain.houses.agent import Agent
from domain.houses.house import House
from domain.houses.room import CounterRoom
from projections.directory.view import (
    AccreditationRow,
    AgentRow,
    CatalogueRow,
    CounterRow,
    DirectoryWriter,
    GrantRow,
    HouseRow,
    LineRow,
)
from projections.rows import changed


class DirectoryProjection:
    """Who and what each house has: counters, lines, agents, grants; and the catalogue."""

    name = "directory"
    version = 1
    # the aggregates whose events it applies: the runner decodes no other event for it
    subscribes_to: ClassVar[tuple[type, ...]] = (
        House,
        CounterRoom,
        Agent,
        DelegationGrant,
        CatalogueService,
    )

    @property
    def key(self) -> str:
        """Tracking key and table suffix."""
        return f"{self.name}_v{self.version}"

    def apply(
        self,
        event: DomainEventProtocol[Any],
        position: int,  # noqa: ARG002 - rows here carry no position
        writer: DirectoryWriter,
    ) -> None:
        """Each event updates the rows it concerns."""
        match event:
            case House.Registered() | House.CounterAdded() | House.CounterOpened():
                self._house(event, writer)
            case House.CounterClosed() | House.ServiceLineAdded() | House.ServiceLineChanged():
                self._house(event, writer)
            case CounterRoom.Event():
                self._room(event, writer)
            case Agent.Enrolled() | Agent.Accredited() | Agent.AccreditationRevoked():
                self._agent(event, writer)
            case Agent.Deactivated():
                self._agent(event, writer)
            case DelegationGrant.Event():
                self._grant(event, writer)
            case CatalogueService.Event():
                self._catalogue(event, writer)
            case _:
                pass

    def _house(self, event: DomainEventProtocol[Any], writer: DirectoryWriter) -> None:
        house = event.originator_id
        match event:
            case House.Registered():
                writer.put_house(
                    HouseRow(
                        house,
                        event.code,
                        event.name_ar,
                        event.name_fr,
                        event.municipality,
                        event.governorate,
                    )
                )
            case House.CounterAdded():
                writer.put_counter(CounterRow(house, event.number, event.label, None))
            case House.CounterOpened() | House.CounterClosed():
                counter = writer.counter(house, event.number)
                if counter is not None:
                    agent = event.agent_id if isinstance(event, House.CounterOpened) else None
                    writer.put_counter(changed(counter, agent_id=agent))
            case House.ServiceLineAdded():
                writer.put_line(
                    LineRow(house, event.prefix, event.name, tuple(event.services), event.priority)
                )
            case House.ServiceLineChanged():
                line = writer.line(house, event.prefix)
                if line is not None:
                    writer.put_line(
                        changed(line, services=tuple(event.services), priority=event.priority)
                    )

    @staticmethod
    def _room(event: DomainEventProtocol[Any], writer: DirectoryWriter) -> None:
        """Today's holders: a day's room opening finds every counter closed (yesterday's too)."""
        match event:
            case CounterRoom.Opened():
                for number in event.counters:
                    _hold(writer, event.house_id, number, None)
            case CounterRoom.CounterOpened():
                _hold(writer, event.house_id, event.number, event.agent_id)
            case CounterRoom.CounterClosed():
                _hold(writer, event.house_id, event.number, None)

    def _agent(self, event: DomainEventProtocol[Any], writer: DirectoryWriter) -> None:
        agent = event.originator_id
        match event:
            case Agent.Enrolled():
                writer.put_agent(
                    AgentRow(
                        agent,
                        event.employee_number,
                        event.house_id,
                        event.display_name,
                        active=True,
                    )
                )
            case Agent.Accredited():
                writer.put_accreditation(
                    AccreditationRow(agent, event.partner_id, event.expires_on)
                )
            case Agent.AccreditationRevoked():
                writer.drop_accreditation(agent, event.partner_id)
            case Agent.Deactivated():
                row = writer.agent(agent)
                if row is not None:
                    writer.put_agent(changed(row, active=False))

    def _grant(self, event: DomainEventProtocol[Any], writer: DirectoryWriter) -> None:
        if isinstance(event, DelegationGrant.Granted):
            writer.put_grant(
                GrantRow(
                    event.originator_id,
                    event.house_id,
                    event.partner_id,
                    event.convention_reference,
                    event.convention_version,
                    tuple(event.services),
                    event.starts_on,
                    event.ends_on,
                    event.may_collect,
                    event.ceiling_millimes,
                    GrantState.ACTIVE.value,
                )
            )
            return
        row = writer.grant(event.originator_id)
        if row is None:
            return
        match event:
            case DelegationGrant.Amended():
                services = (set(row.services) | set(event.added)) - set(event.removed)
                writer.put_grant(changed(row, services=tuple(sorted(services))))
            case DelegationGrant.Suspended():
                writer.put_grant(changed(row, state=GrantState.SUSPENDED.value))
            case DelegationGrant.Reinstated():
                writer.put_grant(changed(row, state=GrantState.ACTIVE.value))
            case DelegationGrant.Renewed():
                writer.put_grant(
                    changed(
                        row,
                        ends_on=event.ends_on,
                        convention_reference=event.convention_reference,
                        convention_version=event.convention_version,
                    )
                )
            case DelegationGrant.Revoked():
                writer.put_grant(changed(row, state=GrantState.REVOKED.value))

    def _catalogue(self, event: DomainEventProtocol[Any], writer: DirectoryWriter) -> None:
        if isinstance(event, CatalogueService.Published):
            writer.put_service(
                CatalogueRow(
                    event.originator_id,
                    event.partner_code,
                    event.code,
                    event.name_ar,
                    event.name_fr,
                    str(event.mode),
                    str(event.fee_rule),
                    event.fee_millimes,
                    event.deadline_days,
                    withdrawn=False,
                )
            )
            return
        row = writer.service(event.originator_id)
        if row is None:
            return
        match event:
            case CatalogueService.FeeChanged():
                writer.put_service(
                    changed(row, fee_rule=str(event.fee_rule), fee_millimes=event.fee_millimes)
                )
            case CatalogueService.Withdrawn():
                writer.put_service(changed(row, withdrawn=True))


def _hold(writer: DirectoryWriter, house: UUID, number: int, agent: UUID | None) -> None:
    """The counter's row names who holds it (None: closed)."""
    counter = writer.counter(house, number)
    if counter is not None and counter.agent_id != agent:
        writer.put_counter(changed(counter, agent_id=agent))
