"""The governance office's inclusion report: the houses a filter names, their areas, the figures.

Shared by GraphQL's `inclusionStatistics` and `dar stats export`, so both say the same figures.
The filter is the service statistics' (`StatisticsFilter`), and so are the areas: a house's
municipality and governorate are those of its registration, the governorate told by its ISO
3166-2:TN code and its names from `infrastructure/reference/geography.yaml`. Sessions know no
partner or service: a filter naming one is refused.
"""

from __future__ import annotations

from domain.shared.errors import ValidationError
from infrastructure.readmodels.inclusion_statistics import InclusionStatisticsQueries
from infrastructure.statistics_areas import area_of
from infrastructure.statistics_report import StatisticsFilter, check_range, governorate_code
from projections.inclusion_statistics.figures import InclusionGroup, merge
from projections.inclusion_statistics.view import InclusionHouseRow
from projections.statistics.figures import GroupBy, Period


def _chosen(house: InclusionHouseRow, wanted: StatisticsFilter) -> bool:
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


def check_filter(wanted: StatisticsFilter) -> None:
    """The days run forwards within the limit; a governorate is known; no partner or service."""
    check_range(wanted.first, wanted.last)
    if wanted.governorate is not None and governorate_code(wanted.governorate) is None:
        raise ValidationError("governorate", f"{wanted.governorate!r} is not a governorate")
    if wanted.partner is not None:
        raise ValidationError("partnerCode", "the inclusion figures know no partner")
    if wanted.service is not None:
        raise ValidationError("serviceCode", "the inclusion figures know no service")


class InclusionReport:
    """Inclusion figures by area and period from the inclusion statistics read model."""

    def __init__(self, queries: InclusionStatisticsQueries) -> None:
        self._queries = queries

    def groups(
        self, wanted: StatisticsFilter, group_by: GroupBy, period: Period
    ) -> list[InclusionGroup]:
        """The figures of the houses the filter names, summed by `group_by` and `period`."""
        check_filter(wanted)
        houses = [h for h in self._queries.houses() if _chosen(h, wanted)]
        areas = {h.house_id: area_of(h, group_by) for h in houses}
        cells = self._queries.cells(areas, wanted.first, wanted.last)
        return merge(cells, areas, period, (wanted.first, wanted.last))
