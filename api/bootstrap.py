"""The composition root: wires the one event store, the clock and the services of every context."""

from __future__ import annotations

from dataclasses import dataclass

from application.partners.service import PartnerService
from application.store import Clock, CommandRunner, EventStore
from infrastructure.clock import SystemClock
from infrastructure.eventstore.factory import open_event_store
from infrastructure.settings import Settings


@dataclass(frozen=True)
class Dar:
    """One process's view of Dar: its store and its services."""

    store: EventStore
    runner: CommandRunner
    partners: PartnerService

    def close(self) -> None:
        """Release the store's connections."""
        self.store.close()


def bootstrap(settings: Settings, clock: Clock | None = None) -> Dar:
    """Build Dar for these settings; tests pass their own clock."""
    settings.check_production_secrets()
    store = open_event_store(settings)
    runner = CommandRunner(store, clock or SystemClock())
    return Dar(store=store, runner=runner, partners=PartnerService(store, runner))
