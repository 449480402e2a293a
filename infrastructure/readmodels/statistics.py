"""The statistics read model's tables, on either store: cells, the index rows, what was skipped."""

from __future__ import annotations

import operator
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date, timedelta
from typing import Any, Generic, TypeVar
from uuid import UUID

from infrastructure.readmodels.database import ReadDatabase, SqlCursor, as_uuid, select_each
from infrastructure.readmodels.tables import Index, Table, create_tables
from infrastructure.readmodels.working_set import MAX_PARAMETERS, WorkingSet, json_rows
from projections.statistics.figures import Cells, Period, Summary, period_of
from projections.statistics.projection import StatisticsProjection
from projections.statistics.view import (
    BucketCell,
    ContactDayCell,
    GrantDayCell,
    GrantRow,
    HourCell,
    HouseRow,
    LineDayCell,
    MoneyDayCell,
    PartnerRow,
    PaymentRow,
    QueueRow,
    RequestRow,
    ServiceDayCell,
    SkippedRow,
    TicketRow,
    VisitRow,
)

R = TypeVar("R")
_SPANS = (Period.DAY, Period.WEEK, Period.MONTH)
BucketKey = tuple[UUID, date, str, str, str, str, int]  # house, first day, span, kind, ..bucket
V = StatisticsProjection.version
LINE_DAYS = Table(f"stats_line_days_v{V}", LineDayCell, ("house_id", "day", "line"))
HOURS = Table(f"stats_hours_v{V}", HourCell, ("house_id", "day", "hour"))
SERVICE_DAYS = Table(
    f"stats_service_days_v{V}",
    ServiceDayCell,
    ("house_id", "day", "partner_code", "service_code"),
)
CONTACT_DAYS = Table(
    f"stats_contact_days_v{V}", ContactDayCell, ("house_id", "day", "partner_code")
)
MONEY_DAYS = Table(
    f"stats_money_days_v{V}",
    MoneyDayCell,
    ("house_id", "day", "partner_code", "service_code", "method"),
)
GRANT_DAYS = Table(f"stats_grant_days_v{V}", GrantDayCell, ("house_id", "day", "partner_code"))
BUCKETS = Table(
    f"stats_buckets_v{V}",
    BucketCell,
    ("house_id", "span", "day", "kind", "partner_code", "service_code", "bucket"),
    indexes=(Index("span_day", ("span", "day")),),  # every house's weeks or days at once
)
HOUSES = Table(f"stats_houses_v{V}", HouseRow, ("house_id",))
QUEUES = Table(f"stats_queues_v{V}", QueueRow, ("queue_id",), on_conflict="ignore")
TICKETS = Table(f"stats_tickets_v{V}", TicketRow, ("house_id", "day", "label"))
VISITS = Table(f"stats_visits_v{V}", VisitRow, ("visit_id",), on_conflict="ignore")
REQUESTS = Table(f"stats_requests_v{V}", RequestRow, ("request_id",))
PAYMENTS = Table(f"stats_payments_v{V}", PaymentRow, ("payment_id",))
PARTNERS = Table(f"stats_partners_v{V}", PartnerRow, ("partner_id",))
GRANTS = Table(f"stats_grants_v{V}", GrantRow, ("grant_id",), separator="|")
SKIPPED = Table(f"stats_skipped_v{V}", SkippedRow, ("event_type", "reason"))
CELLS: tuple[Table[Any], ...] = (
    LINE_DAYS,
    HOURS,
    SERVICE_DAYS,
    CONTACT_DAYS,
    MONEY_DAYS,
    GRANT_DAYS,
)
ALL: tuple[Table[Any], ...] = (
    *CELLS,
    BUCKETS,
    HOUSES,
    QUEUES,
    TICKETS,
    VISITS,
    REQUESTS,
    PAYMENTS,
    PARTNERS,
    GRANTS,
    SKIPPED,
)


def create_statistics_tables(db: ReadDatabase) -> None:
    """The tables of this projection version."""
    create_tables(db, *ALL)


def _empty(row_type: type[R], **key: object) -> R:
    """A cell with nothing counted yet."""
    names = (f.name for f in fields(row_type))  # type: ignore[arg-type]
    return row_type(**{name: key.get(name, 0) for name in names})


