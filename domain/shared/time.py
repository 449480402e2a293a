"""Dar's calendar time: business days and validity dates are Tunisian days."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

TUNIS = ZoneInfo("Africa/Tunis")


def tunis_day(moment: datetime) -> date:
    """The calendar day in Tunisia at `moment`."""
    return moment.astimezone(TUNIS).date()
