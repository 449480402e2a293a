"""A partner's back office: the files it decided, those past their deadline, those arriving.

Each is limited to one partner as `partnerInbox` is: a `partner` user names its own partner (another
partner's files are none to it), and a house supervisor, who records a partner's answers given on
paper, sees the files of its own house only. Files are shown as every request is (the citizen by
id only), their lateness counted at query time in the house's working days on the injected clock.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import date
from functools import partial
from uuid import UUID

import strawberry

from api.auth import Principal, Role
from api.graphql.access import PARTNER_SIDE, query, subscription
from api.graphql.caller import parse_id
from api.graphql.context import Context, DarInfo
from api.graphql.cursors import cursor, position_after
from api.graphql.enums import PartnerDecision
from api.graphql.requests import OPEN_AT_PARTNER, Request, house_of, requests_of
from api.graphql.scalars import Position
from domain.shared.errors import NotFoundError, ValidationError
from domain.shared.time import tunis_day
from projections.requests.view import DecisionFilter, PartnerScope, RequestRow, RequestsReader

DECIDED = "decided"  # the name of the decision history's cursors


@strawberry.type(description="A page of the files a partner decided, latest decided first.")
class PartnerDecisionPage:
    items: list[Request]
    end_cursor: str | None
    has_next_page: bool


@strawberry.type(description="Files that went to a partner (forwarded, or sent again corrected).")
class PartnerArrivals:
    position: Position = strawberry.field(
        description="Where the last of these files was sent; pass it as afterPosition to resume."
    )
    files: list[Request] = strawberry.field(description="In the order they were sent.")


def partner_scope(
    principal: Principal, partner_code: str, house: UUID | None = None
) -> PartnerScope | None:
    """The files of `partner_code` the caller may see (None: none at all).

    A partner user sees its own partner's files in every house (or in `house`); a supervisor
    those of its own house, and another house is none (NOT_FOUND), as for every house object.
    """
    if principal.role is Role.PARTNER and principal.partner != partner_code:
        return None
    own = house_of(principal)
    if own is None:
        return PartnerScope(partner_code, house)
    if house not in {None, own}:
        raise NotFoundError("no such house")
    return PartnerScope(partner_code, own)


def _first(context: Context, first: int) -> int:
    limit = context.dar.settings.max_page_size
    if not 1 <= first <= limit:
        raise ValidationError("first", f"1 to {limit}")
    return first


def _period(decided_from: date | None, decided_to: date | None) -> None:
    if decided_from and decided_to and decided_from > decided_to:
        raise ValidationError("decidedTo", "the period ends before it starts")


def _decision_page(context: Context, rows: list[RequestRow], first: int) -> PartnerDecisionPage:
    shown = rows[:first]
    last = shown[-1].decided_position if shown else None
    return PartnerDecisionPage(
        items=requests_of(context, shown),
        end_cursor=None if last is None else cursor(DECIDED, last),
        has_next_page=len(rows) > first,
    )


def _overdue(
    context: Context, reader: RequestsReader, scope: PartnerScope, first: int
) -> list[Request]:
    """The `first` files at the partner most past their deadline (by a working day or more).

    A file returned for correction is the house's to send again, not late at the partner. Among
    files as late, the one due first comes first, then the one lodged first. Files are read in
    that order a page at a time, until those due later cannot be later than the `first` found:
    no house has more working days than the national calendar, so it bounds their lateness.
    """
    today = tunis_day(context.dar.clock.now())
    national = reader.national()
    found: list[Request] = []
    after: tuple[date, int] | None = None
    while True:
        rows = reader.past_deadline(scope, OPEN_AT_PARTNER, today, after=after, limit=first)
        late = [f for f in requests_of(context, rows) if f.overdue_working_days > 0]
        # a stable sort: among files as late, those read first (due first) stay first
        found = sorted([*found, *late], key=lambda f: -f.overdue_working_days)[:first]
        if len(rows) < first:
            return found
        last = rows[-1]
        after = (last.due_on or today, last.lodged_position)
        at_most = national.working_days_between(after[0], today)  # for every file due later
        if len(found) == first and at_most <= found[-1].overdue_working_days:
            return found


@strawberry.type
class PartnerSideQueries:
    @query(
        PARTNER_SIDE,
        "The files a partner decided, latest decided first, a page at a time (partner: its own; "
        "supervisor: its house's). The period's days are Tunisian days, both included.",
    )
    async def partner_decisions(  # noqa: PLR0913, PLR0917 - the history's filters
        self,
        info: DarInfo,
        partner_code: str,
        decision: PartnerDecision | None = None,
        house_id: strawberry.ID | None = None,
        service_code: str | None = None,
        decided_from: date | None = None,
        decided_to: date | None = None,
        first: int = 50,
        after: str | None = None,
        at_least_position: Position | None = None,
    ) -> PartnerDecisionPage:
        context = info.context
        first = _first(context, first)
        _period(decided_from, decided_to)
        house = parse_id(house_id, "houseId") if house_id is not None else None
        scope = partner_scope(context.authenticate(), partner_code, house)
        if scope is None:
            return PartnerDecisionPage(items=[], end_cursor=None, has_next_page=False)
        where = DecisionFilter(
            partner_code=scope.partner_code,
            decisions=(decision.value,) if decision else (),
            house_id=scope.house_id,
            service_code=service_code,
            decided_from=decided_from,
            decided_to=decided_to,
            before=position_after(DECIDED, after),
        )
        return await context.read(
            "requests",
            at_least_position,
            lambda r: _decision_page(context, r.requests.decided(where, limit=first + 1), first),
        )

    @query(
        PARTNER_SIDE,
        "A partner's files past their deadline in working days, most overdue first "
        "(partner: its own; supervisor: its house's).",
    )
    async def partner_overdue(
        self,
        info: DarInfo,
        partner_code: str,
        first: int = 50,
        at_least_position: Position | None = None,
    ) -> list[Request]:
        context = info.context
        first = _first(context, first)
        scope = partner_scope(context.authenticate(), partner_code)
        if scope is None:
            return []
        return await context.read(
            "requests", at_least_position, lambda r: _overdue(context, r.requests, scope, first)
        )


@strawberry.type
class PartnerSideSubscriptions:
    @subscription(
        PARTNER_SIDE,
        "Files arriving at a partner (forwarded, or sent again corrected) after afterPosition, "
        "or from now on without it (partner: its own; supervisor: its house's).",
    )
    async def partner_files_arriving(
        self, info: DarInfo, partner_code: str, after_position: Position | None = None
    ) -> AsyncGenerator[PartnerArrivals, None]:
        context = info.context
        if context.watchers is None:  # pragma: no cover - wired by create_app
            raise RuntimeError("no watchers in this context")
        scope = partner_scope(context.authenticate(), partner_code)
        if scope is None:
            return
        reader = context.dar.read.requests
        seen = after_position
        if seen is None:
            seen = Position(await context.blocking(reader.last_arrival))
        async for version in context.watchers.arrivals.changes(seen):
            async for arrivals in _arrived(context, scope, seen):
                seen = arrivals.position
                yield arrivals
            seen = Position(max(seen, version))


async def _arrived(
    context: Context, scope: PartnerScope, after: int
) -> AsyncGenerator[PartnerArrivals, None]:
    """The scope's files sent after `after`, a page at a time (none: nothing yielded)."""
    context.authenticate()  # the token may have expired while the socket stayed open
    reader, limit = context.dar.read.requests, context.dar.settings.max_page_size
    while True:
        rows = await context.blocking(partial(reader.arrivals, scope, after=after, limit=limit))
        if not rows:
            return
        after = rows[-1].sent_position or after
        files = await context.blocking(partial(requests_of, context, rows))
        yield PartnerArrivals(position=Position(after), files=files)
        if len(rows) < limit:
            return
