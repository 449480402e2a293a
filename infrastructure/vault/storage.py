"""Where the vault's rows live: its own tables beside the events (SQLite file, PostgreSQL schema).

Two tables: the wrapped data key per citizen, and the index from a keyed hash of an identity
document to the citizen id. Each row names the master key it was made under (`key_id`); an index
row also keeps its lookup sealed with the citizen's own key, so a rotation can re-hash it under a
new master key, and an erasure makes that copy unreadable with the rest.

Erasing overwrites a key before deleting it; SQLite runs with `secure_delete` so freed pages are
zeroed, and its write-ahead log is truncated after an erasure. On PostgreSQL an UPDATE writes a
new row version, so the old one lingers in the heap file until the table is rewritten:
`dar vault vacuum` runs `VACUUM FULL` as the owner role — see docs/personal-data.md.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

KEYS = "citizen_keys"
INDEX = "citizen_index"
ADDED_COLUMNS = ((KEYS, "key_id"), (INDEX, "key_id"), (INDEX, "sealed_lookup"))


@dataclass(frozen=True)
class StoredKey:
    """A wrapped data key and the id of the master key it is wrapped under.

    A key id of None: made before key ids were recorded; whichever configured master key opens it.
    """

    wrapped: bytes
    key_id: str | None


@dataclass(frozen=True)
class IndexEntry:
    """An index row: the keyed hash, its citizen, and the master key it was hashed under.

    The lookup is kept sealed with the citizen's key (None for rows indexed before it was).
    """

    lookup_hash: str
    citizen_id: UUID
    key_id: str | None
    sealed_lookup: str | None


class VaultStorage(ABC):
    """The vault's two tables."""

    @abstractmethod
    def get_key(self, citizen_id: UUID) -> StoredKey | None:
        """The wrapped key, if it exists."""

    @abstractmethod
    def add_key(self, citizen_id: UUID, key: StoredKey) -> None:
        """Store a wrapped key unless the citizen has one already."""

    @abstractmethod
    def find(self, lookup_hashes: Sequence[str]) -> UUID | None:
        """The citizen indexed under any of the hashes (one per configured master key)."""

    @abstractmethod
    def claim(self, entry: IndexEntry) -> UUID:
        """Index the hash to the citizen unless taken; the citizen it belongs to."""

    @abstractmethod
    def erase(self, citizen_id: UUID) -> None:
        """Overwrite then delete the citizen's key and index rows, in one transaction."""

    @abstractmethod
    def rows(self) -> tuple[list[tuple[UUID, bytes]], list[tuple[str, UUID]]]:
        """Every key row and index row (for the erasure scan and audits)."""

    @abstractmethod
    def keys_not_under(
        self, key_id: str, after: UUID | None, limit: int
    ) -> list[tuple[UUID, StoredKey]]:
        """Up to `limit` keys made under another master key than `key_id`, after `after`.

        In citizen order, so one pass over the table ends whatever fails on the way.
        """

    @abstractmethod
    def replace_key(self, citizen_id: UUID, old: bytes, new: StoredKey) -> bool:
        """Swap a wrapped key for its re-wrapped form if it is still `old` (not erased since)."""

    @abstractmethod
    def index_not_under(self, key_id: str, after: str | None, limit: int) -> list[IndexEntry]:
        """Up to `limit` sealed index rows hashed under another master key, after `after`."""

    @abstractmethod
    def rehash(self, old_hash: str, new_hash: str, key_id: str) -> bool:
        """Move an index row to its hash under another master key, if it is still there."""

    @abstractmethod
    def unsealed_index(self, after: str | None, limit: int) -> list[IndexEntry]:
        """Up to `limit` index rows without a sealed lookup, after `after`, in hash order."""

    @abstractmethod
    def seal_lookup(self, lookup_hash: str, sealed: str) -> bool:
        """Give an index row its sealed lookup, if it is still there without one."""

    @abstractmethod
    def unsealed_index_rows(self) -> int:
        """How many index rows have no sealed lookup (indexed before lookups were sealed)."""

    @abstractmethod
    def close(self) -> None:
        """Release connections."""
