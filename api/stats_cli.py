"""`dar stats export`: the governance office's figures as a published CSV or XLSX file.

The same report as GraphQL's `serviceStatistics` (same filter, grouping and period), read from
the statistics read model as it stands; counts under `DAR_STATISTICS_SMALL_COUNT` and the figures
resting on that few acts are blanked (docs/statistics.md).
"""

from __future__ import annotations

from contextlib import closing
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from api.bootstrap import bootstrap
from domain.shared.errors import DarError
from infrastructure.inclusion_export import published_inclusion_rows
from infrastructure.settings import Settings
from infrastructure.statistics_export import rows, write_csv, write_xlsx
from infrastructure.statistics_report import StatisticsFilter, StatisticsReport
from projections.statistics.figures import GroupBy, Period

stats_app = typer.Typer(help="The governance office's statistics: published exports.")


class Format(StrEnum):
    """The file formats of an export."""

    CSV = "csv"
    XLSX = "xlsx"


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise typer.BadParameter(f"{text!r} is not a date (YYYY-MM-DD)") from error


@stats_app.command("export")
def export(  # noqa: PLR0913, PLR0917 - the report's filter, grouping and period, as options
    out: Annotated[Path, typer.Option("--out", help="the file to write")],
    first: Annotated[str, typer.Option("--from", help="first day, YYYY-MM-DD")],
    last: Annotated[str, typer.Option("--to", help="last day, YYYY-MM-DD")],
    file_format: Annotated[Format, typer.Option("--format")] = Format.CSV,
    group_by: Annotated[GroupBy, typer.Option("--group-by")] = GroupBy.NATION,
    period: Annotated[Period, typer.Option("--period")] = Period.WEEK,
    houses: Annotated[list[str] | None, typer.Option("--house", help="a house code")] = None,
    municipality: Annotated[str | None, typer.Option("--municipality")] = None,
    governorate: Annotated[str | None, typer.Option("--governorate")] = None,
    partner: Annotated[str | None, typer.Option("--partner")] = None,
    service: Annotated[str | None, typer.Option("--service")] = None,
) -> None:
    """Write the figures of the houses and days asked for, small counts blanked.

    The service figures, then the digital-inclusion figures (`inclusion_…` measures), unless a
    partner or service is named: sessions know none.
    """
    settings = Settings()
    wanted = StatisticsFilter(
        first=_day(first),
        last=_day(last),
        houses=tuple(houses or ()),
        municipality=municipality,
        governorate=governorate,
        partner=partner,
        service=service,
    )
    with closing(bootstrap(settings, projector=False)) as dar:
        report = StatisticsReport(dar.read.statistics, settings.statistics_wait_target_minutes)
        try:
            groups = report.figures(wanted, group_by, period)
            small = settings.statistics_small_count
            inclusion = published_inclusion_rows(
                dar.read.inclusion_statistics, wanted, group_by, period, small
            )
        except DarError as error:
            typer.echo(f"refused: {error}", err=True)
            raise typer.Exit(code=2) from error
    table = rows(groups, small) + inclusion
    (write_csv if file_format is Format.CSV else write_xlsx)(table, out)
    typer.echo(f"{out}: {len(table)} figures of {len(groups)} groups")
