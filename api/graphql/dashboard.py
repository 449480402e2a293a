"""The counter dashboard in GraphQL: the `counterDashboard` query and subscription.

House staff see their own house's (another house is NOT_FOUND), administrators any house's. A
supervisor or an administrator sees every agent's figures, an agent only its own row. The
figures that depend on "now" are computed when asked, from Dar's clock.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import date, datetime
from functools import partial
from uuid import UUID

import strawberry

from api.auth import STAFF, Role
from api.bootstrap import Dar
from api.graphql.access import ADMIN, query, subscription
from api.graphql.caller import Caller
from api.graphql.context import DarInfo
from api.graphql.rows import from_row
from api.graphql.scalars import Position
from domain.houses.agent import agent_id
from domain.houses.house import house_id as house_id_of
from domain.payments.payment import Method
from domain.shared.money import Money
from domain.shared.time import tunis_day
from projections.dashboard import figures
from projections.dashboard.figures import dashboard


@strawberry.type(description="A service line's queue now.")
class DashboardLine:
    prefix: str = strawberry.field(description='The line\'s ticket prefix, e.g. "A".')
    name: str
    waiting: int
    longest_wait_seconds: int = strawberry.field(description="0 when nobody waits.")
    open_counters: int = strawberry.field(
        description="Counters open today (each calls from every line of the house)."
    )
    average_handling_seconds: int | None = strawberry.field(
        description="Mean handling time of the line's last 20 visits ended; null before any."
    )
    estimated_wait_seconds: int | None = strawberry.field(
        description="Waiting tickets x average handling time / open counters; null if unknown."
    )


@strawberry.type(description="A counter open today, its agent and the ticket it serves now.")
class DashboardCounter:
    number: int
    agent_id: strawberry.ID | None
    agent_name: str | None
    current_ticket: str | None = strawberry.field(description="The ticket at the counter now.")
    called_at: datetime | None


@strawberry.type(description="The house's counts of the business day.")
class DayFigures:
    visits: int = strawberry.field(description="Tickets issued (each starts a visit).")
    served: int = strawberry.field(description="Visits ended at a counter.")
    contacts: int = strawberry.field(description="Information given and redirections.")
    requests_on_the_spot: int = strawberry.field(description="Requests completed at the counter.")
    requests_forwarded: int = strawberry.field(description="Requests sent to the partner.")
    requests_refused: int = strawberry.field(
        description="Refusals the partners recorded today on the house's files."
    )
    no_shows: int


@strawberry.type(description="Money collected today for a partner by a method.")
class CollectedAmount:
    partner_code: str
    method: Method
    amount: Money = strawberry.field(description="Captured less refunded today.")
    captured: Money
    refunded: Money = strawberry.field(description="Refunds paid back today.")
    payments: int = strawberry.field(description="Payments captured today.")


@strawberry.type(description="A refund waiting for a second person's (a supervisor's) approval.")
class RefundAwaitingApproval:
    payment_id: strawberry.ID
    refund_id: str
    partner_code: str
    amount: Money
    requested_at: datetime


@strawberry.type(description="A file at its partner after its deadline.")
class OverdueFile:
    request_id: strawberry.ID
    partner_code: str
    service_code: str
    deadline: date
    working_days_overdue: int = strawberry.field(
        description="Working days of the house's calendar after the deadline, up to today."
    )


@strawberry.type(description="A grant or accreditation whose last day is within 30 days.")
class ExpiringAuthority:
    kind: str = strawberry.field(description='"GRANT" or "ACCREDITATION".')
    partner_code: str
    agent_id: strawberry.ID | None = strawberry.field(description="An accreditation's agent.")
    valid_until: date
    days_left: int = strawberry.field(description="0 on its last day.")


@strawberry.type(description="An agent's figures of the day.")
class AgentFigures:
    agent_id: strawberry.ID
    agent_name: str | None
    visits_served: int
    average_handling_seconds: int | None
    contacts: int
    requests: int = strawberry.field(description="Requests lodged.")


@strawberry.type(description="A house's counter dashboard, as of `asOf`.")
class CounterDashboard:
    house_id: strawberry.ID
    business_date: date = strawberry.field(description="Today in Africa/Tunis.")
    as_of: datetime = strawberry.field(description="When the now-dependent figures were computed.")
    position: Position = strawberry.field(description="The read model's position it reflects.")
    lines: list[DashboardLine]
    counters: list[DashboardCounter]
    today: DayFigures
    collected: list[CollectedAmount]
    refunds_awaiting_approval: list[RefundAwaitingApproval]
    overdue_at_partners: list[OverdueFile]
    expiring: list[ExpiringAuthority] = strawberry.field(
        description="Grants and accreditations expiring within 30 days."
    )
    agents: list[AgentFigures] = strawberry.field(
        description="Supervisors and administrators: every agent; an agent: its own row."
    )


def computed(dar: Dar, house: UUID) -> figures.Dashboard:
    """The house's dashboard now (blocking: reads the read model)."""
    return versioned(dar, house)[1]


