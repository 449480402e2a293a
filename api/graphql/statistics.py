"""The governance office's statistics in GraphQL: `serviceStatistics`.

Figures per house, municipality, governorate or the nation, by day, week or month, merged from
the statistics read model's cells when asked; no field names a citizen, an agent or a document.
Open to the governance office, administrators and auditors. Formulas: docs/statistics.md.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from api.auth import Role
from api.graphql.access import query
from api.graphql.context import DarInfo
from api.graphql.enums import StatisticsGroupBy, StatisticsPeriod
from api.graphql.scalars import Position
from domain.shared.money import Money
from infrastructure.statistics_report import StatisticsFilter, StatisticsReport
from projections.statistics import figures
from projections.statistics.histogram import HANDLING, MINUTE_MS, TURNAROUND, WAIT

OVERSIGHT = frozenset({Role.GOVERNANCE, Role.ADMIN, Role.AUDITOR})


@strawberry.input(description="Which houses, partner, service and days the figures are about.")
class StatisticsFilterInput:
    from_: date = strawberry.field(name="from", description="The first day (Tunis), included.")
    to: date = strawberry.field(description="The last day (Tunis), included; at most 732 days.")
    houses: list[str] | None = strawberry.field(default=None, description="House codes.")
    municipality: str | None = strawberry.field(
        default=None, description="A municipality, as the houses were registered in it."
    )
    governorate: str | None = strawberry.field(
        default=None, description='A governorate\'s code ("TN-42") or French name.'
    )
    partner_code: str | None = None
    service_code: str | None = None

    def wanted(self) -> StatisticsFilter:
        """The report's filter."""
        return StatisticsFilter(
            first=self.from_,
            last=self.to,
            houses=tuple(self.houses or ()),
            municipality=self.municipality,
            governorate=self.governorate,
            partner=self.partner_code,
            service=self.service_code,
        )


@strawberry.type(description="Where figures are merged: a house, municipality, governorate or TN.")
class StatisticsArea:
    kind: StatisticsGroupBy
    code: str = strawberry.field(
        description='House code, "TN-42/Haidra", "TN-42", or "TN" for the nation.'
    )
    name_ar: str
    name_fr: str


@strawberry.type(description="Waits or handling times in minutes, from a merged histogram.")
class DurationStatistics:
    count: int = strawberry.field(description="Visits measured.")
    mean_minutes: float | None = strawberry.field(description="Exact mean; null without visits.")
    median_minutes: float | None = strawberry.field(
        description="Nearest-rank median, within half a bucket width (see ServiceStatistics)."
    )
    p90_minutes: float | None = strawberry.field(
        description="Nearest-rank 90th percentile, within half a bucket width."
    )
    within_target: int | None = strawberry.field(
        description="Waits under the target (waits only; null for handling)."
    )
    within_target_share: float | None = strawberry.field(description="within_target / count.")


@strawberry.type(description="Tickets issued in one hour of the day (Tunis).")
class HourStatistics:
    hour: int
    visits: int


@strawberry.type(description="The queue's figures.")
class VisitStatistics:
    visits: int = strawberry.field(description="Tickets issued (a transfer is not a new visit).")
    served: int = strawberry.field(description="Visits ended at a counter.")
    no_shows: int = strawberry.field(description="Times a called citizen was marked absent.")
    walked_away: int
    transferred: int = strawberry.field(description="Visits sent to another line.")
    waits: DurationStatistics = strawberry.field(
        description="Ticket issued to first call (to the last call after a no-show)."
    )
    handling: DurationStatistics = strawberry.field(
        description="Call that started the service to its end."
    )
    by_hour: list[HourStatistics] = strawberry.field(description="Hours with visits only.")


@strawberry.type(description="Requests for one partner's service, by what happened in the period.")
class ServiceRequestStatistics:
    partner_code: str
    service_code: str
    lodged: int
    on_the_spot: int = strawberry.field(description="Completed at the counter.")
    forwarded: int = strawberry.field(description="Sent to the partner's back office.")
    returned: int = strawberry.field(description="Returned by the partner for correction.")
    accepted: int
    refused: int
    closed: int
    withdrawn: int
    decided: int = strawberry.field(description="Partner decisions: accepted, refused, closed.")
    with_deadline: int = strawberry.field(description="Decisions on files with a deadline.")
    on_time: int = strawberry.field(description="Of those, decided on or before the deadline.")
    on_time_share: float | None
    turnaround_mean_days: float | None = strawberry.field(
        description="Working days from the first forwarding to the decision (exact)."
    )
    turnaround_median_days: float | None
    turnaround_p90_days: float | None


@strawberry.type(description="Contacts without a file about one partner.")
class ContactStatistics:
    partner_code: str
    information: int
    redirections: int = strawberry.field(description="Citizens sent to the partner's office.")


