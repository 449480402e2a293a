"""`moneyReport`: money recomputed from the log alone, and where the payments read model differs.

The log is read up to the position the payments read model has applied, so that the two sides
speak of the same events; if the read model moves on while its figures are read, the report is
made again (a few times at most) from its new position.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated
from uuid import UUID

import strawberry

from api.graphql.access import query
from api.graphql.audit import AUDITORS
from api.graphql.caller import parse_id
from api.graphql.context import DarInfo
from api.graphql.scalars import Position
from application.audit.money import Disagreement, Figures, MoneyFromLog, MoneyLine, disagreements
from domain.shared.errors import ValidationError
from domain.shared.money import Money
from infrastructure.readmodels.payments import PaymentsQueries
from projections.payments.view import CollectionRow

MAX_DAYS = 366
_ATTEMPTS = 3


@strawberry.type(description="A partner's money at a house on a day, exact to the millime.")
class MoneyFigures:
    captures: int = strawberry.field(description="Payments captured that day.")
    captured: Money
    refunded: Money = strawberry.field(description="Refunds paid back that day.")
    net: Money = strawberry.field(description="Captured less refunded.")

    @classmethod
    def of(cls, figures: Figures) -> MoneyFigures:
        """The figures as GraphQL shows them."""
        return cls(
            captures=figures.captures,
            captured=Money(figures.captured_millimes),
            refunded=Money(figures.refunded_millimes),
            net=Money(figures.net_millimes),
        )


@strawberry.type(description="One partner at one house on one Tunis business day, from the log.")
class MoneyReportLine:
    business_date: date
    house_id: strawberry.ID
    partner_code: str
    figures: MoneyFigures
    refunds: int = strawberry.field(description="Refunds paid back that day.")


@strawberry.type(description="Where the payments read model and the log give different figures.")
class MoneyDisagreement:
    business_date: date
    house_id: strawberry.ID
    partner_code: str
    from_log: MoneyFigures
    read_model: MoneyFigures = strawberry.field(description="As `collections` shows them.")


@strawberry.type(description="Money recomputed from the log alone, against the read model.")
class MoneyReport:
    position: Position = strawberry.field(description="The last log position taken into account.")
    lines: list[MoneyReportLine]
    disagreements: list[MoneyDisagreement] = strawberry.field(
        description="Expected empty: each names the day, house and partner, with both figures."
    )


def _line(line: MoneyLine) -> MoneyReportLine:
    return MoneyReportLine(
        business_date=line.business_date,
        house_id=strawberry.ID(str(line.house_id)),
        partner_code=line.partner_code,
        figures=MoneyFigures.of(line.figures),
        refunds=line.refunds,
    )


def _disagreement(found: Disagreement) -> MoneyDisagreement:
    return MoneyDisagreement(
        business_date=found.business_date,
        house_id=strawberry.ID(str(found.house_id)),
        partner_code=found.partner_code,
        from_log=MoneyFigures.of(found.from_log),
        read_model=MoneyFigures.of(found.read_model),
    )


def read_model_figures(rows: list[CollectionRow]) -> dict[str, Figures]:
    """The day's collections by partner, its methods added together."""
    found: dict[str, Figures] = {}
    for r in rows:
        had = found.get(r.partner_code, Figures())
        found[r.partner_code] = Figures(
            had.captures + r.payments,
            had.captured_millimes + r.collected_millimes,
            had.refunded_millimes + r.refunded_millimes,
        )
    return found


def money_report(  # noqa: PLR0913, PLR0917 - the question's parts
    log: MoneyFromLog,
    read: PaymentsQueries,
    tracked: Callable[[], int],
    day_from: date,
    day_to: date,
    house_id: UUID | None,
) -> tuple[int, list[MoneyLine], list[Disagreement]]:
    """The lines from the log and the disagreements, both at the read model's position."""
    for _ in range(_ATTEMPTS):
        position = tracked()
        lines, houses = log.report(day_from, day_to, house_id, up_to=position)
        found = disagreements(
            lines,
            houses,
            day_from,
            day_to,
            lambda house, day: read_model_figures(read.collections(house, day)),
        )
        if tracked() == position:
            break
    return position, lines, found


@strawberry.type
class MoneyQueries:
    @query(
        AUDITORS,
        "Per partner, house and Tunis business day, captured less refunded recomputed from the"
        " log alone, and every day, house and partner where the payments read model differs"
        " (auditors, admin).",
    )
    async def money_report(
        self,
        info: DarInfo,
        from_: Annotated[date, strawberry.argument(name="from")],
        to: date,
        house_id: strawberry.ID | None = None,
    ) -> MoneyReport:
        if to < from_:
            raise ValidationError("to", "must not be before `from`")
        if (to - from_).days >= MAX_DAYS:
            raise ValidationError("to", f"a report covers at most {MAX_DAYS} days")
        house = parse_id(house_id, "houseId") if house_id else None
        dar = info.context.dar
        log, read = MoneyFromLog(dar.store), dar.read.payments

        def tracked() -> int:
            return dar.read.db.tracked(dar.read.payments_key)

        position, lines, found = await info.context.blocking(
            lambda: money_report(log, read, tracked, from_, to, house)
        )
        return MoneyReport(
            position=Position(position),
            lines=[_line(x) for x in lines],
            disagreements=[_disagreement(x) for x in found],
        )
