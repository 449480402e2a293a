"""Keeping the vault clean: the rotation of the master key, and the rewrite that drops dead rows.

Operator procedure (docs/personal-data.md): erase → `dar vault vacuum` (nightly) → on a schedule,
`dar vault rotate-master-key` with the new key current and the old one retired, then vacuum, then
the old key is removed from the configuration and destroyed. A vault with index rows made before
lookups were sealed is first brought up to date by `dar vault reindex` (once, before rotating).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from uuid import UUID

from application.store import EventStore
from domain.citizens.citizen import Citizen
from domain.citizens.identity import DocumentKind, IdentityDocument
from infrastructure.eventstore.factory import is_postgres
from infrastructure.eventstore.pg_setup import vault_schema
from infrastructure.settings import Settings
from infrastructure.vault.postgres_storage import vacuum_vault
from infrastructure.vault.sqlite_storage import vacuum_sqlite_vault
from infrastructure.vault.storage import IndexEntry, StoredKey
from infrastructure.vault.vault import LOOKUP_FIELD, Vault, sqlite_vault_path

BATCH = 500
VACUUM_ATTEMPTS = 3  # PostgreSQL: rewrites tried while a transaction still sees erased rows
VACUUM_PAUSE_SECONDS = 1.0
DOCUMENT_FIELD = "documentNumber"  # the field the citizens' service seals the number for


class VacuumUnavailableError(RuntimeError):
    """The vault cannot be rewritten with this configuration."""


class VacuumIncompleteError(VacuumUnavailableError):
    """The vault was rewritten, but a reader kept what it may still read (a log, row versions)."""


@dataclass
class Rotation:
    """What one run of the rotation did, and what is still under another master key after it."""

    rewrapped: int = 0
    rehashed: int = 0
    keys_left: int = 0
    index_rows_left: int = 0
    unsealed_index_rows: int = 0

    @property
    def complete(self) -> bool:
        """Every key and sealed index row is under the current master key."""
        return self.keys_left == 0 and self.index_rows_left == 0


def rotate_master_key(vault: Vault, batch: int = BATCH) -> Rotation:
    """Re-wrap every key and re-hash every index row made under another master key.

    One pass in key order; each row is swapped alone, only if unchanged since it was read, so a
    crash leaves each row under the old or the new key (both configured: all still read) and a
    run again finishes the rest; an erasure or a registration meanwhile is neither undone nor
    missed. Rows written meanwhile by a process still running with the old key current are
    counted as left: restart it with the new configuration, and run again.
    """
    rotation = Rotation()
    _rewrap_keys(vault, rotation, batch)
    _rehash_index(vault, rotation, batch)
    current = vault.crypto.key_id
    rotation.keys_left = len(vault.storage.keys_not_under(current, None, batch))
    rotation.index_rows_left = len(vault.storage.index_not_under(current, None, batch))
    rotation.unsealed_index_rows = vault.storage.unsealed_index_rows()
    return rotation


def _rewrap_keys(vault: Vault, rotation: Rotation, batch: int) -> None:
    current, after = vault.crypto, None
    while rows := vault.storage.keys_not_under(current.key_id, after, batch):
        for citizen_id, stored in rows:
            data_key = vault.unwrap(citizen_id, stored)
            new = StoredKey(current.wrap(citizen_id, data_key), current.key_id)
            rotation.rewrapped += vault.storage.replace_key(citizen_id, stored.wrapped, new)
        after = rows[-1][0]


def _rehash_index(vault: Vault, rotation: Rotation, batch: int) -> None:
    current, after = vault.crypto, None
    while entries := vault.storage.index_not_under(current.key_id, after, batch):
        for entry in entries:
            lookup = _lookup(vault, entry.citizen_id, entry.sealed_lookup)
            if lookup is not None:
                new_hash = current.index_hash(lookup)
                rotation.rehashed += vault.storage.rehash(
                    entry.lookup_hash, new_hash, current.key_id
                )
        after = entries[-1].lookup_hash


def _lookup(vault: Vault, citizen_id: UUID, sealed: str | None) -> str | None:
    """The plaintext lookup; None if the citizen was erased since the row was read."""
    return None if sealed is None else vault.open(citizen_id, LOOKUP_FIELD, sealed)


@dataclass
class Reindex:
    """What one run of the reindex did: rows given their sealed lookup, rows it could not match."""

    sealed: int = 0
    unmatched: int = 0


def reindex(vault: Vault, store: EventStore, batch: int = BATCH) -> Reindex:
    """Seal the lookup of each index row made before lookups were sealed: a rotation can move it.

    The lookup is rebuilt from the citizen's `Registered` event (the document's kind, and its
    number sealed with the citizen's own key) and kept only if its keyed hash is the row's own:
    a row is never given a lookup it was not made from. A row that cannot be matched (no such
    citizen, no document, a key gone) is left as it was and counted.
    """
    done, after = Reindex(), None
    while entries := vault.storage.unsealed_index(after, batch):
        for entry in entries:
            lookup = _registered_lookup(vault, store, entry)
            if lookup is None:
                done.unmatched += 1
                continue
            sealed = vault.seal(entry.citizen_id, LOOKUP_FIELD, lookup)
            done.sealed += vault.storage.seal_lookup(entry.lookup_hash, sealed)
        after = entries[-1].lookup_hash
    return done


def _registered_lookup(vault: Vault, store: EventStore, entry: IndexEntry) -> str | None:
    """The lookup the row was hashed from, rebuilt from the citizen's record, if it matches."""
    citizen = store.find(entry.citizen_id, Citizen)
    if citizen is None or citizen.document_kind is None or citizen.document_number is None:
        return None
    number = vault.open(entry.citizen_id, DOCUMENT_FIELD, citizen.document_number)
    if number is None:
        return None
    lookup = IdentityDocument(DocumentKind(citizen.document_kind), number).lookup
    hashes = {crypto.index_hash(lookup) for crypto in vault.keyring.values()}
    return lookup if entry.lookup_hash in hashes else None


def vacuum(settings: Settings) -> str:
    """Rewrite the vault's live files so no erased or re-wrapped key is left in them."""
    if is_postgres(settings.database_url):
        if settings.owner_database_url is None:
            msg = "on PostgreSQL the rewrite runs as the tables' owner: set DAR_OWNER_DATABASE_URL"
            raise VacuumUnavailableError(msg)
        for attempt in range(VACUUM_ATTEMPTS):
            if attempt:
                time.sleep(VACUUM_PAUSE_SECONDS)  # the transaction that still sees them may end
            if vacuum_vault(settings.owner_database_url, vault_schema(settings)) == 0:
                return "vault tables rewritten (VACUUM FULL)."
        msg = (
            "vault tables rewritten, but a transaction open elsewhere in the database still "
            "sees erased or re-wrapped keys, so they were copied too; run dar vault vacuum again"
        )
        raise VacuumIncompleteError(msg)
    checkpoint = vacuum_sqlite_vault(sqlite_vault_path(settings))
    if checkpoint.busy:
        msg = (
            "vault file rebuilt, but a reader kept its write-ahead log from emptying: erased or "
            "re-wrapped keys may stay in it; run dar vault vacuum again"
        )
        raise VacuumIncompleteError(msg)
    return "vault file rebuilt and its write-ahead log truncated."
