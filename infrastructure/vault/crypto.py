"""The vault's cryptography: AES-256-GCM everywhere, keys derived from the master key by HKDF.

- A citizen's data key is 32 random bytes, wrapped (AES-GCM) by a key derived from the master key,
  bound to the citizen's id, so a wrapped key moved to another row does not open.
- Each value is sealed with the data key and a fresh nonce, bound to the citizen id and the field
  name: a ciphertext copied to another citizen or field does not open either.
- The index key (HMAC-SHA-256) is derived separately: knowing a CIN is not enough to find its row
  without the master key, and the row says nothing about the CIN.
- A master key is named by its key id, also derived by HKDF (it reveals nothing of the key): each
  wrapped key and index row records the id of the master key it was made under, so a rotation
  knows what is left to re-wrap, and a retired key can be named without being stored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from domain.citizens.citizen import SEALED_PREFIX

NONCE = 12
KEY_ID_BYTES = 8


class VaultIntegrityError(Exception):
    """A wrapped key or a sealed value does not open: it was altered or moved."""


def _derive(master_key: str, label: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label).derive(
        master_key.encode()
    )


class VaultCrypto:
    """Key wrapping, sealing and the index hash, from one master key."""

    def __init__(self, master_key: str) -> None:
        self._wrapping = AESGCM(_derive(master_key, b"dar vault: key wrapping v1"))
        self._index_key = _derive(master_key, b"dar vault: identity index v1")
        self.key_id = _derive(master_key, b"dar vault: key id v1")[:KEY_ID_BYTES].hex()

    def new_wrapped_key(self, citizen_id: UUID) -> bytes:
        """A fresh data key for the citizen, wrapped."""
        return self.wrap(citizen_id, AESGCM.generate_key(256))

    def wrap(self, citizen_id: UUID, data_key: bytes) -> bytes:
        """An existing data key wrapped under this master key (a rotation re-wraps with it)."""
        nonce = os.urandom(NONCE)
        return nonce + self._wrapping.encrypt(nonce, data_key, citizen_id.bytes)

    def unwrap(self, citizen_id: UUID, wrapped: bytes) -> bytes:
        """The citizen's data key."""
        try:
            return self._wrapping.decrypt(wrapped[:NONCE], wrapped[NONCE:], citizen_id.bytes)
        except InvalidTag as error:
            raise VaultIntegrityError("a wrapped key does not open for this citizen") from error

    @staticmethod
    def seal(data_key: bytes, citizen_id: UUID, field: str, plaintext: str) -> str:
        """`sealed:v1:` and the URL-safe base64 of nonce and ciphertext."""
        nonce = os.urandom(NONCE)
        box = AESGCM(data_key).encrypt(nonce, plaintext.encode(), _bound(citizen_id, field))
        return SEALED_PREFIX + base64.urlsafe_b64encode(nonce + box).decode()

    @staticmethod
    def open(data_key: bytes, citizen_id: UUID, field: str, token: str) -> str:
        """The plaintext of a sealed value."""
        raw = base64.urlsafe_b64decode(token.removeprefix(SEALED_PREFIX))
        try:
            plain = AESGCM(data_key).decrypt(raw[:NONCE], raw[NONCE:], _bound(citizen_id, field))
        except InvalidTag as error:
            raise VaultIntegrityError("a sealed value does not open for this citizen") from error
        return plain.decode()

    def index_hash(self, lookup: str) -> str:
        """The keyed hash a document is indexed under."""
        return hmac.new(self._index_key, lookup.encode(), hashlib.sha256).hexdigest()


def _bound(citizen_id: UUID, field: str) -> bytes:
    return citizen_id.bytes + field.encode()
