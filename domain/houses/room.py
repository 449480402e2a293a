"""A house's counter room for one business day: which agent holds which counter today.

Who holds a counter is a fact of the day, not of the house's identity: the house's own stream
(counters, lines, hours, holidays) changes a few times a year, while counters open and close every
day. Every counter of a house starts a business day closed; a counter left open at the end of a
day stays open in that day's record, and blocks nothing the next day.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from domain.houses.house import CounterStateError
from domain.shared.acts import Act, DarAggregate
from domain.shared.ids import natural_id


def counter_room_id(house_id: UUID, day: date) -> UUID:
    """One counter room per house and business day (Africa/Tunis)."""
    return natural_id("counter-room", str(house_id), day.isoformat())


class CounterRoom(DarAggregate):
    """Who holds which counter of a house, on one business day."""

    class Opened(DarAggregate.Created):
        """The day's room, opened by its first counter opening; `counters` all start closed."""

        house_id: UUID
        day: date
        counters: tuple[int, ...]

    class CounterOpened(DarAggregate.Event):
        house_id: UUID
        number: int
        agent_id: UUID

        def apply(self, aggregate: CounterRoom) -> None:
            """The counter is bound to the agent who took it, for the day."""
            aggregate.holders[self.number] = self.agent_id

    class CounterClosed(DarAggregate.Event):
        house_id: UUID
        number: int

        def apply(self, aggregate: CounterRoom) -> None:
            """Nobody holds the counter."""
            del aggregate.holders[self.number]

    def __init__(self, house_id: UUID, day: date, counters: tuple[int, ...]) -> None:
        self.house_id = house_id
        self.day = day
        self.counters = counters
        self.holders: dict[int, UUID] = {}

    @classmethod
    def open(cls, house_id: UUID, day: date, counters: tuple[int, ...], act: Act) -> CounterRoom:
        """The house's room for `day`, every counter closed."""
        return cls._create(
            cls.Opened,
            id=counter_room_id(house_id, day),
            timestamp=act.at,
            actor=act.actor,
            command_id=act.command_id,
            house_id=house_id,
            day=day,
            counters=tuple(sorted(counters)),
        )

    def holder(self, number: int) -> UUID | None:
        """The agent holding the counter today, if open."""
        return self.holders.get(number)

    def open_counter(self, number: int, agent_id: UUID, act: Act) -> None:
        """An agent takes a closed counter; an agent works at one counter at a time."""
        if number in self.holders:
            raise CounterStateError(f"counter {number} is already open")
        if agent_id in self.holders.values():
            raise CounterStateError("this agent already holds another counter")
        self._record(
            self.CounterOpened, act, house_id=self.house_id, number=number, agent_id=agent_id
        )

    def close_counter(self, number: int, act: Act) -> None:
        """The agent leaves (or its supervisor, an administrator closes) an open counter."""
        if number not in self.holders:
            raise CounterStateError(f"counter {number} is not open")
        self._record(self.CounterClosed, act, house_id=self.house_id, number=number)
