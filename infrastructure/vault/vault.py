"""The key vault Dar's application layer uses: crypto over one of the two storages."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from infrastructure.eventstore.factory import SQLITE_PREFIX, is_postgres
from infrastructure.eventstore.pg_setup import vault_schema
from infrastructure.readmodels.setup import sqlite_sibling_path
from infrastructure.settings import Settings
from infrastructure.timeouts import app_timeouts
from infrastructure.vault.crypto import VaultCrypto, VaultIntegrityError
from infrastructure.vault.postgres_storage import PostgresVaultStorage
from infrastructure.vault.sqlite_storage import SQLiteVaultStorage
from infrastructure.vault.storage import IndexEntry, StoredKey, VaultStorage

LOOKUP_FIELD = "identityLookup"  # the field an index row's lookup is sealed for


class UnknownMasterKeyError(VaultIntegrityError):
    """A row was made under a master key that is neither current nor retired in this process."""


class Vault:
    """Per-citizen keys wrapped by the master key; the document index by keyed hash.

    `crypto` is the current master key: every new key and index row is made under it. The
    retired master keys (during a rotation) only open and find what was made under them.
    """

    def __init__(
        self, storage: VaultStorage, master_key: str, retired_master_keys: Sequence[str] = ()
    ) -> None:
        self.storage = storage
        self.crypto = VaultCrypto(master_key)
        retired = (VaultCrypto(key) for key in retired_master_keys)
        self.keyring = {c.key_id: c for c in (*retired, self.crypto)}

    def ensure_key(self, citizen_id: UUID) -> None:
        """See KeyVault."""
        if self.storage.get_key(citizen_id) is None:
            wrapped = self.crypto.new_wrapped_key(citizen_id)
            self.storage.add_key(citizen_id, StoredKey(wrapped, self.crypto.key_id))

    def seal(self, citizen_id: UUID, field: str, plaintext: str) -> str:
        """See KeyVault."""
        key = self._key(citizen_id)
        if key is None:
            msg = "the citizen has no key: register them first"
            raise LookupError(msg)
        return self.crypto.seal(key, citizen_id, field, plaintext)

    def open(self, citizen_id: UUID, field: str, token: str) -> str | None:
        """See KeyVault."""
        key = self._key(citizen_id)
        return None if key is None else self.crypto.open(key, citizen_id, field, token)

    def find(self, lookup: str) -> UUID | None:
        """See KeyVault. Under the current master key's hash, or a retired one's mid-rotation."""
        return self.storage.find([c.index_hash(lookup) for c in self.keyring.values()])

    def claim(self, lookup: str, citizen_id: UUID) -> UUID:
        """See KeyVault. The citizen's key is made first, and the row keeps the lookup sealed.

        The sealed lookup lets a rotation re-hash the row. A claim that loses a race drops the
        key it made.
        """
        found = self.find(lookup)
        if found is not None:
            return found
        self.ensure_key(citizen_id)
        entry = IndexEntry(
            lookup_hash=self.crypto.index_hash(lookup),
            citizen_id=citizen_id,
            key_id=self.crypto.key_id,
            sealed_lookup=self.seal(citizen_id, LOOKUP_FIELD, lookup),
        )
        owner = self.storage.claim(entry)
        if owner != citizen_id:
            self.storage.erase(citizen_id)
        return owner

    def erase(self, citizen_id: UUID) -> None:
        """See KeyVault."""
        self.storage.erase(citizen_id)

    def has_key(self, citizen_id: UUID) -> bool:
        """See KeyVault."""
        return self.storage.get_key(citizen_id) is not None

    def close(self) -> None:
        """Release connections."""
        self.storage.close()

    def _key(self, citizen_id: UUID) -> bytes | None:
        stored = self.storage.get_key(citizen_id)
        return None if stored is None else self.unwrap(citizen_id, stored)

    def unwrap(self, citizen_id: UUID, stored: StoredKey) -> bytes:
        """The data key, opened with the master key it names (any configured one if unnamed)."""
        if stored.key_id is not None:
            crypto = self.keyring.get(stored.key_id)
            if crypto is None:
                msg = f"a key is wrapped under master key {stored.key_id}, not configured here"
                raise UnknownMasterKeyError(msg)
            return crypto.unwrap(citizen_id, stored.wrapped)
        for crypto in self.keyring.values():
            try:
                return crypto.unwrap(citizen_id, stored.wrapped)
            except VaultIntegrityError:
                continue
        msg = "a key made before key ids opens with no configured master key"
        raise UnknownMasterKeyError(msg)


def open_vault(settings: Settings) -> Vault:
    """The vault that goes with the configured event store."""
    url = settings.database_url
    master_key = settings.master_key.get_secret_value()
    retired = retired_master_keys(settings)
    if is_postgres(url):
        storage = PostgresVaultStorage(
            url, vault_schema(settings), app_timeouts(settings).options()
        )
        return Vault(storage, master_key, retired)
    return Vault(SQLiteVaultStorage(sqlite_vault_path(settings)), master_key, retired)


def sqlite_vault_path(settings: Settings) -> str:
    """The vault's SQLite file, beside the events' file."""
    return sqlite_sibling_path(settings.database_url.removeprefix(SQLITE_PREFIX), "vault")


def retired_master_keys(settings: Settings) -> list[str]:
    """DAR_RETIRED_MASTER_KEYS, comma-separated: master keys a rotation is moving away from."""
    text = settings.retired_master_keys.get_secret_value()
    return [key.strip() for key in text.split(",") if key.strip()]