class _Rows(Generic[R]):
    """One table's working set, its keys turned into their stored form."""

    def __init__(self, db: ReadDatabase, cur: SqlCursor, table: Table[R]) -> None:
        self.table = table
        self.set = WorkingSet(db, cur, table.spec)
        self._key_of = operator.attrgetter(*table.key)
        self._single = len(table.key) == 1

    def get(self, *key: object) -> R | None:
        return self.set.get(*self.table.key_params(*key))

    def put(self, row: R) -> None:
        key = self._key_of(row)
        self.set.put(row, *self.table.key_params(*((key,) if self._single else key)))

    def drop(self, *key: object) -> None:
        self.set.delete(*self.table.key_params(*key))

    def cell(self, **key: object) -> R:
        found = self.get(*(key[k] for k in self.table.key))
        return found if found is not None else _empty(self.table.row_type, **key)


class _Counts(Generic[R]):
    """A counter table's changes in the current batch, added to the stored cells at the flush.

    Every column a cell holds beside its key is a count or a sum, and the projection only ever
    adds to them: `cell` hands the batch's change so far (zero at first), `put` keeps the changed
    one, and `flush` adds each key's change to its stored row with one multi-row upsert
    (`ON CONFLICT .. DO UPDATE SET n = t.n + excluded.n`), so the batch reads no cell at all.
    """

    def __init__(self, db: ReadDatabase, cur: SqlCursor, table: Table[R]) -> None:
        self.table = table
        self._db = db
        self._cur = cur
        self._changes: dict[tuple[object, ...], R] = {}
        self._key_of = operator.attrgetter(*table.key)
        self._counts = tuple(c for c in table.columns if c not in table.key)

    def cell(self, **key: object) -> R:
        found = self._changes.get(tuple(key[k] for k in self.table.key))
        return found if found is not None else _empty(self.table.row_type, **key)

    def put(self, row: R) -> None:
        self._changes[self._key_of(row)] = row

    def flush(self) -> None:
        if not self._changes:
            return
        rows = [self.table.params(r) for r in self._changes.values()]
        self._changes = {}
        table, columns = self._db.table(self.table.name), ", ".join(self.table.columns)
        adds = ", ".join(f"{c} = t.{c} + excluded.{c}" for c in self._counts)
        conflict = f"ON CONFLICT ({', '.join(self.table.key)}) DO UPDATE SET {adds}"
        if self._db.kind == "postgres":
            self._cur.execute(
                f"INSERT INTO {table} AS t ({columns}) SELECT {columns} "
                f"FROM json_populate_recordset(NULL::{table}, ?::json) {conflict}",
                (json_rows(self.table.columns, rows),),
            )
            return
        per_statement = max(1, MAX_PARAMETERS // len(self.table.columns))
        one = "(" + ", ".join("?" * len(self.table.columns)) + ")"
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            self._cur.execute(
                f"INSERT INTO {table} AS t ({columns}) VALUES {', '.join([one] * len(chunk))} "
                f"{conflict}",
                [p for row in chunk for p in row],
            )


class StatisticsTables:
    """Writes the statistics rows within a batch's transaction, through working sets."""

    def __init__(self, db: ReadDatabase, cur: SqlCursor) -> None:
        self._lines = _Counts(db, cur, LINE_DAYS)
        self._hours = _Counts(db, cur, HOURS)
        self._services = _Counts(db, cur, SERVICE_DAYS)
        self._contacts = _Counts(db, cur, CONTACT_DAYS)
        self._money = _Counts(db, cur, MONEY_DAYS)
        self._grant_days = _Counts(db, cur, GRANT_DAYS)
        self._buckets = _Counts(db, cur, BUCKETS)
        self._bucket_counts: dict[BucketKey, int] = {}  # a bucket cell's key -> its change
        self._starts: dict[date, tuple[tuple[str, date], ...]] = {}  # day -> its spans' starts
        self._houses = _Rows(db, cur, HOUSES)
        self._queues = _Rows(db, cur, QUEUES)
        self._tickets = _Rows(db, cur, TICKETS)
        self._visits = _Rows(db, cur, VISITS)
        self._requests = _Rows(db, cur, REQUESTS)
        self._payments = _Rows(db, cur, PAYMENTS)
        self._partners = _Rows(db, cur, PARTNERS)
        self._grants = _Rows(db, cur, GRANTS)
        self._skipped = _Rows(db, cur, SKIPPED)
        self._all: tuple[_Rows[Any] | _Counts[Any], ...] = tuple(
            v for v in vars(self).values() if isinstance(v, _Rows | _Counts)
        )

    def line_day(self, house_id: UUID, day: date, line: str) -> LineDayCell:
        """See StatisticsWriter."""
        return self._lines.cell(house_id=house_id, day=day, line=line)

    def put_line_day(self, cell: LineDayCell) -> None:
        """See StatisticsWriter."""
        self._lines.put(cell)

    def sample(  # noqa: PLR0913, PLR0917 - a bucket's whole key
        self,
        house_id: UUID,
        day: date,
        kind: str,
        partner_service: tuple[str, str],
        bucket: int,
        change: int,
    ) -> None:
        """See StatisticsWriter."""
        starts = self._starts.get(day)
        if starts is None:
            starts = self._starts[day] = tuple(
                (span.value, period_of(day, span)[0]) for span in _SPANS
            )
        partner, service = partner_service
        counts = self._bucket_counts
        for span, start in starts:
            key = (house_id, start, span, kind, partner, service, bucket)
            counts[key] = counts.get(key, 0) + change

    def hour(self, house_id: UUID, day: date, hour: int) -> HourCell:
        """See StatisticsWriter."""
        return self._hours.cell(house_id=house_id, day=day, hour=hour)

    def put_hour(self, cell: HourCell) -> None:
        """See StatisticsWriter."""
        self._hours.put(cell)

    def service_day(self, house_id: UUID, day: date, partner: str, service: str) -> ServiceDayCell:
        """See StatisticsWriter."""
        return self._services.cell(
            house_id=house_id, day=day, partner_code=partner, service_code=service
        )

    def put_service_day(self, cell: ServiceDayCell) -> None:
        """See StatisticsWriter."""
        self._services.put(cell)

    def contact_day(self, house_id: UUID, day: date, partner: str) -> ContactDayCell:
        """See StatisticsWriter."""
        return self._contacts.cell(house_id=house_id, day=day, partner_code=partner)

    def put_contact_day(self, cell: ContactDayCell) -> None:
        """See StatisticsWriter."""
        self._contacts.put(cell)

    def money_day(self, payment: PaymentRow, day: date) -> MoneyDayCell:
        """See StatisticsWriter."""
        return self._money.cell(
            house_id=payment.house_id,
            day=day,
            partner_code=payment.partner_code,
            service_code=payment.service_code,
            method=payment.method,
        )

    def put_money_day(self, cell: MoneyDayCell) -> None:
        """See StatisticsWriter."""
        self._money.put(cell)

    def grant_day(self, house_id: UUID, day: date, partner: str) -> GrantDayCell:
        """See StatisticsWriter."""
        return self._grant_days.cell(house_id=house_id, day=day, partner_code=partner)

    def put_grant_day(self, cell: GrantDayCell) -> None:
        """See StatisticsWriter."""
        self._grant_days.put(cell)

    def house(self, house_id: UUID) -> HouseRow | None:
        """See StatisticsWriter."""
        return self._houses.get(house_id)

    def put_house(self, row: HouseRow) -> None:
        """See StatisticsWriter."""
        self._houses.put(row)

    def queue(self, queue_id: UUID) -> QueueRow | None:
        """See StatisticsWriter."""
        return self._queues.get(queue_id)

    def put_queue(self, row: QueueRow) -> None:
        """See StatisticsWriter."""
        self._queues.put(row)

    def ticket(self, house_id: UUID, day: date, label: str) -> TicketRow | None:
        """See StatisticsWriter."""
        return self._tickets.get(house_id, day, label)

    def put_ticket(self, row: TicketRow) -> None:
        """See StatisticsWriter."""
        self._tickets.put(row)

    def drop_ticket(self, house_id: UUID, day: date, label: str) -> None:
        """See StatisticsWriter."""
        self._tickets.drop(house_id, day, label)

    def visit(self, visit_id: UUID) -> VisitRow | None:
        """See StatisticsWriter."""
        return self._visits.get(visit_id)

    def put_visit(self, row: VisitRow) -> None:
        """See StatisticsWriter."""
        self._visits.put(row)

    def request(self, request_id: UUID) -> RequestRow | None:
        """See StatisticsWriter."""
        return self._requests.get(request_id)

    def put_request(self, row: RequestRow) -> None:
        """See StatisticsWriter."""
        self._requests.put(row)

    def payment(self, payment_id: UUID) -> PaymentRow | None:
        """See StatisticsWriter."""
        return self._payments.get(payment_id)

    def put_payment(self, row: PaymentRow) -> None:
        """See StatisticsWriter."""
        self._payments.put(row)

    def partner(self, partner_id: UUID) -> PartnerRow | None:
        """See StatisticsWriter."""
        return self._partners.get(partner_id)

    def put_partner(self, row: PartnerRow) -> None:
        """See StatisticsWriter."""
        self._partners.put(row)

    def grant(self, grant_id: UUID) -> GrantRow | None:
        """See StatisticsWriter."""
        return self._grants.get(grant_id)

    def put_grant(self, row: GrantRow) -> None:
        """See StatisticsWriter."""
        self._grants.put(row)

    def skip(self, event_type: str, reason: str, position: int) -> None:
        """See StatisticsWriter."""
        found = self._skipped.get(event_type, reason)
        count = 0 if found is None else found.count
        self._skipped.put(SkippedRow(event_type, reason, count + 1, position))

    def flush(self) -> None:
        """Write the batch's rows."""
        for (house, day, span, kind, partner, service, bucket), n in self._bucket_counts.items():
            self._buckets.put(BucketCell(house, day, span, kind, partner, service, bucket, n))
        self._bucket_counts = {}
        for rows in self._all:
            if isinstance(rows, _Counts):
                rows.flush()
            else:
                rows.set.flush()


@dataclass(frozen=True)
class Selection:
    """The days of the cells asked for, and a partner or service (None: any)."""

    first: date
    last: date
    partner: str | None = None
    service: str | None = None


class StatisticsQueries:
    """Reads the statistics tables."""

    def __init__(self, db: ReadDatabase) -> None:
        self._db = db

    def houses(self) -> list[HouseRow]:
        """Every house registered, by code."""
        with self._db.read() as cur:
            cur.execute(HOUSES.select(self._db, order="code"))
            return [HOUSES.row(r) for r in cur.fetchall()]

    def skipped(self) -> list[SkippedRow]:
        """The events the statistics could not place, by type and reason."""
        with self._db.read() as cur:
            cur.execute(SKIPPED.select(self._db, order="event_type, reason"))
            return [SKIPPED.row(r) for r in cur.fetchall()]

    def cells(
        self, selection: Selection, areas: Mapping[UUID, UUID], period: Period, target: int
    ) -> Cells:
        """The selection's cells summed by area (`areas`: house -> area id) and period.

        Each summed cell carries the area's id as its house and the period's first day as its
        day; the partner, service, method and hour stay apart, the service lines do not. The
        sums are made by the database, in one snapshot, with the grants' lives beside them, and
        so are the histograms' summaries (`target`: the first bucket not under the waits' target).
        """
        with_visits = selection.partner is None and selection.service is None
        if not areas:
            return Cells(with_visits=with_visits)
        statements = [self._summed(t, selection, areas, period) for t in CELLS]
        houses: list[object] = list(areas)
        grants_sql = GRANTS.select(
            self._db, f"house_id IN ({', '.join('?' * len(houses))})", "grant_id"
        )
        statements.append((grants_sql, houses))
        statements.append(self._summaries(selection, areas, period, target))
        with self._db.read() as cur:
            found = select_each(cur, statements)
        rows = [[t.row(r) for r in f] for t, f in zip((*CELLS, GRANTS), found, strict=False)]
        lines, hours, services, contacts, money, grant_days, grants = rows
        summaries = [_summary(r) for r in found[-1]]
        partner = selection.partner
        general = selection.service is None  # contacts and grants know no service
        return Cells(
            lines=lines if with_visits else [],
            hours=hours if with_visits else [],
            services=services,
            contacts=contacts if general else [],
            money=money,
            grant_days=grant_days if general else [],
            grants=[g for g in grants if partner in {None, g.partner_code}] if general else [],
            summaries=summaries,
            with_visits=with_visits,
        )

    def _summaries(
        self, selection: Selection, areas: Mapping[UUID, UUID], period: Period, target: int
    ) -> tuple[str, list[object]]:
        """Each histogram of an area's period, summed and read by the database.

        Its samples, the buckets of its nearest-rank median and 90th percentile (the first
        bucket where the running count reaches p% of the samples), and its samples in the
        buckets under `target`.
        """
        sql, params = self._summed(BUCKETS, selection, areas, period)
        groups = "area_id, day, kind, partner_code, service_code"
        sorted_by = ", ".join(["area_id", *(_binary(self._db, c) for c in groups.split(", ")[1:])])
        ranked = (
            f"SELECT *, SUM(n) OVER (PARTITION BY {sorted_by} ORDER BY bucket) AS cum, "
            f"SUM(n) OVER (PARTITION BY {sorted_by}) AS total FROM merged"
        )
        summary = (
            f"WITH merged (area_id, day, span, kind, partner_code, service_code, bucket, n) "
            f"AS ({sql}), ranked AS ({ranked}) "
            f"SELECT {groups}, MAX(total), "
            "MIN(CASE WHEN cum * 100 >= 50 * total THEN bucket END), "
            "MIN(CASE WHEN cum * 100 >= 90 * total THEN bucket END), "
            "SUM(CASE WHEN bucket < ? THEN n ELSE 0 END) "
            f"FROM ranked WHERE total > 0 GROUP BY {groups}"
        )
        return summary, [*params, target]

    def _summed(
        self, table: Table[Any], selection: Selection, areas: Mapping[UUID, UUID], period: Period
    ) -> tuple[str, list[object]]:
        """A table's cells of the selection summed by area, period and the table's other keys."""
        starts = _period_start(self._db, period)
        if table is BUCKETS and period is not Period.DAY:  # a span's cells start its period
            starts = f"CASE WHEN t.span = 'day' THEN {starts} ELSE t.day END"
        starts = _binary(self._db, f"({starts})")
        texts = {c.name for c in table.column_specs if c.sql == "text"}
        columns, groups = [], ["a.area_id", starts]
        for column in table.columns:
            if column == "house_id":
                columns.append("a.area_id")
            elif column == "day":
                columns.append(starts)
            elif column in {"line", "span"}:
                columns.append("''")  # an area's lines are summed together; spans are chosen
            elif column in table.key:
                key = f"t.{column}"
                key = _binary(self._db, key) if column in texts else key
                columns.append(key)
                groups.append(key)
            else:
                columns.append(f"SUM(t.{column})")
        pair = "(?::uuid, ?::uuid)" if self._db.kind == "postgres" else "(?, ?)"
        values = ", ".join([pair] * len(areas))
        where, params = _narrowing(table, selection)
        days, chosen = _days(selection, period) if table is BUCKETS else _all_days(selection)
        sql = (
            f"WITH a (house_id, area_id) AS (VALUES {values}) "
            f"SELECT {', '.join(columns)} FROM {self._db.table(table.name)} AS t "
            "JOIN a ON t.house_id = a.house_id "
            f"WHERE {days}{where} GROUP BY {', '.join(groups)}"
        )
        pairs = [v for house, area in areas.items() for v in (house, area)]
        return sql, [*pairs, *chosen, *params]


def _summary(row: tuple[Any, ...]) -> Summary:
    area, day, kind, partner, service, *numbers = row
    count, median, p90, below = (int(n) for n in numbers)
    return Summary(
        as_uuid(area), _as_day(day), str(kind), partner, service, count, median, p90, below
    )


def _as_day(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _all_days(selection: Selection) -> tuple[str, list[object]]:
    return "t.day >= ? AND t.day <= ?", [selection.first.isoformat(), selection.last.isoformat()]


def _days(selection: Selection, period: Period) -> tuple[str, list[object]]:
    """The bucket cells of the selection's days.

    Whole periods from their own span's cells, the days of a period cut by the range from the
    days' cells.
    """
    first, last = selection.first, selection.last
    whole: list[date] = []
    cut: list[tuple[date, date]] = []
    day = first
    while day <= last:
        start, end = period_of(day, period)
        if period is not Period.DAY and start >= first and end <= last:
            whole.append(start)
        else:
            cut.append((max(start, first), min(end, last)))
        day = end + timedelta(days=1)
    if period is Period.DAY:
        cut = [(first, last)]
    conditions: list[str] = []
    params: list[object] = []
    if whole:
        conditions.append("(t.span = ? AND t.day >= ? AND t.day <= ?)")
        params += [period.value, whole[0].isoformat(), whole[-1].isoformat()]
    for start, end in cut:
        conditions.append("(t.span = ? AND t.day >= ? AND t.day <= ?)")
        params += [Period.DAY.value, start.isoformat(), end.isoformat()]
    return "(" + " OR ".join(conditions) + ")", params


def _binary(db: ReadDatabase, expression: str) -> str:
    """Text compared byte by byte (PostgreSQL's locale collation sorts the groups far slower)."""
    return f'{expression} COLLATE "C"' if db.kind == "postgres" else expression


def _period_start(db: ReadDatabase, period: Period) -> str:
    """SQL for the first day of the period holding `t.day` (ISO text on both stores)."""
    match period:
        case Period.DAY:
            return "t.day"
        case Period.MONTH:
            return "substr(t.day, 1, 7) || '-01'"
        case Period.WEEK if db.kind == "postgres":
            return "to_char(date_trunc('week', t.day::date), 'YYYY-MM-DD')"
        case Period.WEEK:
            return (
                "date(t.day, '-' || ((CAST(strftime('%w', t.day) AS INTEGER) + 6) % 7) || ' days')"
            )


def _narrowing(table: Table[Any], selection: Selection) -> tuple[str, list[object]]:
    """The partner and service conditions a table can answer."""
    where, params = "", list[object]()
    if selection.partner is not None and "partner_code" in table.columns:
        where += " AND t.partner_code = ?"
        params.append(selection.partner)
    if selection.service is not None and "service_code" in table.columns:
        where += " AND t.service_code = ?"
        params.append(selection.service)
    return where, params
