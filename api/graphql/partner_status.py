"""Partners' systems: reported reachable or unreachable, shown to the house's agents.

`reportPartnerStatus` is the partner's own staff (its own partner only) or the supervisor of a
house that works with the partner. `partnerStatus(houseId)` lists each partner the house works
with: its last reported status, since when, who reported it, and how many of the house's
payments and files wait to be confirmed by the partner's system.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import strawberry

from api.bootstrap import ReadModels
from api.graphql.access import PARTNER_SIDE, STAFF_AND_AUDIT, query
from api.graphql.caller import Caller, parse_id
from api.graphql.context import DarInfo
from api.graphql.enums import Reachability
from api.graphql.pipeline import Submission, mutation
from api.graphql.rows import Answer, from_row
from api.graphql.scalars import Position
from application.partners.reachability import PartnerStatusReported, ReportPartnerStatus


@strawberry.type(description="A partner's system as last reported.")
class PartnerSystemStatus:
    partner_code: str
    status: Reachability
    since: datetime = strawberry.field(
        description="When the status last changed (never reported: when the partner was "
        "registered, reachable assumed)."
    )
    reported_at: datetime | None = strawberry.field(description="The last report, if any.")
    reported_by: str | None = strawberry.field(description="Who made the last report.")
    note: str | None
    waiting: int = strawberry.field(
        description="The house's payments and files the partner's system has not confirmed yet."
    )


@strawberry.type(description="The report recorded.")
class PartnerStatusResult(Answer[PartnerStatusReported]):
    id: strawberry.ID = strawberry.field(description="The partner's reports of the day.")
    position: Position = strawberry.field(
        description="Log position of the report; pass it as atLeastPosition."
    )
    replayed: bool = strawberry.field(
        description="True when this is the retry of a recorded command."
    )


@strawberry.input(description="A partner's system reported reachable or unreachable.")
class ReportPartnerStatusInput:
    command_id: str
    partner_code: str
    status: Reachability
    note: str | None = None

    async def to_command(
        self, caller: Caller
    ) -> Submission[ReportPartnerStatus, PartnerStatusReported]:
        """The report, by the partner itself or by the supervisor's house."""
        command = caller.command(
            ReportPartnerStatus,
            self,
            house_code=caller.house_code,
            reporter_partner=caller.partner,
        )
        return Submission(command, caller.dar.partner_status.report)


def _house_statuses(read: ReadModels, house: UUID) -> list[PartnerSystemStatus]:
    partners = set(read.deliveries.house_partners(house))
    waiting = read.deliveries.waiting_counts(house)
    return [
        from_row(
            PartnerSystemStatus,
            row,
            status=Reachability.REACHABLE if row.reachable else Reachability.UNREACHABLE,
            waiting=waiting.get(row.partner_code, 0),
        )
        for row in read.deliveries.statuses()
        if row.partner_id in partners
    ]


@strawberry.type
class PartnerStatusQueries:
    @query(
        STAFF_AND_AUDIT,
        "Each partner the house works with: its system reachable or not, since when, and what "
        "of the house's waits for it.",
    )
    async def partner_status(
        self, info: DarInfo, house_id: strawberry.ID, at_least_position: Position | None = None
    ) -> list[PartnerSystemStatus]:
        await info.context.caller().house_code_of(house_id)  # staff: only their own house
        house = parse_id(house_id, "houseId")
        return await info.context.read(
            "deliveries", at_least_position, lambda r: _house_statuses(r, house)
        )


@strawberry.type
class PartnerStatusMutations:
    report_partner_status = mutation(
        ReportPartnerStatusInput,
        PartnerStatusResult,
        PARTNER_SIDE,
        "Report a partner's system reachable or unreachable (partner: its own; supervisor: a "
        "partner its house works with).",
    )