@strawberry.type(
    description="On the spot, forwarded and redirected, each as a share of the three together."
)
class OutcomeStatistics:
    on_the_spot: int
    forwarded: int
    redirected: int
    refused: int = strawberry.field(description="The partners' refusals in the period.")
    on_the_spot_share: float | None
    forwarded_share: float | None
    redirected_share: float | None


@strawberry.type(description="Money for one partner by one method.")
class MoneyStatistics:
    partner_code: str
    method: str
    payments: int = strawberry.field(description="Payments captured.")
    captured: Money
    refunds: int = strawberry.field(description="Refunds paid back.")
    refunded: Money
    net: Money


@strawberry.type(description="One partner's grants to the area's houses.")
class GrantStatistics:
    partner_code: str
    in_force: int = strawberry.field(description="Grants in force on the period's last day.")
    granted: int
    amended: int
    suspended: int
    reinstated: int
    renewed: int
    revoked: int


@strawberry.type(description="The figures of one area over one period.")
class StatisticsGroup:
    area: StatisticsArea
    first: date = strawberry.field(name="from")
    last: date = strawberry.field(name="to")
    visits: VisitStatistics | None = strawberry.field(
        description="Null when a partner or service is filtered on: the queue knows no partner."
    )
    requests: list[ServiceRequestStatistics]
    contacts: list[ContactStatistics]
    outcomes: OutcomeStatistics
    money: list[MoneyStatistics]
    grants: list[GrantStatistics]


@strawberry.type(description="The governance office's figures, merged by area and period.")
class ServiceStatistics:
    group_by: StatisticsGroupBy
    period: StatisticsPeriod
    wait_target_minutes: int
    wait_bucket_minutes: float = strawberry.field(description="Waits' histogram bucket width.")
    handling_bucket_minutes: float
    turnaround_bucket_days: int
    groups: list[StatisticsGroup] = strawberry.field(
        description="Areas by code, then periods in order; a period without any act is left out."
    )


def _visits(values: figures.Figures | None) -> VisitStatistics | None:
    if values is None:
        return None
    return VisitStatistics(
        visits=values["visits"],
        served=values["served"],
        no_shows=values["no_shows"],
        walked_away=values["walked_away"],
        transferred=values["transferred"],
        waits=DurationStatistics(**values["waits"]),
        handling=DurationStatistics(**values["handling"]),
        by_hour=[HourStatistics(hour=h, visits=n) for h, n in values["by_hour"]],
    )


def _money(values: figures.Figures) -> MoneyStatistics:
    return MoneyStatistics(
        partner_code=values["partner_code"],
        method=values["method"],
        payments=values["captured"],
        captured=Money(values["captured_millimes"]),
        refunds=values["refunds"],
        refunded=Money(values["refunded_millimes"]),
        net=Money(values["net_millimes"]),
    )


def group(values: figures.Figures) -> StatisticsGroup:
    """A group of the report (its plain form, `StatisticsReport.figures`) as GraphQL tells it."""
    area = values["area"]
    return StatisticsGroup(
        area=StatisticsArea(
            kind=StatisticsGroupBy(area["kind"]),
            code=area["code"],
            name_ar=area["name_ar"],
            name_fr=area["name_fr"],
        ),
        first=date.fromisoformat(values["first"]),
        last=date.fromisoformat(values["last"]),
        visits=_visits(values["visits"]),
        requests=[ServiceRequestStatistics(**s) for s in values["requests"]],
        contacts=[ContactStatistics(**c) for c in values["contacts"]],
        outcomes=OutcomeStatistics(**values["outcomes"]),
        money=[_money(m) for m in values["money"]],
        grants=[GrantStatistics(**g) for g in values["grants"]],
    )


@strawberry.type
class StatisticsQueries:
    @query(
        OVERSIGHT,
        "The governance office's figures (no personal data), by house, municipality, "
        "governorate or nation and by day, week or month.",
    )
    async def service_statistics(
        self,
        info: DarInfo,
        filter: StatisticsFilterInput,
        group_by: StatisticsGroupBy = StatisticsGroupBy.NATION,
        period: StatisticsPeriod = StatisticsPeriod.WEEK,
        at_least_position: Annotated[Position | None, strawberry.argument()] = None,
    ) -> ServiceStatistics:
        target = info.context.dar.settings.statistics_wait_target_minutes
        wanted = filter.wanted()
        groups = await info.context.read(
            "statistics",
            at_least_position,
            lambda r: StatisticsReport(r.statistics, target).figures(wanted, group_by, period),
        )
        return ServiceStatistics(
            group_by=group_by,
            period=period,
            wait_target_minutes=target,
            wait_bucket_minutes=WAIT.width / MINUTE_MS,
            handling_bucket_minutes=HANDLING.width / MINUTE_MS,
            turnaround_bucket_days=TURNAROUND.width,
            groups=[group(g) for g in groups],
        )
