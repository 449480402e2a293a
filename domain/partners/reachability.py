"""Whether a partner's system can be reached, as reported by the people who see it fail.

A house supervisor (whose house works with the partner) or the partner's own staff report the
partner's system reachable or unreachable, with an optional note. Reports of one partner on one
Tunisian business day form one stream: the status of the day, with who reported it and when.
A report that repeats the day's last status and note records nothing. The day's first report
is always recorded: the status carried from earlier days is the read model's to show, with the
moment it last changed ("since").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from domain.partners.partner import validate_partner_code
from domain.shared.acts import Act, DarAggregate
from domain.shared.errors import UnchangedError, ValidationError
from domain.shared.ids import natural_id
from domain.shared.time import tunis_day

MAX_NOTE = 200


class Reachability(StrEnum):
    """Whether the partner's system answers."""

    REACHABLE = "reachable"
    UNREACHABLE = "unreachable"


@dataclass(frozen=True)
class StatusReport:
    """One report: the status, who reported it, when, and why (optional)."""

    status: Reachability
    reported_by: str
    at: datetime
    note: str | None
    house_id: UUID | None


def status_day_id(partner_code: str, day: date) -> UUID:
    """One stream per partner per business day."""
    return natural_id("partner-status", validate_partner_code(partner_code), day.isoformat())


def checked_note(note: str | None) -> str | None:
    """A note is optional; given, it is 1 to 200 characters once trimmed."""
    if note is None or not note.strip():
        return None
    text = note.strip()
    if len(text) > MAX_NOTE:
        raise ValidationError("note", f"must be at most {MAX_NOTE} characters")
    return text


class PartnerStatusDay(DarAggregate):
    """The reports on one partner's system during one Tunisian business day."""

    class Opened(DarAggregate.Created):
        partner_code: str
        business_date: date

    class Reported(DarAggregate.Event):
        partner_code: str
        status: str
        note: str | None
        house_id: UUID | None

        def apply(self, aggregate: PartnerStatusDay) -> None:
            """The partner's system is now as reported."""
            aggregate.last = StatusReport(
                Reachability(self.status), self.actor, self.timestamp, self.note, self.house_id
            )
            aggregate.reports += 1

    def __init__(self, partner_code: str, business_date: date) -> None:
        self.partner_code = partner_code
        self.business_date = business_date
        self.last: StatusReport | None = None
        self.reports = 0

    @classmethod
    def open(cls, partner_code: str, act: Act) -> PartnerStatusDay:
        """The day's stream of reports on the partner, opened by its first report."""
        day = tunis_day(act.at)
        return cls._create(
            cls.Opened,
            id=status_day_id(partner_code, day),
            timestamp=act.at,
            actor=act.actor,
            command_id=act.command_id,
            partner_code=partner_code,
            business_date=day,
        )

    def report(
        self, status: Reachability, note: str | None, house_id: UUID | None, act: Act
    ) -> None:
        """Record the partner's system as `status`; the same status and note again: refused."""
        text = checked_note(note)
        last = self.last
        if last is not None and last.status is status and last.note == text:
            msg = f"{self.partner_code} is already reported {status.value} today"
            raise UnchangedError(msg)
        self._record(
            self.Reported,
            act,
            partner_code=self.partner_code,
            status=status.value,
            note=text,
            house_id=house_id,
        )
