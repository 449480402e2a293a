"""Reporting whether a partner's system can be reached.

Who may report: the partner's own staff (for their partner only), or the supervisor of a house
that works with the partner (a grant register of the house and partner exists: a grant was
recorded between them). The report goes to the partner's stream of the day.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from application.commands import Command
from application.store import CommandRunner, Decision, EventStore, Outcome
from domain.delegation.register import GrantRegister, register_id
from domain.houses.house import House, house_id
from domain.partners.partner import Partner, partner_id, validate_partner_code
from domain.partners.reachability import PartnerStatusDay, Reachability, status_day_id
from domain.shared.acts import Act
from domain.shared.errors import DarError, ForbiddenError, NotFoundError
from domain.shared.time import tunis_day


class PartnerNotServedError(DarError):
    """The supervisor's house has no grant of this partner: not the house's to report on."""

    code = "PARTNER_NOT_SERVED"


@dataclass(frozen=True)
class ReportPartnerStatus(Command):
    """Report a partner's system reachable or unreachable, with an optional note.

    `reporter_partner` is the partner user's own partner; `house_code` the reporting supervisor's
    house. One of them names who reports.
    """

    partner_code: str
    status: Reachability
    note: str | None
    house_code: str | None
    reporter_partner: str | None


@dataclass(frozen=True)
class PartnerStatusReported:
    """The partner's stream of the day the report went to."""

    id: UUID


class PartnerStatusService:
    """Records reports on partners' systems."""

    def __init__(self, store: EventStore, runner: CommandRunner) -> None:
        self._store = store
        self._runner = runner

    def report(self, command: ReportPartnerStatus) -> Outcome[PartnerStatusReported]:
        """Record the report in the partner's stream of the day (opened by its first report)."""
        code = validate_partner_code(command.partner_code)

        def decide(act: Act) -> Decision[PartnerStatusReported]:
            reporting_house = self._check_reporter(command, code)
            day = self._store.find(status_day_id(code, tunis_day(act.at)), PartnerStatusDay)
            if day is None:
                day = PartnerStatusDay.open(code, act)
            day.report(command.status, command.note, reporting_house, act)
            return Decision(aggregates=[day], value=PartnerStatusReported(day.id))

        return self._runner.run(command, decide, returns=PartnerStatusReported)

    def _check_reporter(self, command: ReportPartnerStatus, code: str) -> UUID | None:
        """The reporting supervisor's house (None for the partner's own staff), or refused."""
        if self._store.find(partner_id(code), Partner) is None:
            raise NotFoundError(f"no partner is registered under {code}")
        if command.reporter_partner is not None:
            if command.reporter_partner != code:
                raise ForbiddenError("a partner reports on its own system only")
            return None
        if command.house_code is None:
            raise ForbiddenError("a partner's status is reported by the partner or a supervisor")
        house = self._store.load(house_id(command.house_code), House, "house")
        if self._store.find(register_id(house.id, partner_id(code)), GrantRegister) is None:
            msg = f"house {command.house_code} does not work with {code}"
            raise PartnerNotServedError(msg)
        return house.id
