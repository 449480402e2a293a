"""The mutations of delegation grants, on the one pipeline (administrators only)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import strawberry

from api.graphql.caller import C, Caller, parse_id
from api.graphql.pipeline import InHouse, Submission, admin_mutation
from application.delegation.commands import (
    AmendDelegation,
    GrantChanged,
    GrantDelegation,
    ReinstateDelegation,
    RenewDelegation,
    RevokeDelegation,
    SuspendDelegation,
)
from domain.delegation.grant import DelegationGrant
from domain.shared.errors import NotFoundError
from domain.shared.ids import natural_id


async def visible_grant(caller: Caller, grant_id: str) -> UUID:
    """A grant's id, if it exists and (for house staff) belongs to their house."""
    uuid = parse_id(grant_id, "grantId")
    store = caller.dar.store
    grant = await caller.blocking(lambda: store.find(uuid, DelegationGrant))
    if grant is None:
        raise NotFoundError("no such delegation grant")
    await caller.house_code_of(str(grant.house_id))
    return uuid


def grant_id_for(actor: str, command_id: str) -> UUID:
    """The new grant's id follows from the command's key, so a retry names the same grant."""
    return natural_id("grant", actor, command_id)


@strawberry.input
class GrantDelegationInput(InHouse):
    partner_code: str
    convention_reference: str
    convention_version: str
    signed_on: date
    services: list[str]
    starts_on: date
    ends_on: date
    may_collect: bool
    ceiling_millimes: int | None = None

    async def to_command(self, caller: Caller) -> Submission[GrantDelegation, GrantChanged]:
        """Record the partner's delegation of the services to the house."""
        grant = grant_id_for(caller.actor, caller.key(self.command_id))
        command = await self.in_house(caller, GrantDelegation, grant_id=grant)
        return Submission(command, caller.dar.delegations.grant)


@strawberry.input(description="A command on a delegation grant, with the idempotency key.")
class OnGrant:
    command_id: str
    grant_id: strawberry.ID

    async def on_grant(self, caller: Caller, kind: type[C], /) -> C:
        """The command `kind` on the grant (staff: of their house)."""
        key = caller.key(self.command_id)  # checked before the grant is looked up
        grant = await visible_grant(caller, self.grant_id)
        return caller.command(kind, self, command_id=key, grant_id=grant)


@strawberry.input
class AmendDelegationInput(OnGrant):
    added: list[str]
    removed: list[str]

    async def to_command(self, caller: Caller) -> Submission[AmendDelegation, GrantChanged]:
        """Add and remove named services."""
        command = await self.on_grant(caller, AmendDelegation)
        return Submission(command, caller.dar.delegations.amend)


@strawberry.input(description="A grant to suspend, and why.")
class SuspendDelegationInput(OnGrant):
    reason: str

    async def to_command(self, caller: Caller) -> Submission[SuspendDelegation, GrantChanged]:
        """Suspend the grant."""
        command = await self.on_grant(caller, SuspendDelegation)
        return Submission(command, caller.dar.delegations.suspend)


@strawberry.input
class ReinstateDelegationInput(OnGrant):
    async def to_command(self, caller: Caller) -> Submission[ReinstateDelegation, GrantChanged]:
        """Lift the grant's suspension."""
        command = await self.on_grant(caller, ReinstateDelegation)
        return Submission(command, caller.dar.delegations.reinstate)


@strawberry.input
class RenewDelegationInput(OnGrant):
    ends_on: date
    convention_reference: str
    convention_version: str
    signed_on: date

    async def to_command(self, caller: Caller) -> Submission[RenewDelegation, GrantChanged]:
        """Extend the grant under the renewing convention."""
        command = await self.on_grant(caller, RenewDelegation)
        return Submission(command, caller.dar.delegations.renew)


@strawberry.input(description="A grant to end for good, and why.")
class RevokeDelegationInput(OnGrant):
    reason: str

    async def to_command(self, caller: Caller) -> Submission[RevokeDelegation, GrantChanged]:
        """End the grant for good."""
        command = await self.on_grant(caller, RevokeDelegation)
        return Submission(command, caller.dar.delegations.revoke)


@strawberry.type
class DelegationMutations:
    grant_delegation = admin_mutation(
        GrantDelegationInput, "Record a partner's delegation to a house (admin)."
    )
    amend_delegation = admin_mutation(AmendDelegationInput, "Add or remove named services (admin).")
    suspend_delegation = admin_mutation(
        SuspendDelegationInput, "Suspend a grant, with a reason (admin)."
    )
    reinstate_delegation = admin_mutation(ReinstateDelegationInput, "Lift a suspension (admin).")
    renew_delegation = admin_mutation(
        RenewDelegationInput, "Extend a grant under a renewing convention (admin)."
    )
    revoke_delegation = admin_mutation(RevokeDelegationInput, "End a grant for good (admin).")
