"""Deterministic ids for natural keys (a partner code, a house code, an employee number)."""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5


def natural_id(kind: str, *key: str) -> UUID:
    """The id of the `kind` known by `key`: the same key always gives the same id."""
    return uuid5(NAMESPACE_URL, "urn:dar:" + kind + ":" + "/".join(key))
