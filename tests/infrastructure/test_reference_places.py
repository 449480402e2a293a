"""Reference geography and the business calendar that partner deadlines are counted in."""

from __future__ import annotations

from datetime import date, time

from domain.houses.calendar import Season
from infrastructure.reference.places import business_calendar, governorates, municipalities


def test_the_24_governorates_with_their_codes_and_names() -> None:
    assert len(governorates()) == 24
    assert len({g.code for g in governorates()}) == 24
    assert {g.code for g in governorates()} >= {m.governorate for m in municipalities()}
    kasserine = next(g for g in governorates() if g.code == "TN-42")
    assert (kasserine.name_fr, kasserine.name_ar) == ("Kasserine", "القصرين")


def test_working_days_skip_weekends_and_holidays() -> None:
    calendar = business_calendar()
    assert not calendar.is_working_day(date(2026, 1, 1))  # New Year, a Thursday
    assert not calendar.is_working_day(date(2026, 1, 3))  # Saturday
    assert calendar.is_working_day(date(2026, 1, 2))
    # Friday 2026-03-13 + 5 working days: 16-19 March, then 20 (Independence, Aïd) and the
    # weekend are skipped: Monday 23 March.
    assert calendar.add_working_days(date(2026, 3, 13), 5) == date(2026, 3, 23)
    assert calendar.working_days_between(date(2026, 3, 13), date(2026, 3, 23)) == 5


def test_ramadan_and_summer_have_single_session_hours() -> None:
    calendar = business_calendar()
    assert calendar.season(date(2026, 3, 2)) is Season.RAMADAN
    assert calendar.season(date(2026, 7, 15)) is Season.SUMMER
    ramadan = calendar.opening_hours(date(2026, 3, 2))
    assert ramadan is not None
    assert ramadan.closes == time(14, 30)
    assert calendar.opening_hours(date(2026, 3, 21)) is None  # Aïd on a Saturday
