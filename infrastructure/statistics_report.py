"""The governance office's report: which houses a filter names, their areas, the merged figures.

Shared by GraphQL's `serviceStatistics` and `dar stats export`, so both say the same figures.
A house's municipality and governorate are those of its registration; the governorate is told by
its ISO 3166-2:TN code and its names from `infrastructure/reference/geography.yaml`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.shared.errors import ValidationError
from infrastructure.cycles import no_cycle_collection
from infrastructure.readmodels.statistics import Selection, StatisticsQueries
from infrastructure.statistics_areas import NATION, area_id, area_of, governorate_code
from projections.statistics.figures import (
    Figures,
    Group,
    GroupBy,
    Period,
    as_figures,
    group_of,
    merge,
    stored_figures,
    target_bucket,
)
from projections.statistics.histogram import MINUTE_MS, WAIT
from projections.statistics.view import HouseRow

__all__ = [
    "NATION",
    "StatisticsFilter",
    "StatisticsReport",
    "area_id",
    "area_of",
    "check_range",
    "governorate_code",
]
MAX_DAYS = 732  # two years of days per question


@dataclass(frozen=True)
class StatisticsFilter:
    """What the figures are about.

    Houses (codes), a municipality, a governorate, a partner, a service, and the days from
    `first` to `last` (both included); what is not given is not narrowed on.
    """

    first: date
    last: date
    houses: tuple[str, ...] = ()
    municipality: str | None = None
    governorate: str | None = None
    partner: str | None = None
    service: str | None = None


def check_range(first: date, last: date) -> None:
    """A period runs forwards and spans at most `MAX_DAYS` days."""
    if last < first:
        raise ValidationError("to", "the last day comes before the first")
    if (last - first).days + 1 > MAX_DAYS:
        raise ValidationError("to", f"at most {MAX_DAYS} days at a time")


def _chosen(house: HouseRow, wanted: StatisticsFilter) -> bool:
    if wanted.houses and house.code not in wanted.houses:
        return False
    if wanted.municipality is not None and (
        house.municipality.strip().casefold() != wanted.municipality.strip().casefold()
    ):
        return False
    if wanted.governorate is None:
        return True
    return (governorate_code(house.governorate) or house.governorate) == governorate_code(
        wanted.governorate
    )


class StatisticsReport:
    """Figures by area and period from the statistics read model."""

    def __init__(self, queries: StatisticsQueries, target_minutes: int) -> None:
        self._queries = queries
        self.target_minutes = target_minutes

    def groups(self, wanted: StatisticsFilter, group_by: GroupBy, period: Period) -> list[Group]:
        """The figures of the houses the filter names, merged by `group_by` and `period`."""
        houses, every = self._houses(wanted)
        if _kept(houses, every, wanted, group_by, period):
            with no_cycle_collection():
                return [group_of(f) for f in self._kept(houses, wanted, group_by)]
        return self._merged(houses, wanted, group_by, period)

    def figures(self, wanted: StatisticsFilter, group_by: GroupBy, period: Period) -> list[Figures]:
        """`groups` in their plain form (`figures.as_figures`), as GraphQL and the export take them.

        An area's day, when the filter takes all of its houses and names no partner or service,
        is read as kept at write time; any other question is merged from the cells.
        """
        houses, every = self._houses(wanted)
        if _kept(houses, every, wanted, group_by, period):
            return self._kept(houses, wanted, group_by)
        with no_cycle_collection():  # the plain form too: thousands of dicts, no cycle
            return [as_figures(g) for g in self._merged(houses, wanted, group_by, period)]

    def merged(self, wanted: StatisticsFilter, group_by: GroupBy, period: Period) -> list[Group]:
        """`groups` merged from the cells even where kept (what the kept figures are checked on)."""
        houses, _ = self._houses(wanted)
        return self._merged(houses, wanted, group_by, period)

    def _houses(self, wanted: StatisticsFilter) -> tuple[list[HouseRow], list[HouseRow]]:
        """The houses the filter names, and every house."""
        check_range(wanted.first, wanted.last)
        if wanted.governorate is not None and governorate_code(wanted.governorate) is None:
            raise ValidationError("governorate", f"{wanted.governorate!r} is not a governorate")
        every = self._queries.houses()
        return [h for h in every if _chosen(h, wanted)], every

    def _kept(
        self, houses: list[HouseRow], wanted: StatisticsFilter, group_by: GroupBy
    ) -> list[Figures]:
        """The areas' days as kept, areas by code then days in order."""
        areas: dict[str, Figures] = {}
        for house in houses:
            area = area_of(house, group_by)
            areas[area.code] = {
                "kind": area.kind.value,
                "code": area.code,
                "name_ar": area.name_ar,
                "name_fr": area.name_fr,
            }
        selection = Selection(wanted.first, wanted.last)
        named = None if not (wanted.houses or wanted.municipality or wanted.governorate) else areas
        target = target_bucket(WAIT, self.target_minutes)
        with no_cycle_collection():
            kept = self._queries.day_figures(
                group_by, selection, None if named is None else list(named)
            )
            kept.sort(key=lambda row: (row[0], row[1]))
            return [stored_figures(f, areas[a], target) for a, _, f in kept if a in areas]

    def _merged(
        self, houses: list[HouseRow], wanted: StatisticsFilter, group_by: GroupBy, period: Period
    ) -> list[Group]:
        of_house = {h.house_id: area_of(h, group_by) for h in houses}
        ids = {house: area_id(area) for house, area in of_house.items()}
        areas = {area_id(area): area for area in of_house.values()}
        selection = Selection(wanted.first, wanted.last, wanted.partner, wanted.service)
        target = self.target_minutes * MINUTE_MS // WAIT.width
        indexed = [areas[i] for i in dict.fromkeys(ids.values())]  # as `cells` numbers them
        with no_cycle_collection():  # thousands of rows and figures, no cycle among them
            cells = self._queries.cells(selection, ids, period, target)
            return merge(cells, indexed, period, (wanted.first, wanted.last))


def _kept(
    houses: list[HouseRow],
    every: list[HouseRow],
    wanted: StatisticsFilter,
    group_by: GroupBy,
    period: Period,
) -> bool:
    """Whether the question's groups are kept day figures: all houses of each area, unfiltered."""
    if period is not Period.DAY or wanted.partner is not None or wanted.service is not None:
        return False
    if group_by is GroupBy.HOUSE:
        return True
    chosen = {area_of(h, group_by).code for h in houses}
    return sum(area_of(h, group_by).code in chosen for h in every) == len(houses)
