"""The waiting-room screen in GraphQL: `calledTickets(houseId)`, a public subscription.

PUBLIC: no token is needed. A WebSocket whose `connection_init` payload carries no authorization
(`{}`) is anonymous and may run only this (see `api.http`). What it shows is what the room's screen
shows anyway: each called ticket's label, the counter it was called to and when, nothing of the
person holding it. Today's only (the Tunis day by the injected clock), the last called first, at
most ten. It yields the current list at once, then each time the house's list changes (a call, a
transfer to a counter, a ticket sent back to wait), never the same list twice in a row; the wake-up
is pushed by the queue read model's commits (`api.graphql.watch`).

At most `DAR_DISPLAY_SUBSCRIBERS_PER_HOUSE` (8) subscriptions per house in each API process; the
next one is refused with `TOO_MANY_SUBSCRIBERS` (retryable) and other houses are not affected.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing
from datetime import datetime
from uuid import UUID

import strawberry

from api.graphql.access import public_subscription
from api.graphql.caller import parse_id
from api.graphql.context import Context, DarInfo
from api.graphql.rows import from_row
from api.graphql.scalars import Position
from domain.shared.errors import NotFoundError
from domain.shared.time import tunis_day

SHOWN = 10  # the tickets a screen shows


@strawberry.type(description="A ticket called to a counter, as the waiting room's screen shows it.")
class CalledTicket:
    label: str
    counter: int
    called_at: datetime


@strawberry.type(description="A house's tickets called today, the last called first (at most 10).")
class CalledTickets:
    house_id: strawberry.ID
    position: Position = strawberry.field(description="The queue read model's position shown.")
    tickets: list[CalledTicket]


@strawberry.type
class DisplaySubscriptions:
    @public_subscription(
        "PUBLIC, no token needed: a house's tickets called today, for its waiting-room screen; "
        "at once, then after each change. At most DAR_DISPLAY_SUBSCRIBERS_PER_HOUSE per house "
        "(TOO_MANY_SUBSCRIBERS beyond)."
    )
    async def called_tickets(
        self, info: DarInfo, house_id: strawberry.ID
    ) -> AsyncGenerator[CalledTickets, None]:
        context = info.context
        if context.watchers is None:  # pragma: no cover - wired by create_app
            raise RuntimeError("no watchers in this context")
        house = parse_id(house_id, "houseId")
        dar, watchers = context.dar, context.watchers
        if await context.blocking(lambda: dar.houses.house_by_id(house)) is None:
            raise NotFoundError("no such house")
        with watchers.screens.screen(house):
            start = await context.blocking(lambda: dar.read.db.tracked(dar.read.queue_key))
            shown: list[CalledTicket] | None = None
            async with aclosing(watchers.queue.changes(start)) as versions:
                version = start
                while True:
                    tickets = await _called(context, house, version)
                    if tickets != shown:
                        shown = tickets
                        position = Position(version)
                        yield CalledTickets(house_id=house_id, position=position, tickets=tickets)
                    version = await anext(versions)


async def _called(context: Context, house: UUID, version: int) -> list[CalledTicket]:
    """The house's tickets called today, read once per version for all its screens."""
    if context.watchers is None:  # pragma: no cover - checked by the subscription
        raise RuntimeError("no watchers in this context")
    day = tunis_day(context.dar.clock.now())
    queue = context.dar.read.queue
    rows = await context.watchers.screens.read(
        house, version, day, lambda: context.blocking(lambda: queue.called(house, day, SHOWN))
    )
    return [from_row(CalledTicket, row) for row in rows]
