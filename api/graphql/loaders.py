"""DataLoaders of the fields that load per parent: one read-model query per field, not per parent.

A request's loaders are made with its context (`Context.loaders`). They batch the keys asked for
in one tick of the event loop and do not cache: a WebSocket connection keeps its context for
its whole life, and a cache would serve a later operation the rows an earlier one read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar
from uuid import UUID

from strawberry.dataloader import DataLoader

from projections.directory.view import AccreditationRow, CounterRow, LineRow

if TYPE_CHECKING:
    from api.graphql.context import Context

R = TypeVar("R")


@dataclass(frozen=True)
class Loaders:
    """The per-parent loads of one request."""

    counters: DataLoader[UUID, list[CounterRow]]
    lines: DataLoader[UUID, list[LineRow]]
    accreditations: DataLoader[UUID, list[AccreditationRow]]

    @classmethod
    def of(cls, context: Context) -> Loaders:
        """Loaders reading Dar's read models off the event loop."""
        directory = context.dar.read.directory
        return cls(
            counters=_loader(context, directory.counters_by_house),
            lines=_loader(context, directory.lines_by_house),
            accreditations=_loader(context, directory.accreditations_by_agent),
        )


def _loader(
    context: Context, read: Callable[[Sequence[UUID]], dict[UUID, list[R]]]
) -> DataLoader[UUID, list[R]]:
    async def load(keys: list[UUID]) -> list[list[R]]:
        found = await context.blocking(lambda: read(keys))
        return [found.get(key, []) for key in keys]

    return DataLoader(load_fn=load, cache=False)
