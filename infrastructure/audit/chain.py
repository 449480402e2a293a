"""The hash chain over the stored events, and the verifier that names its first broken position.

Format (docs/audit.md): for the event at position n, with its stored bytes,
    body(n)   = u64be(n) ‖ originator_id (16 bytes) ‖ u64be(version)
                ‖ u32be(len(topic)) ‖ topic (UTF-8) ‖ u32be(len(state)) ‖ state
    digest(n) = SHA-256(body(n))
    hash(n)   = SHA-256(hash(previous position) ‖ digest(n)),  the hash before the first = 32 zeros.
The state is hashed as stored (encrypted personal data included), so erasing a citizen's key
changes nothing here.
"""

from __future__ import annotations

import hashlib
import json
import struct
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

GENESIS = bytes(32)
CHAIN_TABLE = "dar_chain"
_HEAD = struct.Struct(">Q16sQI")  # position, originator id, version, topic length
_U32 = struct.Struct(">I")
_sha256 = hashlib.sha256


class StoredRow(NamedTuple):
    """One event row as stored: what the chain commits to."""

    position: int
    originator_id: bytes  # the UUID's 16 bytes
    version: int
    topic: str
    state: bytes


Position = tuple[int, StoredRow | None, bytes | None]
"""A position of the log: its event (None if missing) and its chain hash (None if missing)."""


def digest(row: StoredRow) -> bytes:
    """SHA-256 of the event's body: its position, originator, version, topic and stored bytes."""
    position, originator_id, version, topic_text, state = row
    topic = topic_text.encode()
    head = _HEAD.pack(position, originator_id, version, len(topic))
    return _sha256(b"".join((head, topic, _U32.pack(len(state)), state))).digest()


def link(previous: bytes, event_digest: bytes) -> bytes:
    """The chain hash of an event: the hash before it, then its digest."""
    return _sha256(previous + event_digest).digest()


def chain_hashes(previous: bytes, rows: Iterable[StoredRow]) -> Iterator[tuple[int, bytes]]:
    """Each row's position and chain hash, continuing from the hash before the first."""
    for row in rows:
        previous = link(previous, digest(row))
        yield row.position, previous


@dataclass(frozen=True)
class Checkpoint:
    """The chain's head at a moment: an auditor keeps it outside Dar."""

    position: int
    hash: bytes
    time: datetime | None = None  # when it was taken; not part of what is checked

    def to_json(self) -> str:
        """The checkpoint file's content (docs/audit.md)."""
        body = {
            "format": "dar-checkpoint/1",
            "position": self.position,
            "hash": self.hash.hex(),
            "time": None if self.time is None else self.time.isoformat(),
        }
        return json.dumps(body, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Checkpoint:
        """Read a checkpoint file; a malformed one is a `ValueError`."""
        try:
            body = json.loads(text)
            if body.get("format") != "dar-checkpoint/1":
                msg = "not a dar-checkpoint/1 file"
                raise ValueError(msg)
            found = cls(int(body["position"]), bytes.fromhex(body["hash"]), _time(body.get("time")))
        except (KeyError, TypeError, AttributeError, json.JSONDecodeError) as error:
            msg = f"malformed checkpoint: {error}"
            raise ValueError(msg) from error
        if len(found.hash) != len(GENESIS) or found.position < 1:
            msg = "malformed checkpoint: a position ≥ 1 and a 32-byte hash are required"
            raise ValueError(msg)
        return found


def _time(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


@dataclass(frozen=True)
class Verification:
    """The verifier's finding: intact through the head, or the first broken position and why."""

    events: int
    head_position: int
    head_hash: bytes
    broken_at: int | None = None
    reason: str | None = None

    @property
    def intact(self) -> bool:
        """Whether every event, every link and every checkpoint agreed."""
        return self.broken_at is None


class _Break(Exception):  # noqa: N818 - internal control flow, never leaves this module
    def __init__(self, position: int, reason: str) -> None:
        super().__init__(reason)
        self.position, self.reason = position, reason


def verify(walk: Iterable[Position], checkpoints: Sequence[Checkpoint] = ()) -> Verification:
    """Walk the events and the chain together in position order; stop at the first disagreement.

    An event without a chain link (inserted), a link without its event (deleted), a hash that the
    stored bytes do not give (changed, swapped) or a checkpoint that the log does not reach or
    does not agree with (tail cut off, chain rewritten) names the position where it shows.
    """
    walker = _Walk(sorted(checkpoints, key=lambda c: c.position))
    try:
        for position, row, stored in walk:
            walker.step(position, row, stored)
        walker.finish()
    except _Break as broken:
        return walker.result(broken.position, broken.reason)
    return walker.result(None, None)


class _Walk:
    def __init__(self, checkpoints: list[Checkpoint]) -> None:
        self.pending = checkpoints
        self.events, self.position, self.hash = 0, 0, GENESIS

    def step(self, position: int, row: StoredRow | None, stored: bytes | None) -> None:
        pending = self.pending
        if pending and pending[0].position < position:
            self._passed(position)
        if row is None:
            raise _Break(position, "a chain link without its event: the event was deleted")
        if stored is None:
            raise _Break(position, "an event without a chain link: the event was inserted")
        try:  # digest() and link(), inlined: the hot path
            _, originator_id, version, topic_text, state = row
            topic = topic_text.encode()
            head = _HEAD.pack(position, originator_id, version, len(topic))
            body = _sha256(b"".join((head, topic, _U32.pack(len(state)), state))).digest()
        except (AttributeError, TypeError, struct.error) as error:  # a NULL written by hand
            raise _Break(position, "the stored event cannot be read: it was altered") from error
        computed = _sha256(self.hash + body).digest()
        if computed != stored:
            raise _Break(position, "the stored event does not give its chain hash: it was altered")
        self.events, self.position, self.hash = self.events + 1, position, computed
        if pending and pending[0].position == position:
            self._check_at(position)

    def _passed(self, position: int) -> None:
        if self.pending and self.pending[0].position < position:
            missing = self.pending[0].position
            raise _Break(missing, f"the checkpoint's position {missing} is missing from the log")

    def _check_at(self, position: int) -> None:
        while self.pending and self.pending[0].position == position:
            if self.pending.pop(0).hash != self.hash:
                raise _Break(position, "the log disagrees with the checkpoint: it was rewritten")

    def finish(self) -> None:
        if self.pending:
            cut = self.position + 1
            reason = (
                f"the log ends at {self.position}, before the checkpoint's position "
                f"{self.pending[0].position}: its tail was cut off"
            )
            raise _Break(cut, reason)

    def result(self, broken_at: int | None, reason: str | None) -> Verification:
        return Verification(self.events, self.position, self.hash, broken_at, reason)
