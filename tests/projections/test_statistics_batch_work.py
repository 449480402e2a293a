"""The end of a batch reads and writes the rows of what the batch changed, not of every house.

A batch that adds to one house-day's cells updates the day figures of that house, its
municipality, its governorate and the nation from their summed rows: as many statistics rows
read and written with 3 houses in the nation as with 30 (all in one municipality, the widest
case), and the kept days still equal the days merged from the cells.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

from api.bootstrap import Dar
from infrastructure.readmodels.database import ReadDatabase, SqlCursor
from infrastructure.readmodels.statistics import StatisticsTables
from infrastructure.statistics_report import StatisticsFilter, StatisticsReport
from projections.statistics.figures import GroupBy, Period, as_figures
from projections.statistics.histogram import WAIT
from projections.statistics.view import GrantRow, HouseRow

DAY = date(2026, 3, 2)


class CountingCursor:
    """The writer's cursor, counting the rows it fetches (the statements run as they are)."""

    def __init__(self, cursor: SqlCursor) -> None:
        self._cursor = cursor
        self.fetched = 0

    def execute(self, sql: str, params: Sequence[object] = ()) -> None:
        self._cursor.execute(sql, params)

    def executemany(self, sql: str, params: Sequence[Sequence[object]]) -> None:
        self._cursor.executemany(sql, params)

    def fetchall(self) -> list[tuple[Any, ...]]:
        rows = self._cursor.fetchall()
        self.fetched += len(rows)
        return rows

    def fetchone(self) -> tuple[Any, ...] | None:
        row = self._cursor.fetchone()
        self.fetched += row is not None
        return row


def _written(db: ReadDatabase, cur: SqlCursor) -> int:
    """Rows inserted, updated or deleted so far, as the database counts them."""
    if db.kind == "postgres":
        cur.execute(
            "SELECT COALESCE(SUM(n_tup_ins + n_tup_upd + n_tup_del), 0) "
            "FROM pg_stat_xact_user_tables WHERE starts_with(relname, 'stats_')"
        )
    else:
        cur.execute("SELECT total_changes()")
    found = cur.fetchone()
    assert found is not None
    return int(found[0])


def _nation_of(db: ReadDatabase, houses: int) -> list[UUID]:
    """`houses` houses of one municipality, each with a day of visits, waits and a grant."""
    ids = [uuid4() for _ in range(houses)]
    with db.write() as cur:
        writer = StatisticsTables(db, cur)
        for n, house in enumerate(ids):
            writer.put_house(HouseRow(house, f"H{n:03}", "دار", "Dar", "Sbeitla", "Kasserine", ()))
            ends = DAY + timedelta(days=365)
            grant = f"{DAY.isoformat()} granted {DAY.isoformat()} {ends.isoformat()}"
            writer.put_grant(GrantRow(uuid4(), house, "CNAM", (grant,)))
            writer.add_grant_day((house, DAY, "CNAM"), {"granted": 1})
            writer.add_line((house, DAY, "A"), {"visits": 2, "waits": 2, "wait_millis": 90_000})
            for bucket in (3, 7):
                writer.sample(house, DAY, WAIT.name, ("", ""), bucket, 1)
        writer.flush()
        writer.finish()
    return ids


def _one_batch(db: ReadDatabase, house: UUID) -> tuple[int, int]:
    """A batch adding a visit to one house's day: rows fetched by the writer, rows written."""
    with db.write() as raw:
        before = _written(db, raw)
        cur = CountingCursor(raw)
        writer = StatisticsTables(db, cur)
        writer.add_line((house, DAY, "B"), {"visits": 1, "waits": 1, "wait_millis": 30_000})
        writer.sample(house, DAY, WAIT.name, ("", ""), 12, 1)
        writer.flush()
        writer.finish()
        return cur.fetched, _written(db, raw) - before


def test_a_batch_on_one_house_day_costs_the_same_rows_with_3_or_30_houses(dar: Dar) -> None:
    db = dar.read.db
    dar.projections.prepare()
    few = _nation_of(db, 3)
    small = _one_batch(db, few[0])
    many = _nation_of(db, 27)  # 30 houses in the municipality, governorate and nation
    large = _one_batch(db, many[0])
    assert small == large
    assert small[1] >= 4  # the line cell, histograms and the four areas' days at least
    report = StatisticsReport(dar.read.statistics, 25)
    wanted = StatisticsFilter(first=DAY, last=DAY)
    for group_by in GroupBy:
        merged = report.merged(wanted, group_by, Period.DAY)
        assert report.figures(wanted, group_by, Period.DAY) == [as_figures(g) for g in merged]
    (nation,) = report.merged(wanted, GroupBy.NATION, Period.DAY)
    assert nation.visits is not None
    assert nation.visits.visits == 30 * 2 + 2
    assert [(g.partner_code, g.in_force) for g in nation.grants] == [("CNAM", 30)]
