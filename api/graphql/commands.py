"""The mutation path of the modules not yet on the one pipeline (`api.graphql.pipeline`).

Delete this module once the last of them is ported.
"""

from __future__ import annotations

from collections.abc import Callable

import strawberry

from api.graphql.caller import checked_command_id, own_house_only, parse_id
from api.graphql.context import Context
from api.graphql.pipeline import CommandResult, counted
from api.graphql.scalars import Position
from application.store import Outcome

__all__ = ["CommandResult", "checked_command_id", "counted", "own_house_only", "parse_id"]


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
