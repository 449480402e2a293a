"""Where a house's statistics are merged: its house, municipality, governorate, the nation.

A house's municipality and governorate are those of its registration; the governorate is told by
its ISO 3166-2:TN code and its names from `infrastructure/reference/geography.yaml`. Shared by the
report (which areas a question names) and the statistics' writer (which areas' day figures an
event changes).
"""

from __future__ import annotations

from functools import cache
from typing import Protocol
from uuid import NAMESPACE_URL, UUID, uuid5

from infrastructure.reference.places import Municipality, governorates, municipalities
from projections.statistics.figures import Area, GroupBy

NATION = Area(GroupBy.NATION, "TN", "تونس", "Tunisie")


def governorate_code(name: str) -> str | None:
    """A governorate's code from its code or French name, any case; None if unknown."""
    wanted = name.strip().casefold()
    for governorate in governorates():
        if wanted in {governorate.code.casefold(), governorate.name_fr.casefold()}:
            return governorate.code
    return None


class RegisteredHouse(Protocol):
    """What the areas need of a house (the service and the inclusion statistics' house rows)."""

    @property
    def code(self) -> str:
        """Its code."""
        ...

    @property
    def name_ar(self) -> str:
        """Its Arabic name."""
        ...

    @property
    def name_fr(self) -> str:
        """Its French name."""
        ...

    @property
    def municipality(self) -> str:
        """Its municipality, as registered."""
        ...

    @property
    def governorate(self) -> str:
        """Its governorate (code or French name), as registered."""
        ...


def area_of(house: RegisteredHouse, group_by: GroupBy) -> Area:
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
