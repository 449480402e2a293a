"""A counter's desk: it serves one ticket at a time.

Kept apart from the house (whose counters say who holds them) so that calls at different counters
never contend, and apart from the queues, so that a counter serving several lines still serves
one ticket at a time.
"""

from __future__ import annotations

from uuid import UUID

from domain.shared.acts import Act, DarAggregate
from domain.shared.errors import DarError
from domain.shared.ids import natural_id


class CounterBusyError(DarError):
    """The counter is serving a ticket already."""

    code = "COUNTER_BUSY"


def desk_id(house_id: UUID, counter: int) -> UUID:
    """One desk per counter of a house."""
    return natural_id("desk", str(house_id), str(counter))


class Desk(DarAggregate):
    """What a counter is serving."""

    class Opened(DarAggregate.Created):
        house_id: UUID
        counter: int

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

    def __init__(self, house_id: UUID, counter: int) -> None:
        self.house_id = house_id
        self.counter = counter
        self.serving: tuple[UUID, str] | None = None

    @classmethod
    def open(cls, house_id: UUID, counter: int, act: Act) -> Desk:
        """The counter's desk, opened by its first call."""
        return cls._create(
            cls.Opened,
            id=desk_id(house_id, counter),
            timestamp=act.at,
            actor=act.actor,
            command_id=act.command_id,
            house_id=house_id,
            counter=counter,
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
