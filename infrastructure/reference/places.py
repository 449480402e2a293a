"""Reference geography and the business calendar, read from this package's YAML files."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from functools import cache
from importlib import resources
from typing import Any

import yaml

from domain.houses.calendar import BusinessCalendar, Hours, Period, Season

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


@dataclass(frozen=True)
class Governorate:
    """One of the 24 governorates."""

    code: str
    name_fr: str
    name_ar: str


@dataclass(frozen=True)
class Municipality:
    """A municipality and its governorate's code."""

    name_fr: str
    name_ar: str
    governorate: str


def _load(name: str) -> Any:  # noqa: ANN401 - YAML documents
    return yaml.safe_load(resources.files(__package__).joinpath(name).read_text(encoding="utf-8"))


@cache
def governorates() -> tuple[Governorate, ...]:
    """The 24 governorates."""
    return tuple(Governorate(**row) for row in _load("geography.yaml")["governorates"])


@cache
def municipalities() -> tuple[Municipality, ...]:
    """The municipalities known so far (a seed list)."""
    return tuple(Municipality(**row) for row in _load("geography.yaml")["municipalities"])


def governorate_names() -> frozenset[str]:
    """Codes and French names by which a governorate may be named."""
    return frozenset({g.code for g in governorates()} | {g.name_fr for g in governorates()})


def _period(row: dict[str, Any]) -> Period:
    return Period(date.fromisoformat(str(row["from"])), date.fromisoformat(str(row["to"])))


@cache
def business_calendar() -> BusinessCalendar:
    """The houses' calendar from `calendar.yaml`."""
    document = _load("calendar.yaml")
    years: dict[Any, dict[str, Any]] = document.get("years") or {}
    return BusinessCalendar(
        weekend=frozenset(WEEKDAYS.index(d) for d in document["weekend"]),
        fixed_holidays=frozenset(
            (int(h["date"][:2]), int(h["date"][3:])) for h in document["fixed_holidays"]
        ),
        holidays=frozenset(
            date.fromisoformat(str(h["date"])) for y in years.values() for h in y["holidays"]
        ),
        hours={
            Season(name): Hours(time.fromisoformat(v["opens"]), time.fromisoformat(v["closes"]))
            for name, v in document["opening_hours"].items()
        },
        ramadan=tuple(_period(y["ramadan"]) for y in years.values() if "ramadan" in y),
        summer=tuple(_period(y["summer"]) for y in years.values() if "summer" in y),
    )
