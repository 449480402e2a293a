"""The inclusion statistics read model's tables, on either store: cells, index rows, skipped.

Separate from the service statistics' tables (`stats_*`): its own projection, tracked on its
own, rebuilt on its own. The cells are few (a house holds a handful of sessions a day), so a
question reads the cells of its houses and days and sums them in Python.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable
from dataclasses import fields
from datetime import date
from typing import Any, Generic, TypeVar
from uuid import UUID

from infrastructure.readmodels.database import ReadDatabase, SqlCursor, select_each
from infrastructure.readmodels.tables import Index, Table, create_tables
from infrastructure.readmodels.working_set import WorkingSet
from projections.inclusion_statistics.figures import InclusionCells
from projections.inclusion_statistics.projection import InclusionStatisticsProjection
from projections.inclusion_statistics.view import (
    InclusionHouseRow,
    InclusionSkippedRow,
    MilestoneDayCell,
    ProfileDayCell,
    SessionDayCell,
    SessionRow,
)

R = TypeVar("R")
V = InclusionStatisticsProjection.version
SESSION_DAYS = Table(
    f"incl_stats_session_days_v{V}",
    SessionDayCell,
    ("house_id", "day", "topic"),
    indexes=(Index("day", ("day",)),),
)
PROFILE_DAYS = Table(
    f"incl_stats_profile_days_v{V}",
    ProfileDayCell,
    ("house_id", "day", "age_band", "gender"),
    indexes=(Index("day", ("day",)),),
)
MILESTONE_DAYS = Table(
    f"incl_stats_milestone_days_v{V}",
    MilestoneDayCell,
    ("house_id", "day", "milestone"),
    indexes=(Index("day", ("day",)),),
)
HOUSES = Table(f"incl_stats_houses_v{V}", InclusionHouseRow, ("house_id",))
SESSIONS = Table(f"incl_stats_sessions_v{V}", SessionRow, ("session_id",))
SKIPPED = Table(f"incl_stats_skipped_v{V}", InclusionSkippedRow, ("event_type", "reason"))
CELLS: tuple[Table[Any], ...] = (SESSION_DAYS, PROFILE_DAYS, MILESTONE_DAYS)
ALL: tuple[Table[Any], ...] = (*CELLS, HOUSES, SESSIONS, SKIPPED)


def create_inclusion_statistics_tables(db: ReadDatabase) -> None:
    """The tables of this projection version."""
    create_tables(db, *ALL)


class _Rows(Generic[R]):
    """One table's working set, keyed as the table declares."""

    def __init__(self, db: ReadDatabase, cur: SqlCursor, table: Table[R]) -> None:
        self.table = table
        self.set = WorkingSet(db, cur, table.spec)
        self._key_of = operator.attrgetter(*table.key)
        self._single = len(table.key) == 1

    def get(self, *key: object) -> R | None:
        return self.set.get(*self.table.key_params(*key))

    def put(self, row: R) -> None:
        key = self._key_of(row)
        self.set.put(row, *self.table.key_params(*((key,) if self._single else key)))

    def cell(self, **key: object) -> R:
        """The stored cell, or one with nothing counted yet."""
        found = self.get(*(key[k] for k in self.table.key))
        if found is not None:
            return found
        names = (f.name for f in fields(self.table.row_type))  # type: ignore[arg-type]
        return self.table.row_type(**{name: key.get(name, 0) for name in names})


class InclusionStatisticsTables:
    """Writes the inclusion statistics rows within a batch's transaction."""

    def __init__(self, db: ReadDatabase, cur: SqlCursor) -> None:
        self._sessions_days = _Rows(db, cur, SESSION_DAYS)
        self._profiles = _Rows(db, cur, PROFILE_DAYS)
        self._milestones = _Rows(db, cur, MILESTONE_DAYS)
        self._houses = _Rows(db, cur, HOUSES)
        self._sessions = _Rows(db, cur, SESSIONS)
        self._skipped = _Rows(db, cur, SKIPPED)

    def session_day(self, house_id: UUID, day: date, topic: str) -> SessionDayCell:
        """See InclusionStatisticsWriter."""
        return self._sessions_days.cell(house_id=house_id, day=day, topic=topic)

    def put_session_day(self, cell: SessionDayCell) -> None:
        """See InclusionStatisticsWriter."""
        self._sessions_days.put(cell)

    def profile_day(self, house_id: UUID, day: date, age_band: str, gender: str) -> ProfileDayCell:
        """See InclusionStatisticsWriter."""
        return self._profiles.cell(house_id=house_id, day=day, age_band=age_band, gender=gender)

    def put_profile_day(self, cell: ProfileDayCell) -> None:
        """See InclusionStatisticsWriter."""
        self._profiles.put(cell)

    def milestone_day(self, house_id: UUID, day: date, milestone: str) -> MilestoneDayCell:
        """See InclusionStatisticsWriter."""
        return self._milestones.cell(house_id=house_id, day=day, milestone=milestone)

    def put_milestone_day(self, cell: MilestoneDayCell) -> None:
        """See InclusionStatisticsWriter."""
        self._milestones.put(cell)

    def put_house(self, row: InclusionHouseRow) -> None:
        """See InclusionStatisticsWriter."""
        self._houses.put(row)

    def session(self, session_id: UUID) -> SessionRow | None:
        """See InclusionStatisticsWriter."""
        return self._sessions.get(session_id)

    def put_session(self, row: SessionRow) -> None:
        """See InclusionStatisticsWriter."""
        self._sessions.put(row)

    def skip(self, event_type: str, reason: str, position: int) -> None:
        """See InclusionStatisticsWriter."""
        found = self._skipped.get(event_type, reason)
        count = 0 if found is None else found.count
        self._skipped.put(InclusionSkippedRow(event_type, reason, count + 1, position))

    def flush(self) -> None:
        """Write the batch's rows."""
        for rows in (
            self._sessions_days,
            self._profiles,
            self._milestones,
            self._houses,
            self._sessions,
            self._skipped,
        ):
            rows.set.flush()


class InclusionStatisticsQueries:
    """Reads the inclusion statistics tables."""

    def __init__(self, db: ReadDatabase) -> None:
        self._db = db

    def houses(self) -> list[InclusionHouseRow]:
        """Every house registered, by code."""
        with self._db.read() as cur:
            cur.execute(HOUSES.select(self._db, order="code"))
            return [HOUSES.row(r) for r in cur.fetchall()]

    def skipped(self) -> list[InclusionSkippedRow]:
        """The events the inclusion statistics could not place, by type and reason."""
        with self._db.read() as cur:
            cur.execute(SKIPPED.select(self._db, order="event_type, reason"))
            return [SKIPPED.row(r) for r in cur.fetchall()]

    def cells(self, houses: Iterable[UUID], first: date, last: date) -> InclusionCells:
        """The cells of these houses from `first` to `last` (both included), in one snapshot."""
        chosen: list[object] = list(houses)
        if not chosen:
            return InclusionCells()
        marks = ", ".join("?" * len(chosen))
        where = f"house_id IN ({marks}) AND day >= ? AND day <= ?"
        params = [*chosen, first.isoformat(), last.isoformat()]
        statements = [(t.select(self._db, where), params) for t in CELLS]
        with self._db.read() as cur:
            found = select_each(cur, statements)
        sessions, profiles, milestones = (
            [t.row(r) for r in rows] for t, rows in zip(CELLS, found, strict=True)
        )
        return InclusionCells(sessions=sessions, profiles=profiles, milestones=milestones)
