"""Published inclusion figures: the report's groups as rows of the statistics export's table.

The same long format and the same columns as the service figures (infrastructure/
statistics_export.py), measures prefixed `inclusion_`; `detail` names the topic, the milestone
or the age band and gender (`FROM_60/FEMALE`). Publishing blanks every count from 1 to
`small - 1` and every figure resting on that few acts (a fill rate on fewer places, an
attendance rate on fewer participants, volunteer hours of fewer sessions): such a figure could
point at one participant or one volunteer. Zero stays.
"""

from __future__ import annotations

from collections.abc import Iterator

from infrastructure.inclusion_report import InclusionReport
from infrastructure.readmodels.inclusion_statistics import InclusionStatisticsQueries
from infrastructure.statistics_export import Figure, Value
from infrastructure.statistics_report import StatisticsFilter
from projections.inclusion_statistics.figures import InclusionGroup, SessionFigures
from projections.statistics.figures import GroupBy, Period

_COUNTS = (
    ("scheduled", "sessions_scheduled"),
    ("held", "sessions_held"),
    ("cancelled", "sessions_cancelled"),
    ("enrolled", "enrolled"),
    ("attended", "attended"),
    ("absent", "absent"),
    ("first_timers", "first_timers"),
)


def _counted(measure: str, value: int, detail: str = "") -> Figure:
    return Figure(measure, value, value, "", detail)


def _sessions(s: SessionFigures, detail: str = "") -> Iterator[Figure]:
    """A topic's figures (`detail`: the topic) or all topics' (`inclusion_topic_…` or not)."""
    prefix = "inclusion_topic_" if detail else "inclusion_"
    for name, measure in _COUNTS:
        yield _counted(prefix + measure, getattr(s, name), detail)
    yield Figure(f"{prefix}volunteer_hours", s.volunteer_hours, s.held, "", detail)
    yield Figure(f"{prefix}fill_rate", s.fill_rate, s.held_capacity, "", detail)
    yield Figure(f"{prefix}attendance_rate", s.attendance_rate, s.attended + s.absent, "", detail)


def inclusion_figures(group: InclusionGroup) -> Iterator[Figure]:
    """Every figure of a group, in a fixed order."""
    yield from _sessions(group.sessions)
    for topic in group.topics:
        yield from _sessions(topic.sessions, topic.topic)
    for m in group.milestones:
        yield _counted("inclusion_milestones_reached", m.reached, m.milestone)
    for p in group.profiles:
        detail = f"{p.age_band}/{p.gender}"
        yield _counted("inclusion_profile_enrolled", p.enrolled, detail)
        yield _counted("inclusion_profile_first_time", p.first_time, detail)
        yield _counted("inclusion_profile_known", p.known, detail)


def inclusion_rows(groups: list[InclusionGroup], small: int) -> list[tuple[Value, ...]]:
    """The table of the groups' figures, each resting on 1 to `small - 1` acts blanked."""
    table: list[tuple[Value, ...]] = []
    for group in groups:
        area = group.area
        where = (area.kind.value, area.code, area.name_ar, area.name_fr)
        when = (group.first.isoformat(), group.last.isoformat())
        for f in inclusion_figures(group):
            hidden = f.basis is not None and 0 < f.basis < small
            value, note = (None, f"fewer than {small}") if hidden else (f.value, "")
            table.append((*where, *when, f.measure, f.partner, f.detail, value, note))
    return table


def published_inclusion_rows(
    queries: InclusionStatisticsQueries,
    wanted: StatisticsFilter,
    group_by: GroupBy,
    period: Period,
    small: int,
) -> list[tuple[Value, ...]]:
    """The inclusion rows of an export; none when it names a partner or service.

    Sessions know no partner or service: an export narrowed to one has no inclusion figure.
    """
    if wanted.partner is not None or wanted.service is not None:
        return []
    return inclusion_rows(InclusionReport(queries).groups(wanted, group_by, period), small)
