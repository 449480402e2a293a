"""Finding a house's counter room for the business day of an act."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from application.store import EventStore
from domain.houses.house import House
from domain.houses.room import CounterRoom, counter_room_id
from domain.shared.time import tunis_day


def todays_room(store: EventStore, house: House, at: datetime) -> CounterRoom | None:
    """The house's counter room for the business day of `at`, if a counter was opened that day."""
    return store.find(counter_room_id(house.id, tunis_day(at)), CounterRoom)


def holder_today(store: EventStore, house: House, number: int, at: datetime) -> UUID | None:
    """The agent holding the house's counter on the business day of `at` (None when closed)."""
    room = todays_room(store, house, at)
    return None if room is None else room.holder(number)
