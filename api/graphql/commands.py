"""What every mutation shares: its result, its run on a worker thread, its metrics."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

import strawberry

from api.auth import STAFF, Principal
from api.graphql.context import Context
from api.graphql.inputs import CommandIdInput, validated
from api.graphql.scalars import Position
from application.store import Outcome
from domain.shared.errors import DarError, NotFoundError, ValidationError


@strawberry.type(description="What a command did.")
class CommandResult:
    id: strawberry.ID = strawberry.field(description="The object the command created or changed.")
    position: Position = strawberry.field(
        description="Log position of the command's last event; pass it as atLeastPosition."
    )
    replayed: bool = strawberry.field(
        description="True when this is the retry of a recorded command."
    )


def checked_command_id(value: str) -> str:
    """A client's idempotency key, well formed."""
    return validated(CommandIdInput, command_id=value).command_id


async def counted(context: Context, name: str, call: Callable[[], Outcome]) -> Outcome:
    """Run a command on a worker thread, counting its outcome (recorded, replayed, refused)."""
    try:
        outcome = await context.blocking(call)
    except DarError as error:
        context.metrics.commands.labels(name, error.code).inc()
        raise
    context.metrics.commands.labels(name, "replayed" if outcome.replayed else "recorded").inc()
    return outcome


async def run_command(
    context: Context, name: str, call: Callable[[], Outcome], id_key: str
) -> CommandResult:
    """Run a command, counting its outcome; the object it names, its position."""
    outcome = await counted(context, name, call)
    return CommandResult(
        id=strawberry.ID(outcome.values[id_key]),
        position=Position(outcome.position),
        replayed=outcome.replayed,
    )


def own_house_only(principal: Principal, house_code: str | None) -> None:
    """House staff see and act only in their own house; another house looks like no house."""
    if principal.role in STAFF and principal.house != house_code:
        raise NotFoundError("no such house")


def parse_id(value: strawberry.ID, field: str) -> UUID:
    """A UUID argument, or a VALIDATION error naming the field."""
    try:
        return UUID(str(value))
    except ValueError:
        raise ValidationError(field, "is not an id") from None