def versioned(dar: Dar, house: UUID) -> tuple[int, figures.Dashboard]:
    """The house's dashboard now and the house's version it shows (blocking)."""
    read = dar.read
    now = dar.clock.now()  # the rows and the position they reflect: one snapshot
    position, rows = read.dashboard.tracked_rows(house, tunis_day(now), read.dashboard_key)
    calendar = read.requests.calendars({house})[house]
    version = rows.house.position if rows.house is not None else 0
    return version, dashboard(rows, house, now, calendar, position)


def shown(caller: Caller, found: figures.Dashboard) -> CounterDashboard:
    """The dashboard as this caller may see it (an agent: only its own agent row)."""
    agents = found.agents
    if caller.role is Role.AGENT:
        own = agent_id(caller.principal.subject)
        agents = [a for a in agents if a.agent_id == own]
    return from_row(
        CounterDashboard,
        found,
        house_id=found.house_id,
        position=Position(found.position),
        lines=[from_row(DashboardLine, line) for line in found.lines],
        counters=[from_row(DashboardCounter, c) for c in found.counters],
        today=from_row(DayFigures, found.today),
        collected=[from_row(CollectedAmount, c) for c in found.collected],
        refunds_awaiting_approval=[
            from_row(RefundAwaitingApproval, r) for r in found.refunds_awaiting_approval
        ],
        overdue_at_partners=[from_row(OverdueFile, f) for f in found.overdue_at_partners],
        expiring=[from_row(ExpiringAuthority, e) for e in found.expiring],
        agents=[from_row(AgentFigures, a) for a in agents],
    )


@strawberry.type
class DashboardQueries:
    @query(STAFF | ADMIN, "A house's counter dashboard now (house staff: their own).")
    async def counter_dashboard(
        self, info: DarInfo, house_id: strawberry.ID, at_least_position: Position | None = None
    ) -> CounterDashboard:
        caller = info.context.caller()
        house = house_id_of(await caller.house_code_of(house_id))
        dar = info.context.dar
        found = await info.context.read(
            "dashboard", at_least_position, lambda _: computed(dar, house)
        )
        return shown(caller, found)


@strawberry.type
class DashboardSubscriptions:
    @subscription(
        STAFF | ADMIN,
        "A house's counter dashboard at once, then each time it changed (house staff: their own).",
    )
    async def counter_dashboard(
        self, info: DarInfo, house_id: strawberry.ID
    ) -> AsyncGenerator[CounterDashboard, None]:
        context = info.context
        if context.watchers is None:  # pragma: no cover - wired by create_app
            raise RuntimeError("no watchers in this context")
        caller = context.caller()
        house = house_id_of(await caller.house_code_of(house_id))
        dar, watchers = context.dar, context.watchers

        def today() -> date:
            return tunis_day(dar.clock.now())

        async def board(version: int) -> tuple[int, figures.Dashboard]:
            """The house's dashboard at `version` or later, once for all its subscribers."""
            compute = partial(context.blocking, lambda: versioned(dar, house))
            return await watchers.dashboards.read(house, version, today(), compute)

        seen, found = await board(await context.blocking(lambda: house_version(dar, house)))
        yield shown(caller, found)
        async for version in watchers.dashboard.changes(seen):
            changed_at = await watchers.dashboard_versions.read(
                house,
                version,
                today(),
                partial(context.blocking, lambda: house_version(dar, house)),
            )
            if changed_at <= seen:
                continue  # another house changed
            seen, found = await board(changed_at)
            caller = context.caller()  # the token may have expired while the socket stayed open
            yield shown(caller, found)


def house_version(dar: Dar, house: UUID) -> int:
    """The last position that changed the house's dashboard (blocking)."""
    return dar.read.dashboard.house_version(house)
