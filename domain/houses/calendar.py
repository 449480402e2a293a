"""The houses' business calendar: working days (for partner deadlines) and opening hours."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time, timedelta
from enum import StrEnum

from domain.shared.errors import ValidationError

MAX_WORKING_DAYS = 365


class Season(StrEnum):
    """Which opening hours apply on a day."""

    NORMAL = "normal"
    RAMADAN = "ramadan"
    SUMMER = "summer"


@dataclass(frozen=True)
class Hours:
    """Opening and closing time of a day."""

    opens: time
    closes: time


@dataclass(frozen=True)
class Period:
    """Consecutive days, both included."""

    first: date
    last: date

    def includes(self, day: date) -> bool:
        """Whether the day is within the period."""
        return self.first <= day <= self.last


@dataclass(frozen=True)
class BusinessCalendar:
    """Weekends, holidays and the single-session periods of the houses."""

    weekend: frozenset[int]  # weekday numbers, Monday = 0
    fixed_holidays: frozenset[tuple[int, int]]  # (month, day)
    holidays: frozenset[date]
    hours: dict[Season, Hours]
    ramadan: tuple[Period, ...] = field(default=())
    summer: tuple[Period, ...] = field(default=())

    def is_working_day(self, day: date) -> bool:
        """Not a weekend day and not a holiday."""
        if day.weekday() in self.weekend or day in self.holidays:
            return False
        return (day.month, day.day) not in self.fixed_holidays

    def add_working_days(self, start: date, days: int) -> date:
        """The working day that is `days` working days after `start` (a partner's deadline)."""
        if not 0 <= days <= MAX_WORKING_DAYS:
            raise ValidationError("days", f"must be 0 to {MAX_WORKING_DAYS}")
        day, left = start, days
        while left > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        return day

    def working_days_between(self, first: date, last: date) -> int:
        """Working days after `first` up to `last` included (how late a file is)."""
        count, day = 0, first
        while day < last:
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count

    def season(self, day: date) -> Season:
        """Which opening hours apply."""
        if any(p.includes(day) for p in self.ramadan):
            return Season.RAMADAN
        if any(p.includes(day) for p in self.summer):
            return Season.SUMMER
        return Season.NORMAL

    def opening_hours(self, day: date) -> Hours | None:
        """The hours of a working day; None when the houses are closed."""
        return self.hours[self.season(day)] if self.is_working_day(day) else None
