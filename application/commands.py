"""What every command carries, and how its payload is fingerprinted for idempotency."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType
from typing import Any, ClassVar
from uuid import UUID


@dataclass(frozen=True)
class Command:
    """A request to change Dar. `command_id` is the client's idempotency key, scoped by actor."""

    command_id: str
    actor: str

    recorded_as: ClassVar[tuple[str, Mapping[str, object]] | None] = None
    """For a command split out of an older, wider one: that one's kind, and the values it had
    for the fields this one no longer carries. The digest stays the older command's, so the retry
    of a command recorded before the split is still recognised as a retry."""


def _canonical(value: Any) -> Any:  # noqa: ANN401 - walks arbitrary dataclass payloads
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, (list, tuple, frozenset, set)):
        items = [_canonical(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, (set, frozenset)) else items
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    return value


PERSONAL = MappingProxyType({"personal": True})


def payload_digest(command: Command) -> str:
    """A digest of the command's kind and payload, without its key and actor.

    A retry carries the same digest; reusing a key for anything else does not. Fields marked
    `PERSONAL` are left out: the command log outlives an erasure, so it must hold no hash of a
    name or an identity number (8-digit CINs are easily guessed back from a plain hash). A retry's
    personal fields are compared instead with what the first attempt sealed under the citizen's
    own key (`CommandRunner.run`'s `same_personal`), which erasure destroys.
    """
    kind, fixed = command.recorded_as or (type(command).__qualname__, {})
    fields = {name: _canonical(value) for name, value in fixed.items()}
    fields.update(
        (f.name, _canonical(getattr(command, f.name)))
        for f in dataclasses.fields(command)
        if f.name not in {"command_id", "actor"} and not f.metadata.get("personal")
    )
    text = json.dumps(
        {"kind": kind, "payload": fields},
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(text.encode()).hexdigest()


def has_personal_fields(command: Command | type[Command]) -> bool:
    """Whether a command (or a kind of command) has fields marked `PERSONAL`: not in its digest."""
    return any(f.metadata.get("personal") for f in dataclasses.fields(command))
