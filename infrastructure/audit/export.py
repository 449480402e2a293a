"""`dar audit export`: a period's or a house's events as JSON Lines, checkable offline.

The file (docs/audit.md) holds a header line, then one line per position from the first event
exported to the head of the log: the events exported in full (stored bytes in base64), the others
as their digest alone, each with its chain hash; and a last line, the checkpoint at the head. So
the links inside it can be recomputed, and its head compared with a checkpoint kept outside Dar.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, TextIO
from uuid import UUID

from eventsourcing.persistence import Mapper, StoredEvent

from domain.shared.time import TUNIS
from infrastructure.audit.chain import GENESIS, Checkpoint, StoredRow, digest
from infrastructure.audit.log import StoredLog

EXPORT_FORMAT = "dar-export/1"

# An event's payload as the exporting role and purpose may see it: {"payload", "withheld"}, or
# None for an event that no longer decodes (its stored bytes alone are exported).
Payloads = Callable[[int], dict[str, Any] | None]


@dataclass(frozen=True)
class Selection:
    """Which events an export carries in full: a period of business days, a house, or all."""

    first_day: date | None = None
    last_day: date | None = None
    house_id: UUID | None = None
    described: dict[str, str] = field(default_factory=dict)

    def start(self) -> datetime | None:
        """The period's first instant (midnight in Tunis)."""
        return None if self.first_day is None else datetime.combine(self.first_day, time(), TUNIS)

    def end(self) -> datetime | None:
        """The instant after the period (midnight after its last day, in Tunis)."""
        if self.last_day is None:
            return None
        return datetime.combine(self.last_day + timedelta(days=1), time(), TUNIS)


def selector(mapper: Mapper[UUID], selection: Selection) -> Callable[[StoredRow], bool]:
    """Whether a stored event falls in the selection; one that cannot be decoded is kept."""
    start, end = selection.start(), selection.end()

    def selected(row: StoredRow) -> bool:
        try:
            event = mapper.to_domain_event(
                StoredEvent(UUID(bytes=row.originator_id), row.version, row.topic, row.state)
            )
        except Exception:  # noqa: BLE001 - an altered event is exported for the auditor to see
            return True
        at: datetime = getattr(event, "timestamp")  # noqa: B009 - every event has one
        in_period = (start is None or at >= start) and (end is None or at < end)
        house = selection.house_id
        ours = house is None or house in {event.originator_id, getattr(event, "house_id", None)}
        return in_period and ours

    return selected


@dataclass
class ExportSummary:
    """What an export holds."""

    events: int = 0
    links: int = 0
    checkpoint: Checkpoint | None = None


def write_export(  # noqa: PLR0913 - the export's parts
    log: StoredLog,
    out: TextIO,
    selected: Callable[[StoredRow], bool],
    *,
    now: datetime,
    selection: Selection,
    payloads: Payloads | None = None,
) -> ExportSummary:
    """Write the export: header, one line per position from the first event selected, checkpoint.

    With `payloads`, an event exported in full also carries its decoded payload (beside, never
    instead of, its stored bytes: the verifier checks the bytes alone).
    """
    summary, previous, started = ExportSummary(), GENESIS, False
    for position, row, stored in log.walk():
        if not started and row is not None and selected(row):
            started = True
            _write(out, _header(previous, position, now, selection))
        if started:
            line = _line(position, row, stored, selected)
            if payloads is not None and "state" in line:
                line |= payloads(position) or {}
                line["hash"] = line.pop("hash")  # the hash stays the line's last field
            summary.events += "state" in line
            summary.links += "state" not in line
            _write(out, line)
            if stored is not None:
                summary.checkpoint = Checkpoint(position, stored, now)
        previous = stored if stored is not None else previous
    if not started:
        _write(out, _header(previous, None, now, selection))
    if summary.checkpoint is not None:
        _write(out, {"checkpoint": json.loads(summary.checkpoint.to_json())})
    return summary


def _header(
    previous: bytes, first: int | None, now: datetime, selection: Selection
) -> dict[str, Any]:
    return {
        "format": EXPORT_FORMAT,
        "exported_at": now.isoformat(),
        "selection": selection.described,
        "first_position": first,
        "previous_hash": previous.hex(),
    }


def _line(
    position: int,
    row: StoredRow | None,
    stored: bytes | None,
    selected: Callable[[StoredRow], bool],
) -> dict[str, Any]:
    line: dict[str, Any] = {"position": position}
    if row is not None and selected(row):
        line |= {
            "originator_id": str(UUID(bytes=row.originator_id)),
            "originator_version": row.version,
            "topic": row.topic,
            "state": base64.b64encode(row.state).decode(),
        }
    elif row is not None:
        line["digest"] = digest(row).hex()
    line["hash"] = None if stored is None else stored.hex()
    return line


def _write(out: TextIO, line: dict[str, Any]) -> None:
    out.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")


def read_lines(text: str) -> Iterator[dict[str, Any]]:
    """An export's lines, parsed (for tests and tools)."""
    for raw in text.splitlines():
        if raw.strip():
            yield json.loads(raw)
