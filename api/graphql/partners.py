"""Partners in GraphQL: `partners`, `partner`, `registerPartner`, `renamePartner`, subscription."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from datetime import datetime

import strawberry

from api.graphql.access import ACCESS
from api.graphql.context import Context, DarInfo
from api.graphql.freshness import wait_for_position
from api.graphql.inputs import PartnerInput, validated
from api.graphql.scalars import Position
from application.partners.commands import RegisterPartner, RenamePartner
from application.partners.service import PartnerOutcome
from domain.shared.errors import DarError, ValidationError
from projections.partners.view import PartnerRow


@strawberry.type(description="A national body that delegates services to the houses.")
class Partner:
    id: strawberry.ID
    code: str
    name_ar: str
    name_fr: str
    registered_at: datetime

    @classmethod
    def from_row(cls, row: PartnerRow) -> Partner:
        """The GraphQL view of a row."""
        return cls(
            id=strawberry.ID(str(row.partner_id)),
            code=row.code,
            name_ar=row.name_ar,
            name_fr=row.name_fr,
            registered_at=row.registered_at,
        )


@strawberry.input(description="A partner's code and official names, with the idempotency key.")
class PartnerNamesInput:
    command_id: str = strawberry.field(
        description="Client-chosen key; a retry returns the first outcome."
    )
    code: str
    name_ar: str
    name_fr: str


@strawberry.type(description="What a partner command did.")
class PartnerCommandResult:
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


async def _list(info: DarInfo, first: int, after: str | None) -> list[Partner]:
    context = info.context
    limit = context.dar.settings.max_page_size
    if not 1 <= first <= limit:
        raise ValidationError("first", f"must be between 1 and {limit}")
    rows = await context.blocking(
        lambda: context.dar.read.partners.list(limit=first, after_code=after)
    )
    return [Partner.from_row(r) for r in rows]


@strawberry.type
class PartnerQueries:
    @strawberry.field(description="Registered partners ordered by code, a page at a time.")
    async def partners(
        self,
        info: DarInfo,
        first: int = 50,
        after: str | None = None,
        at_least_position: Position | None = None,
    ) -> list[Partner]:
        info.context.require(*ACCESS["partners"])
        await wait_for_position(
            info.context.dar, [info.context.dar.read.partners_key], at_least_position
        )
        return await _list(info, first, after)

    @strawberry.field(description="One partner by code, or null.")
    async def partner(
        self,
        info: DarInfo,
        code: str,
        at_least_position: Position | None = None,
    ) -> Partner | None:
        info.context.require(*ACCESS["partner"])
        dar = info.context.dar
        await wait_for_position(dar, [dar.read.partners_key], at_least_position)
        row = await info.context.blocking(lambda: dar.read.partners.by_code(code))
        return Partner.from_row(row) if row else None


async def _run(
    context: Context, name: str, call: Callable[[], PartnerOutcome]
) -> PartnerCommandResult:
    """Run a command on a worker thread, counting its outcome."""
    try:
        done = await context.blocking(call)
    except DarError as error:
        context.metrics.commands.labels(name, error.code).inc()
        raise
    context.metrics.commands.labels(name, "replayed" if done.replayed else "recorded").inc()
    return PartnerCommandResult(
        partner_id=strawberry.ID(str(done.partner_id)),
        position=Position(done.position),
        replayed=done.replayed,
    )


@strawberry.type
class PartnerMutations:
    @strawberry.mutation(description="Register a partner body (admin).")
    async def register_partner(
        self, info: DarInfo, input: PartnerNamesInput
    ) -> PartnerCommandResult:
        principal = info.context.require(*ACCESS["registerPartner"])
        data = validated(PartnerInput, **vars(input))
        command = RegisterPartner(actor=principal.actor, **data.model_dump())
        service = info.context.dar.partners
        return await _run(
            info.context, "registerPartner", lambda: service.register_partner(command)
        )

    @strawberry.mutation(description="Record a partner's new official names (admin).")
    async def rename_partner(self, info: DarInfo, input: PartnerNamesInput) -> PartnerCommandResult:
        principal = info.context.require(*ACCESS["renamePartner"])
        data = validated(PartnerInput, **vars(input))
        command = RenamePartner(actor=principal.actor, **data.model_dump())
        service = info.context.dar.partners
        return await _run(info.context, "renamePartner", lambda: service.rename_partner(command))


@strawberry.type
class PartnerSubscriptions:
    @strawberry.subscription(
        description="The partners (first page) each time one is registered or renamed."
    )
    async def partners_changed(
        self, info: DarInfo, after_position: Position | None = None
    ) -> AsyncGenerator[PartnersChange, None]:
        context = info.context
        context.require(*ACCESS["partnersChanged"])
        if context.watchers is None:  # pragma: no cover - wired by create_app
            raise RuntimeError("no watchers in this context")
        dar = context.dar
        async for version in context.watchers.partners.changes(after_position or 0):
            context.authenticate()  # the token may have expired while the socket stayed open
            rows = await context.blocking(
                lambda: dar.read.partners.list(limit=dar.settings.max_page_size)
            )
            yield PartnersChange(
                position=Position(version), partners=[Partner.from_row(r) for r in rows]
            )
