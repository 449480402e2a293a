"""Partners in GraphQL: `partners`, `partner`, `registerPartner`, `renamePartner`, subscription."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime

import strawberry

from api.graphql.access import ADMIN, EVERYONE, query, subscription
from api.graphql.caller import Caller
from api.graphql.context import DarInfo
from api.graphql.inputs import PartnerInput, validated
from api.graphql.pipeline import Submission, mutation
from api.graphql.rows import Answer, from_row
from api.graphql.scalars import Position
from application.partners.commands import RegisterPartner, RenamePartner
from application.partners.service import PartnerChanged
from domain.shared.errors import ValidationError


@strawberry.type(description="A national body that delegates services to the houses.")
class Partner:
    partner_id: strawberry.ID = strawberry.field(name="id")
    code: str
    name_ar: str
    name_fr: str
    registered_at: datetime


@strawberry.input(description="A partner's code and official names, with the idempotency key.")
class PartnerNames:
    command_id: str = strawberry.field(
        description="Client-chosen key; a retry returns the first outcome."
    )
    code: str
    name_ar: str
    name_fr: str

    def checked(self) -> PartnerInput:
        """The key, the code and the names, well formed."""
        return validated(PartnerInput, **vars(self))


@strawberry.input(description="A partner body to register, with the idempotency key.")
class RegisterPartnerInput(PartnerNames):
    async def to_command(self, caller: Caller) -> Submission[RegisterPartner, PartnerChanged]:
        """Register the partner under its code."""
        command = RegisterPartner(actor=caller.actor, **self.checked().model_dump())
        return Submission(command, caller.dar.partners.register_partner)


@strawberry.input(description="A partner's new official names, with the idempotency key.")
class RenamePartnerInput(PartnerNames):
    async def to_command(self, caller: Caller) -> Submission[RenamePartner, PartnerChanged]:
        """Record the partner's new names."""
        command = RenamePartner(actor=caller.actor, **self.checked().model_dump())
        return Submission(command, caller.dar.partners.rename_partner)


@strawberry.type(description="What a partner command did.")
class PartnerCommandResult(Answer[PartnerChanged]):
    partner_id: strawberry.ID
    position: Position = strawberry.field(
        description="Log position of the command's last event; pass it as atLeastPosition."
    )
    replayed: bool = strawberry.field(
        description="True when this is the retry of a recorded command."
    )


@strawberry.type(description="The partners read model after a change.")
class PartnersChange:
    position: Position
    partners: list[Partner]


@strawberry.type
class PartnerQueries:
    @query(EVERYONE, "Registered partners ordered by code, a page at a time.")
    async def partners(
        self,
        info: DarInfo,
        first: int = 50,
        after: str | None = None,
        at_least_position: Position | None = None,
    ) -> list[Partner]:
        context = info.context
        limit = context.dar.settings.max_page_size
        if not 1 <= first <= limit:
            raise ValidationError("first", f"must be between 1 and {limit}")
        rows = await context.read(
            "partners", at_least_position, lambda r: r.partners.list(limit=first, after_code=after)
        )
        return [from_row(Partner, r) for r in rows]

    @query(EVERYONE, "One partner by code, or null.")
    async def partner(
        self,
        info: DarInfo,
        code: str,
        at_least_position: Position | None = None,
    ) -> Partner | None:
        row = await info.context.read(
            "partners", at_least_position, lambda r: r.partners.by_code(code)
        )
        return from_row(Partner, row) if row else None


@strawberry.type
class PartnerMutations:
    register_partner = mutation(
        RegisterPartnerInput, PartnerCommandResult, ADMIN, "Register a partner body (admin)."
    )
    rename_partner = mutation(
        RenamePartnerInput,
        PartnerCommandResult,
        ADMIN,
        "Record a partner's new official names (admin).",
    )


@strawberry.type
class PartnerSubscriptions:
    @subscription(EVERYONE, "The partners (first page) each time one is registered or renamed.")
    async def partners_changed(
        self, info: DarInfo, after_position: Position | None = None
    ) -> AsyncGenerator[PartnersChange, None]:
        context = info.context
        if context.watchers is None:  # pragma: no cover - wired by create_app
            raise RuntimeError("no watchers in this context")
        dar = context.dar
        async for version in context.watchers.partners.changes(after_position or 0):
            context.authenticate()  # the token may have expired while the socket stayed open
            rows = await context.blocking(
                lambda: dar.read.partners.list(limit=dar.settings.max_page_size)
            )
            yield PartnersChange(
                position=Position(version), partners=[from_row(Partner, r) for r in rows]
            )
