"""The key vault Dar's application layer uses: crypto over one of the two storages."""

from __future__ import annotations

from uuid import UUID

from infrastructure.eventstore.factory import SQLITE_PREFIX, is_postgres
from infrastructure.eventstore.pg_setup import vault_schema
from infrastructure.readmodels.setup import sqlite_sibling_path
from infrastructure.settings import Settings
from infrastructure.timeouts import app_timeouts
from infrastructure.vault.crypto import VaultCrypto
from infrastructure.vault.storage import PostgresVaultStorage, SQLiteVaultStorage, VaultStorage


class Vault:
    """Per-citizen keys wrapped by the master key; the document index by keyed hash."""

    def __init__(self, storage: VaultStorage, master_key: str) -> None:
        self.storage = storage
        self.crypto = VaultCrypto(master_key)

    def ensure_key(self, citizen_id: UUID) -> None:
        """See KeyVault."""
        if self.storage.get_key(citizen_id) is None:
            self.storage.add_key(citizen_id, self.crypto.new_wrapped_key(citizen_id))

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
        """See KeyVault."""
        return self.storage.find(self.crypto.index_hash(lookup))

    def claim(self, lookup: str, citizen_id: UUID) -> UUID:
        """See KeyVault."""
        return self.storage.claim(self.crypto.index_hash(lookup), citizen_id)

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
        wrapped = self.storage.get_key(citizen_id)
        return None if wrapped is None else self.crypto.unwrap(citizen_id, wrapped)


def open_vault(settings: Settings) -> Vault:
    """The vault that goes with the configured event store."""
    url = settings.database_url
    master_key = settings.master_key.get_secret_value()
    if is_postgres(url):
        storage = PostgresVaultStorage(
            url, vault_schema(settings), app_timeouts(settings).options()
        )
        return Vault(storage, master_key)
    path = sqlite_sibling_path(url.removeprefix(SQLITE_PREFIX), "vault")
    return Vault(SQLiteVaultStorage(path), master_key)
