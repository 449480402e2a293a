"""The key vault: per-citizen keys and the identity index, outside the event store."""

from __future__ import annotations

from typing import Protocol
from uuid import UUID


class KeyVault(Protocol):
    """Seals and opens a citizen's values with that citizen's own key.

    The index maps a keyed hash of an identity document to the citizen id; neither the document
    nor its hash ever enters an event. Erasing destroys the key and the index entries: every value
    sealed with the key becomes unreadable for good.
    """

    def ensure_key(self, citizen_id: UUID) -> None:
        """Create the citizen's key unless it exists (an interrupted registration made it)."""
        ...

    def seal(self, citizen_id: UUID, field: str, plaintext: str) -> str:
        """The value encrypted with the citizen's key, bound to the citizen and the field."""
        ...

    def open(self, citizen_id: UUID, field: str, token: str) -> str | None:
        """The plaintext, or None once the citizen's key is destroyed."""
        ...

    def find(self, lookup: str) -> UUID | None:
        """The citizen indexed under a document lookup (`cin:01234567`), if any."""
        ...

    def claim(self, lookup: str, citizen_id: UUID) -> UUID:
        """Index the lookup to the citizen unless taken; returns the citizen it belongs to."""
        ...

    def erase(self, citizen_id: UUID) -> None:
        """Destroy the citizen's key and index entries (overwritten, then deleted)."""
        ...

    def has_key(self, citizen_id: UUID) -> bool:
        """Whether the citizen's key still exists."""
        ...
