"""Handlers of the delegation context: grants and their register (no two may overlap)."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from application.delegation.commands import (
    AmendDelegation,
    GrantChanged,
    GrantDelegation,
    ReinstateDelegation,
    RenewDelegation,
    RevokeDelegation,
    SuspendDelegation,
)
from application.store import CommandRunner, Decision, EventStore, Outcome
from domain.delegation.grant import (
    CollectionTerms,
    Convention,
    DelegationGrant,
    Validity,
    services_named,
)
from domain.delegation.register import GrantRegister, register_id
from domain.houses.house import House, house_id
from domain.partners.partner import Partner, partner_id
from domain.shared.acts import Act
from domain.shared.errors import AlreadyExistsError


class DelegationService:
    """Grants, amends, suspends, reinstates, renews and revokes delegations."""

    def __init__(self, store: EventStore, runner: CommandRunner) -> None:
        self._store = store
        self._runner = runner

    def grant(self, command: GrantDelegation) -> Outcome[GrantChanged]:
        """Record the grant and take its days in the register, together."""
        convention = Convention(
            command.convention_reference, command.convention_version, command.signed_on
        )
        services = services_named(command.services)
        validity = Validity(command.starts_on, command.ends_on)
        collection = CollectionTerms(command.may_collect, command.ceiling_millimes)

        def decide(act: Act) -> Decision[GrantChanged]:
            house = self._store.load(house_id(command.house_code), House, "house")
            partner = self._store.load(partner_id(command.partner_code), Partner, "partner")
            if self._store.find(command.grant_id, DelegationGrant) is not None:
                raise AlreadyExistsError("a grant with this id exists already")
            register = self._store.find(
                register_id(house.id, partner.id), GrantRegister
            ) or GrantRegister.open(house.id, partner.id, act)
            register.enter(command.grant_id, validity, act)
            grant = DelegationGrant.grant(
                grant_id=command.grant_id,
                partner_id=partner.id,
                house_id=house.id,
                convention=convention,
                services=services,
                validity=validity,
                collection=collection,
                act=act,
            )
            return Decision(aggregates=[register, grant], value=GrantChanged(grant.id))

        return self._runner.run(command, decide, returns=GrantChanged)

    def amend(self, command: AmendDelegation) -> Outcome[GrantChanged]:
        """Record `DelegationAmended`."""
        added, removed = (
            services_named(command.added, "added"),
            services_named(command.removed, "removed"),
        )
        return self._change(command.grant_id, command, lambda g, act: g.amend(added, removed, act))

    def suspend(self, command: SuspendDelegation) -> Outcome[GrantChanged]:
        """Record `DelegationSuspended`: from this position on, no act may rely on it."""
        return self._change(
            command.grant_id, command, lambda g, act: g.suspend(command.reason, act)
        )

    def reinstate(self, command: ReinstateDelegation) -> Outcome[GrantChanged]:
        """Record `DelegationReinstated`."""
        return self._change(command.grant_id, command, lambda g, act: g.reinstate(act))

    def renew(self, command: RenewDelegation) -> Outcome[GrantChanged]:
        """Extend the grant and its days in the register, together."""
        convention = Convention(
            command.convention_reference, command.convention_version, command.signed_on
        )

        def decide(act: Act) -> Decision[GrantChanged]:
            grant = self.get(command.grant_id)
            register = self._register_of(grant)
            grant.renew(command.ends_on, convention, act)
            register.extend(grant.id, command.ends_on, act)
            return Decision(aggregates=[grant, register], value=GrantChanged(grant.id))

        return self._runner.run(command, decide, returns=GrantChanged)

    def revoke(self, command: RevokeDelegation) -> Outcome[GrantChanged]:
        """Revoke the grant and free its days in the register, together."""

        def decide(act: Act) -> Decision[GrantChanged]:
            grant = self.get(command.grant_id)
            register = self._register_of(grant)
            grant.revoke(command.reason, act)
            register.release(grant.id, act)
            return Decision(aggregates=[grant, register], value=GrantChanged(grant.id))

        return self._runner.run(command, decide, returns=GrantChanged)

    def get(self, grant_id: UUID) -> DelegationGrant:
        """The grant with this id."""
        return self._store.load(grant_id, DelegationGrant, "delegation grant")

    def _register_of(self, grant: DelegationGrant) -> GrantRegister:
        return self._store.load(
            register_id(grant.house_id, grant.partner_id), GrantRegister, "grant register"
        )

    def _change(
        self,
        grant_id: UUID,
        command: AmendDelegation | SuspendDelegation | ReinstateDelegation,
        change: Callable[[DelegationGrant, Act], None],
    ) -> Outcome[GrantChanged]:
        def decide(act: Act) -> Decision[GrantChanged]:
            grant = self.get(grant_id)
            change(grant, act)
            return Decision(aggregates=[grant], value=GrantChanged(grant.id))

        return self._runner.run(command, decide, returns=GrantChanged)
