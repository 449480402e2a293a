"""What the application needs from the event store beyond the library's recorder."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class CommandRecord:
    """A command's key and outcome, written in the same transaction as its events."""

    actor: str
    command_id: str
    digest: str
    outcome: str  # JSON object


@dataclass(frozen=True)
class RecordedCommand:
    """A command found in the store, with the log position of its last event."""

    actor: str
    command_id: str
    digest: str
    outcome: str
    position: int


@runtime_checkable
class CommandLog(Protocol):
    """Finds commands recorded with their events. Implemented by Dar's recorders."""

    def find_command(self, actor: str, command_id: str) -> RecordedCommand | None:
        """The recorded command under this key, or None."""
        ...
