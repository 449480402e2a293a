"""The inclusion figures: day cells summed by area (house … nation) and period (day … month).

Every figure is a sum of cells, or a ratio of two sums, so a governorate's month is exactly the
sum of its houses' days. Formulas: docs/statistics.md, "Digital inclusion".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from projections.inclusion_statistics.view import (
    MilestoneDayCell,
    ProfileDayCell,
    SessionDayCell,
)
from projections.statistics.figures import Area, Period, period_of

SESSION_COUNTS = (
    "scheduled",
    "held",
    "cancelled",
    "enrolled",
    "attended",
    "absent",
    "first_timers",
    "held_capacity",
    "held_enrolled",
    "volunteer_minutes",
)


@dataclass(frozen=True)
class SessionFigures:
    """Sessions and their participants, all topics together or of one topic.

    `fill_rate` = enrolments in the sessions held ÷ their places; `attendance_rate` = present ÷
    (present + absent) at the sessions held; both None without a session held.
    """

    scheduled: int
    held: int
    cancelled: int
    enrolled: int
    attended: int
    absent: int
    first_timers: int
    held_capacity: int
    held_enrolled: int
    volunteer_minutes: int
    fill_rate: float | None
    attendance_rate: float | None

    @property
    def volunteer_hours(self) -> float:
        """The volunteers' minutes in hours, two decimals."""
        return round(self.volunteer_minutes / 60, 2)

    @classmethod
    def of(cls, cells: Iterable[SessionDayCell]) -> SessionFigures:
        """The sums of the cells and their two rates."""
        sums = _sums(cells, SESSION_COUNTS)
        present = sums["attended"] + sums["absent"]
        return cls(
            **sums,
            fill_rate=_share(sums["held_enrolled"], sums["held_capacity"]),
            attendance_rate=_share(sums["attended"], present),
        )


@dataclass(frozen=True)
class TopicFigures:
    """The sessions of one topic."""

    topic: str
    sessions: SessionFigures


@dataclass(frozen=True)
class MilestoneFigures:
    """Participants who reached one milestone."""

    milestone: str
    reached: int


@dataclass(frozen=True)
class ProfileFigures:
    """Enrolments of participants of one age band and gender."""

    age_band: str
    gender: str
    enrolled: int
    first_time: int
    known: int


@dataclass(frozen=True)
class InclusionGroup:
    """The inclusion figures of one area over one period."""

    area: Area
    first: date
    last: date
    sessions: SessionFigures
    topics: tuple[TopicFigures, ...]
    milestones: tuple[MilestoneFigures, ...]
    profiles: tuple[ProfileFigures, ...]


@dataclass
class InclusionCells:
    """The cells of the houses and days asked for."""

    sessions: list[SessionDayCell] = field(default_factory=list)
    profiles: list[ProfileDayCell] = field(default_factory=list)
    milestones: list[MilestoneDayCell] = field(default_factory=list)


Key = tuple[Area, date, date]


def merge(
    cells: InclusionCells,
    areas: Mapping[UUID, Area],
    period: Period,
    dates: tuple[date, date],
) -> list[InclusionGroup]:
    """Figures per area and period, areas by code then periods in order.

    Every (area, period) holding a cell is listed; one with none is not. A period cut by `dates`
    (the first and last day asked for) runs from or to them.
    """
    first, last = dates

    def key(house: UUID, day: date) -> Key:
        start, end = period_of(day, period)
        return areas[house], max(start, first), min(end, last)

    sessions = _by(cells.sessions, key)
    profiles = _by(cells.profiles, key)
    milestones = _by(cells.milestones, key)
    groups = []
    for k in sorted(
        set(sessions) | set(profiles) | set(milestones), key=lambda k: (k[0].code, k[1])
    ):
        area, start, end = k
        groups.append(
            InclusionGroup(
                area=area,
                first=start,
                last=end,
                sessions=SessionFigures.of(sessions.get(k, [])),
                topics=_topics(sessions.get(k, [])),
                milestones=_milestones(milestones.get(k, [])),
                profiles=_profiles(profiles.get(k, [])),
            )
        )
    return groups


def _by(cells: Iterable[Any], key: Callable[[UUID, date], Key]) -> dict[Key, list[Any]]:
    found: dict[Key, list[Any]] = defaultdict(list)
    for cell in cells:
        found[key(cell.house_id, cell.day)].append(cell)
    return found


def _sums(cells: Iterable[Any], names: Iterable[str]) -> dict[str, int]:
    listed = list(cells)
    return {n: sum(getattr(c, n) for c in listed) for n in names}


def _share(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(part / whole, 4)


def _topics(cells: list[SessionDayCell]) -> tuple[TopicFigures, ...]:
    by: dict[str, list[SessionDayCell]] = defaultdict(list)
    for cell in cells:
        by[cell.topic].append(cell)
    return tuple(TopicFigures(t, SessionFigures.of(group)) for t, group in sorted(by.items()))


def _milestones(cells: list[MilestoneDayCell]) -> tuple[MilestoneFigures, ...]:
    by: dict[str, int] = defaultdict(int)
    for cell in cells:
        by[cell.milestone] += cell.reached
    return tuple(MilestoneFigures(m, n) for m, n in sorted(by.items()))


def _profiles(cells: list[ProfileDayCell]) -> tuple[ProfileFigures, ...]:
    by: dict[tuple[str, str], list[ProfileDayCell]] = defaultdict(list)
    for cell in cells:
        by[cell.age_band, cell.gender].append(cell)
    return tuple(
        ProfileFigures(band, gender, **_sums(group, ("enrolled", "first_time", "known")))
        for (band, gender), group in sorted(by.items())
    )
