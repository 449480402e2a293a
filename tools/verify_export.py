#!/usr/bin/env python3
"""Verify a Dar export (JSON Lines) offline, with the standard library only.

This program is the reference for docs/audit.md: it imports nothing from Dar. Usage:

    python3 verify_export.py EXPORT.jsonl [--checkpoint CHECKPOINT.json ...]

It recomputes every chain hash in the export from the hash before its first line, compares the
head with each checkpoint file given (kept outside Dar), and prints either "intact …" (exit 0)
or "broken at position N: why" (exit 1). A malformed file exits with 2.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import struct
import sys
import uuid
from dataclasses import dataclass, field

EXPORT_FORMAT = "dar-export/1"
CHECKPOINT_FORMAT = "dar-checkpoint/1"


def event_digest(line: dict[str, object]) -> bytes:
    """SHA-256 of u64be(position) | uuid | u64be(version) | u32be(len) topic | u32be(len) state."""
    topic = str(line["topic"]).encode("utf-8")
    state = base64.b64decode(str(line["state"]), validate=True)
    body = (
        struct.pack(">Q", int(str(line["position"])))
        + uuid.UUID(str(line["originator_id"])).bytes
        + struct.pack(">Q", int(str(line["originator_version"])))
        + struct.pack(">I", len(topic))
        + topic
        + struct.pack(">I", len(state))
        + state
    )
    return hashlib.sha256(body).digest()


class Broken(Exception):  # noqa: N818 - the verdict, not an error of this program
    """The first position where the export stops agreeing with its chain or a checkpoint."""

    def __init__(self, position: int, reason: str) -> None:
        super().__init__(f"broken at position {position}: {reason}")
        self.position = position


@dataclass
class Walk:
    """The chain recomputed line by line."""

    previous: bytes
    hashes: dict[int, bytes] = field(default_factory=dict)
    events: int = 0
    last: int = 0

    def step(self, line: dict[str, object]) -> None:
        """Check one position's line against the hash before it."""
        position = int(str(line["position"]))
        if position <= self.last:
            raise Broken(position, "positions are not in increasing order")
        if "state" in line:
            found = event_digest(line)
            self.events += 1
        elif "digest" in line:
            found = bytes.fromhex(str(line["digest"]))
        else:
            raise Broken(position, "a chain link without its event: the event was deleted")
        if line.get("hash") is None:
            raise Broken(position, "an event without a chain link: the event was inserted")
        computed = hashlib.sha256(self.previous + found).digest()
        if computed != bytes.fromhex(str(line["hash"])):
            raise Broken(position, "the event does not give its chain hash: it was altered")
        self.previous, self.last, self.hashes[position] = computed, position, computed

    def check(self, checkpoint: dict[str, object], first: int) -> None:
        """Compare the recomputed chain with a checkpoint kept outside Dar."""
        position, expected = (
            int(str(checkpoint["position"])),
            bytes.fromhex(str(checkpoint["hash"])),
        )
        if position > self.last:
            raise Broken(
                self.last + 1,
                f"the log ends at {self.last}, before the checkpoint's "
                f"position {position}: its tail was cut off",
            )
        if position < first:
            return  # before the export: a checkpoint it cannot speak of
        if position not in self.hashes:
            raise Broken(position, "the checkpoint's position is missing from the export")
        if self.hashes[position] != expected:
            raise Broken(position, "the log disagrees with the checkpoint: it was rewritten")


def verify(lines: list[dict[str, object]], checkpoints: list[dict[str, object]]) -> Walk:
    """Recompute the export's chain, then compare it with every checkpoint."""
    header = lines[0]
    if header.get("format") != EXPORT_FORMAT:
        raise ValueError("not a " + EXPORT_FORMAT + " file")
    walk = Walk(previous=bytes.fromhex(str(header["previous_hash"])))
    own = [line["checkpoint"] for line in lines[1:] if "checkpoint" in line]
    for line in lines[1:]:
        if "checkpoint" not in line:
            walk.step(line)
    first = int(str(header["first_position"] or 0))
    for checkpoint in [*own, *checkpoints]:
        if not isinstance(checkpoint, dict) or checkpoint.get("format") != CHECKPOINT_FORMAT:
            raise ValueError("not a " + CHECKPOINT_FORMAT + " checkpoint")
        walk.check(checkpoint, first)
    return walk


def main(argv: list[str] | None = None) -> int:
    """Print the verdict; exit 0 intact, 1 broken, 2 unreadable."""
    parser = argparse.ArgumentParser(description="Verify a Dar export offline.")
    parser.add_argument("export")
    parser.add_argument("--checkpoint", action="append", default=[])
    args = parser.parse_args(argv)
    try:
        with open(args.export, encoding="utf-8") as f:  # noqa: PTH123 - kept plain for auditors
            lines = [json.loads(raw) for raw in f if raw.strip()]
        checkpoints = []
        for name in args.checkpoint:
            with open(name, encoding="utf-8") as f:  # noqa: PTH123
                checkpoints.append(json.load(f))
        walk = verify(lines, checkpoints)
    except Broken as broken:
        print(broken)  # noqa: T201 - the program's output
        return 1
    except (OSError, ValueError, KeyError, IndexError, TypeError) as error:
        print(f"unreadable: {error}", file=sys.stderr)  # noqa: T201
        return 2
    print(f"intact: {walk.events} events in full, head {walk.last} {walk.previous.hex()}")  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
