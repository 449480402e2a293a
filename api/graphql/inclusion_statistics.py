"""The governance office's digital-inclusion figures in GraphQL: `inclusionStatistics`.

Sessions, participants, first-timers, topics, milestones, volunteer hours and fill rates per
house, municipality, governorate or the nation, by day, week or month, summed from the
inclusion statistics read model's day cells when asked; no field names a participant or a
volunteer. Open to the governance office, administrators and auditors, as `serviceStatistics`,
with the same filter (sessions know no partner or service: naming one is refused), areas and
periods. Formulas: docs/statistics.md, "Digital inclusion".
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from api.graphql.access import query
from api.graphql.context import DarInfo
from api.graphql.enums import (
    AgeBand,
    Gender,
    InclusionTopic,
    Milestone,
    StatisticsGroupBy,
    StatisticsPeriod,
)
from api.graphql.rows import from_row
from api.graphql.scalars import Position
from api.graphql.statistics import OVERSIGHT, StatisticsArea, StatisticsFilterInput
from infrastructure.inclusion_report import InclusionReport
from projections.inclusion_statistics import figures


@strawberry.type(description="Sessions and their participants (all topics, or one).")
class InclusionSessionStatistics:
    scheduled: int = strawberry.field(
        description="Sessions starting in the period (Tunis day), whatever became of them."
    )
    held: int = strawberry.field(description="Of those, held (attendance recorded).")
    cancelled: int
    enrolled: int = strawberry.field(description="Enrolments in the period's sessions.")
    attended: int = strawberry.field(
        description="Participants present at the sessions held (one per session attended)."
    )
    absent: int = strawberry.field(description="Participants enrolled but absent when held.")
    first_timers: int = strawberry.field(
        description="Participants present at their first session ever."
    )
    held_capacity: int = strawberry.field(description="Places of the sessions held.")
    held_enrolled: int = strawberry.field(description="Enrolments in the sessions held.")
    fill_rate: float | None = strawberry.field(
        description="heldEnrolled / heldCapacity; null without a session held."
    )
    attendance_rate: float | None = strawberry.field(
        description="attended / (attended + absent); null without a session held."
    )
    volunteer_minutes: int = strawberry.field(description="Minutes volunteers gave to them.")
    volunteer_hours: float = strawberry.field(description="volunteerMinutes / 60, two decimals.")


@strawberry.type(description="The sessions of one topic.")
class InclusionTopicStatistics:
    topic: InclusionTopic
    sessions: InclusionSessionStatistics


@strawberry.type(description="Participants who reached one milestone of autonomy.")
class InclusionMilestoneStatistics:
    milestone: Milestone
    reached: int = strawberry.field(description="Reached in the period (each once per person).")


@strawberry.type(description="Enrolments of participants of one age band and gender.")
class InclusionProfileStatistics:
    age_band: AgeBand
    gender: Gender
    enrolled: int
    first_time: int = strawberry.field(
        description="Enrolments of participants who had attended no session yet."
    )
    known: int = strawberry.field(description="Enrolments of citizens found by their CIN.")


@strawberry.type(description="The inclusion figures of one area over one period.")
class InclusionGroup:
    area: StatisticsArea
    first: date = strawberry.field(name="from")
    last: date = strawberry.field(name="to")
    sessions: InclusionSessionStatistics
    topics: list[InclusionTopicStatistics] = strawberry.field(description="Topics with a session.")
    milestones: list[InclusionMilestoneStatistics] = strawberry.field(
        description="Milestones reached in the period."
    )
    profiles: list[InclusionProfileStatistics] = strawberry.field(
        description="Enrolments by age band and gender."
    )


@strawberry.type(description="The governance office's inclusion figures, by area and period.")
class InclusionStatistics:
    group_by: StatisticsGroupBy
    period: StatisticsPeriod
    groups: list[InclusionGroup] = strawberry.field(
        description="Areas by code, then periods in order; a period without any act is left out."
    )


def _sessions(values: figures.SessionFigures) -> InclusionSessionStatistics:
    return from_row(InclusionSessionStatistics, values)


def group(values: figures.InclusionGroup) -> InclusionGroup:
    """A group of the report as GraphQL tells it."""
    return InclusionGroup(
        area=from_row(StatisticsArea, values.area),
        first=values.first,
        last=values.last,
        sessions=_sessions(values.sessions),
        topics=[
            InclusionTopicStatistics(topic=InclusionTopic(t.topic), sessions=_sessions(t.sessions))
            for t in values.topics
        ],
        milestones=[from_row(InclusionMilestoneStatistics, m) for m in values.milestones],
        profiles=[from_row(InclusionProfileStatistics, p) for p in values.profiles],
    )


@strawberry.type
class InclusionStatisticsQueries:
    @query(
        OVERSIGHT,
        "The governance office's digital-inclusion figures (no personal data), by house, "
        "municipality, governorate or nation and by day, week or month.",
    )
    async def inclusion_statistics(
        self,
        info: DarInfo,
        filter: StatisticsFilterInput,
        group_by: StatisticsGroupBy = StatisticsGroupBy.NATION,
        period: StatisticsPeriod = StatisticsPeriod.WEEK,
        at_least_position: Annotated[Position | None, strawberry.argument()] = None,
    ) -> InclusionStatistics:
        wanted = filter.wanted()
        groups = await info.context.read(
            "inclusion_statistics",
            at_least_position,
            lambda r: InclusionReport(r.inclusion_statistics).groups(wanted, group_by, period),
        )
        return InclusionStatistics(
            group_by=group_by, period=period, groups=[group(g) for g in groups]
        )
