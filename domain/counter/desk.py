"""A counter's desk for one business day: it serves one ticket at a time.

Kept apart from the house and its counter room (who holds which counter) so that calls at
different counters never contend, and apart from the queues, so that a counter serving several
lines still serves one ticket at a time. A desk lives one business day, like the queues it serves
from: a call decides on today's desk, never on every ticket the counter ever served.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from domain.shared.acts import Act, DarAggregate
from domain.shared.errors import DarError
from domain.shared.ids import natural_id


class CounterBusyError(DarError):
    """The counter is serving a ticket already."""

    code = "COUNTER_BUSY"


def desk_id(house_id: UUID, counter: int, day: date) -> UUID:
    """One desk per counter of a house and business day (Africa/Tunis)."""
    return natural_id("desk", str(house_id), str(counter), day.isoformat())


def lifelong_desk_id(house_id: UUID, counter: int) -> UUID:
    """The id of a desk recorded before desks had a day (one stream per counter, for ever).

    Its events stay in the record and still project; no command writes to it any more.
    """
    return natural_id("desk", str(house_id), str(counter))


class Desk(DarAggregate):
    """What a counter is serving, on one business day."""

    class Opened(DarAggregate.Created):
        """A lifelong desk's first event (recorded before desks had a day)."""

        house_id: UUID
        counter: int

    class OpenedForDay(DarAggregate.Created):
        """The counter's desk for a business day, opened by the day's first call."""

        house_id: UUID
        counter: int
        day: date

    class Took(DarAggregate.Event):
        queue_id: UUID
        label: str

        def apply(self, aggregate: Desk) -> None:
            """Serving this ticket now."""
            aggregate.serving = (self.queue_id, self.label)

    class Released(DarAggregate.Event):
        queue_id: UUID
        label: str

        def apply(self, aggregate: Desk) -> None:
            """Free again."""
            aggregate.serving = None

    def __init__(self, house_id: UUID, counter: int, day: date | None = None) -> None:
        self.house_id = house_id
        self.counter = counter
        self.day = day
        self.serving: tuple[UUID, str] | None = None

    @classmethod
    def open(cls, house_id: UUID, counter: int, day: date, act: Act) -> Desk:
        """The counter's desk for `day`, opened by the day's first call."""
        return cls._create(
            cls.OpenedForDay,
            id=desk_id(house_id, counter, day),
            timestamp=act.at,
            actor=act.actor,
            command_id=act.command_id,
            house_id=house_id,
            counter=counter,
            day=day,
        )

    def take(self, queue: UUID, label: str, act: Act) -> None:
        """Start serving a ticket; refused while another is being served."""
        if self.serving is not None:
            msg = f"counter {self.counter} is serving {self.serving[1]}: end, park or transfer it"
            raise CounterBusyError(msg)
        self._record(self.Took, act, queue_id=queue, label=label)

    def release(self, queue: UUID, label: str, act: Act) -> None:
        """Stop serving that ticket."""
        if self.serving != (queue, label):
            msg = f"counter {self.counter} is not serving {label}"
            raise CounterBusyError(msg)
        self._record(self.Released, act, queue_id=queue, label=label)
