"""What every projection needs: a name and version, and a way to apply one event."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, TypeVar

from eventsourcing.domain import DomainEventProtocol

W_contra = TypeVar("W_contra", contravariant=True)

Reads = Mapping[type, tuple[str, ...]]
"""A projection's decoding plan: for each event class, the fields its `apply` reads.

Declared as a projection's `reads` (optional: without it every field of every event is built).
Only those fields are decoded and set on the events it is given, with the originator id and
version and the `timestamp`, always there; an event class of its subscriptions that is not named
is given with those alone (a projection that passes it by its type). Reading any other attribute
of an event raises `AttributeError`, which stops the projection at that event: the plan is
checked by rebuilding the read model with and without it (tests/projections/test_decoding_plan.py).
"""


class Projection(Protocol[W_contra]):
    """Turns events into rows through a writer. Pure: the runner owns transactions and tracking.

    `version` is part of the tables' names: a new version is rebuilt from zero beside the old one.
    """

    name: str
    version: int

    def apply(self, event: DomainEventProtocol[Any], position: int, writer: W_contra) -> None:
        """Apply one event, at its log position, to the read model."""
        ...

    @property
    def key(self) -> str:
        """The tracking key and table suffix: `<name>_v<version>`."""
        ...
