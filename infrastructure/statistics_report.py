"""The governance office's report: which houses a filter names, their areas, the merged figures.

Shared by GraphQL's `serviceStatistics` and `dar stats export`, so both say the same figures.
A house's municipality and governorate are those of its registration; the governorate is told by
its ISO 3166-2:TN code and its names from `infrastructure/reference/geography.yaml`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.shared.errors import ValidationError
from infrastructure.cycles import no_cycle_collection
from infrastructure.readmodels.statistics import Selection, StatisticsQueries
from infrastructure.reference.places import Municipality, governorates, municipalities
from projections.statistics.figures import Area, Group, GroupBy, Period, merge
from projections.statistics.histogram import MINUTE_MS, WAIT
from projections.statistics.view import HouseRow

MAX_DAYS = 732  # two years of days per question
NATION = Area(GroupBy.NATION, "TN", "تونس", "Tunisie")


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


def governorate_code(name: str) -> str | None:
    """A governorate's code from its code or French name, any case; None if unknown."""
    wanted = name.strip().casefold()
    for governorate in governorates():
        if wanted in {governorate.code.casefold(), governorate.name_fr.casefold()}:
            return governorate.code
    return None


def area_of(house: HouseRow, group_by: GroupBy) -> Area:
    """The area a house's figures are merged into."""
    code = governorate_code(house.governorate) or house.governorate
    match group_by:
        case GroupBy.HOUSE:
            return Area(group_by, house.code, house.name_ar, house.name_fr)
        case GroupBy.MUNICIPALITY:
            place = _municipalities_of(code).get(house.municipality.strip().casefold())
            ar, fr = (place.name_ar, place.name_fr) if place else (house.municipality,) * 2
            return Area(group_by, f"{code}/{fr}", ar, fr)
        case GroupBy.GOVERNORATE:
            by_code = {g.code: g for g in governorates()}
            governorate = by_code.get(code)
            ar, fr = (governorate.name_ar, governorate.name_fr) if governorate else (code, code)
            return Area(group_by, code, ar, fr)
        case GroupBy.NATION:
            return NATION


@cache
def _municipalities_of(governorate: str) -> dict[str, Municipality]:
    """A governorate's municipalities by their French name, any case."""
    return {m.name_fr.casefold(): m for m in municipalities() if m.governorate == governorate}


def area_id(area: Area) -> UUID:
    """The id the database sums an area's cells under."""
    return uuid5(NAMESPACE_URL, f"urn:dar:statistics-area:{area.kind.value}:{area.code}")


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
        check_range(wanted.first, wanted.last)
        if wanted.governorate is not None and governorate_code(wanted.governorate) is None:
            raise ValidationError("governorate", f"{wanted.governorate!r} is not a governorate")
        houses = [h for h in self._queries.houses() if _chosen(h, wanted)]
        of_house = {h.house_id: area_of(h, group_by) for h in houses}
        ids = {house: area_id(area) for house, area in of_house.items()}
        areas = {area_id(area): area for area in of_house.values()}
        selection = Selection(wanted.first, wanted.last, wanted.partner, wanted.service)
        target = self.target_minutes * MINUTE_MS // WAIT.width
        indexed = [areas[i] for i in dict.fromkeys(ids.values())]  # as `cells` numbers them
        with no_cycle_collection():  # thousands of rows and figures, no cycle among them
            cells = self._queries.cells(selection, ids, period, target)
            return merge(cells, indexed, period, (wanted.first, wanted.last))
