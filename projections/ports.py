"""What every projection needs: a name and version, and a way to apply one event."""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

from eventsourcing.domain import DomainEventProtocol

W_contra = TypeVar("W_contra", contravariant=True)


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
