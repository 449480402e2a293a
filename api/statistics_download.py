"""The governance page's export buttons: `GET /statistics/export`, as `dar stats export` writes.

Query parameters as the command's options: `from`, `to` (YYYY-MM-DD, required), `format`
(`csv`, the default, or `xlsx`), `groupBy` (`house`, `municipality`, `governorate`, `nation`),
`period` (`day`, `week`, `month`), `house` (repeatable), `municipality`, `governorate`,
`partner`, `service`. The same report and the same table (`infrastructure/statistics_export.py`,
the inclusion figures after the service figures: `infrastructure/inclusion_export.py`):
counts under `DAR_STATISTICS_SMALL_COUNT` and the figures resting on them blanked. Open to the
governance office and administrators (bearer token); a refusal answers `{code, message}`.
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import TypeVar

import anyio
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from api.auth import Role, TokenService, UnauthenticatedError, bearer
from api.bootstrap import Dar
from api.credentials import refused
from api.textpolicy import clean, refusal
from domain.shared.errors import ValidationError
from infrastructure.inclusion_export import published_inclusion_rows
from infrastructure.statistics_export import rows, write_csv, write_xlsx
from infrastructure.statistics_report import StatisticsFilter, StatisticsReport
from projections.statistics.figures import GroupBy, Period

EXPORTERS = frozenset({Role.GOVERNANCE, Role.ADMIN})
FORMATS = {
    "csv": ("text/csv; charset=utf-8", write_csv),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", write_xlsx),
}
E = TypeVar("E", GroupBy, Period)
_SINGLE = ("municipality", "governorate", "partner", "service")


def _day(field: str, value: str | None) -> date:
    if not value:
        raise ValidationError(field, "a day is required (YYYY-MM-DD)")
    try:
        return date.fromisoformat(clean(field, value))
    except ValueError:
        raise ValidationError(field, f"{value!r} is not a day (YYYY-MM-DD)") from None


def _choice(field: str, value: str | None, kind: type[E], default: E) -> E:
    if value is None:
        return default
    try:
        return kind(clean(field, value).lower())
    except ValueError:
        allowed = ", ".join(k.value for k in kind)
        raise ValidationError(field, f"one of {allowed}") from None


def asked(request: Request) -> tuple[StatisticsFilter, GroupBy, Period, str]:
    """The filter, grouping, period and format of an export request, or a ValidationError."""
    query = request.query_params
    file_format = clean("format", query.get("format", "csv")).lower()
    if file_format not in FORMATS:
        raise ValidationError("format", "csv or xlsx")
    single = {name: clean(name, query[name]) or None for name in _SINGLE if name in query}
    wanted = StatisticsFilter(
        first=_day("from", query.get("from")),
        last=_day("to", query.get("to")),
        houses=tuple(clean("house", h) for h in query.getlist("house")),
        **single,
    )
    group_by = _choice("groupBy", query.get("groupBy"), GroupBy, GroupBy.NATION)
    period = _choice("period", query.get("period"), Period, Period.WEEK)
    return wanted, group_by, period, file_format


def export_file(dar: Dar, request: Request) -> tuple[bytes, str, str]:
    """The file's bytes, media type and name (blocking: the report reads the database)."""
    wanted, group_by, period, file_format = asked(request)
    settings = dar.settings
    report = StatisticsReport(dar.read.statistics, settings.statistics_wait_target_minutes)
    small = settings.statistics_small_count
    table = rows(report.figures(wanted, group_by, period), small)
    table += published_inclusion_rows(
        dar.read.inclusion_statistics, wanted, group_by, period, small
    )
    media_type, write = FORMATS[file_format]
    name = f"dar-statistics-{group_by.value}-{period.value}-{wanted.first}-{wanted.last}"
    with tempfile.TemporaryDirectory(prefix="dar-export-") as folder:
        out = Path(folder) / f"export.{file_format}"
        write(table, out)
        return out.read_bytes(), media_type, f"{name}.{file_format}"


def add_statistics_download(app: FastAPI, dar: Dar, tokens: TokenService) -> None:
    """The export route."""

    @app.get("/statistics/export", include_in_schema=False)
    async def statistics_export(request: Request) -> Response:
        header = request.headers.get("authorization")
        try:
            token = bearer(header)
            if token is None:
                raise UnauthenticatedError("a bearer token is required")  # noqa: TRY301
            principal = await anyio.to_thread.run_sync(tokens.verify, token)
        except UnauthenticatedError as error:
            return refused(error, presented=bool(header and header.strip()), graphql=False)
        if principal.role not in EXPORTERS:
            message = "the governance office and administrators export statistics"
            return JSONResponse({"code": "FORBIDDEN", "message": message}, 403)
        try:
            body, media_type, name = await anyio.to_thread.run_sync(
                lambda: export_file(dar, request)
            )
        except ValidationError as error:
            return refusal(error)
        disposition = f'attachment; filename="{name}"'
        return Response(body, media_type=media_type, headers={"content-disposition": disposition})
