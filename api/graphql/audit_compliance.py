"""`complianceReport`: every act not covered at its log position, from the log alone.

The log is read through the event store up to its position when asked; no read model is read.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import strawberry

from api.graphql.access import query
from api.graphql.audit import AUDITORS
from api.graphql.audit_money import MAX_DAYS
from api.graphql.caller import parse_id
from api.graphql.context import DarInfo
from api.graphql.enums import ActKind, Cover
from api.graphql.scalars import Position
from application.audit.compliance import ComplianceFromLog, Uncovered
from domain.shared.errors import ValidationError


@strawberry.type(description="An act not covered at its log position, and the covers it lacked.")
class UncoveredAct:
    position: Position
    act: ActKind
    at: datetime
    house_id: strawberry.ID
    partner_code: str
    service_code: str
    actor: str
    missing: list[Cover] = strawberry.field(
        description="Grant in force, accreditation, mandate (absent citizen): those lacking."
    )


@strawberry.type(description="Compliance replayed from the log alone; expected empty.")
class ComplianceReport:
    position: Position = strawberry.field(description="The last log position taken into account.")
    uncovered: list[UncoveredAct]


def _line(found: Uncovered) -> UncoveredAct:
    return UncoveredAct(
        position=Position(found.position),
        act=found.kind,
        at=found.at,
        house_id=strawberry.ID(str(found.house_id)),
        partner_code=found.partner_code,
        service_code=found.service_code,
        actor=found.actor,
        missing=list(found.missing),
    )


@strawberry.type
class ComplianceQueries:
    @query(
        AUDITORS,
        "Every request lodged, payment collected and refund approved, on these Tunis days, that"
        " was not covered at its log position by a grant in force, an accreditation and (for an"
        " absent citizen) a mandate; replayed from the log alone (auditors, admin).",
    )
    async def compliance_report(
        self,
        info: DarInfo,
        from_: Annotated[date, strawberry.argument(name="from")],
        to: date,
        house_id: strawberry.ID | None = None,
    ) -> ComplianceReport:
        if to < from_:
            raise ValidationError("to", "must not be before `from`")
        if (to - from_).days >= MAX_DAYS:
            raise ValidationError("to", f"a report covers at most {MAX_DAYS} days")
        house = parse_id(house_id, "houseId") if house_id else None
        store = info.context.dar.store

        def report() -> tuple[int, list[Uncovered]]:
            position = store.position()
            return position, ComplianceFromLog(store).report(from_, to, house, up_to=position)

        position, found = await info.context.blocking(report)
        return ComplianceReport(position=Position(position), uncovered=[_line(x) for x in found])
