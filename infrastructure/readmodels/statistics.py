"""The statistics read model's tables, on either store: cells, the index rows, what was skipped."""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any, Generic, TypeVar, cast
from uuid import UUID

import orjson

from infrastructure.readmodels.database import ReadDatabase, SqlCursor, select_each
from infrastructure.readmodels.tables import Index, Table, create_tables
from infrastructure.readmodels.working_set import KEPT, MAX_PARAMETERS, WorkingSet, json_rows
from infrastructure.statistics_areas import area_of
from projections.statistics.figures import (
    Area,
    Cells,
    GroupBy,
    Life,
    Period,
    Summary,
    grant_figures,
    in_force_counts,
    kept_figures,
    life_of,
    merge,
    period_of,
)
from projections.statistics.histogram import (
    HOUR,
    WAIT,
    add_counts,
    encode_counts,
    flatten,
    pairs,
    read_flat,
)
from projections.statistics.projection import StatisticsProjection
from projections.statistics.view import (
    ContactDayCell,
    DayFiguresRow,
    GrantDayCell,
    GrantRow,
    HistogramCell,
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
HistogramKey = tuple[UUID, date, str, str, str, str]  # house, first day, span, kind, partner, ..
V = StatisticsProjection.version
LINE_DAYS = Table(f"stats_line_days_v{V}", LineDayCell, ("house_id", "day", "line"))
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
HISTOGRAMS = Table(
    f"stats_histograms_v{V}",
    HistogramCell,
    ("house_id", "span", "day", "kind", "partner_code", "service_code"),
    indexes=(Index("span_day", ("span", "day")),),  # every house's weeks or days at once
)
DAY_FIGURES = Table(f"stats_day_figures_v{V}", DayFiguresRow, ("kind", "area", "day"))
HOUSES = Table(f"stats_houses_v{V}", HouseRow, ("house_id",))
QUEUES = Table(f"stats_queues_v{V}", QueueRow, ("queue_id",), on_conflict="ignore")
TICKETS = Table(f"stats_tickets_v{V}", TicketRow, ("house_id", "day", "label"))
VISITS = Table(f"stats_visits_v{V}", VisitRow, ("visit_id",), on_conflict="ignore")
REQUESTS = Table(f"stats_requests_v{V}", RequestRow, ("request_id",))
PAYMENTS = Table(f"stats_payments_v{V}", PaymentRow, ("payment_id",))
PARTNERS = Table(f"stats_partners_v{V}", PartnerRow, ("partner_id",))
GRANTS = Table(
    f"stats_grants_v{V}",
    GrantRow,
    ("grant_id",),
    separator="|",
    indexes=(Index("house", ("house_id",)),),  # an area's grants, for the grants in force
)
SKIPPED = Table(f"stats_skipped_v{V}", SkippedRow, ("event_type", "reason"))
CELLS: tuple[Table[Any], ...] = (
    LINE_DAYS,
    SERVICE_DAYS,
    CONTACT_DAYS,
    MONEY_DAYS,
    GRANT_DAYS,
)
ALL: tuple[Table[Any], ...] = (
    *CELLS,
    HISTOGRAMS,
    DAY_FIGURES,
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


def _key_params(table: Table[Any]) -> Callable[[tuple[object, ...]], tuple[object, ...]]:
    """A key's values as stored, as `Table.key_params`, made once for the table's key types."""
    by_name = {c.name: c for c in table.column_specs}
    writes = tuple(by_name[k].write for k in table.key)
    if not any(writes):
        return _as_is
    converted = [(i, write) for i, write in enumerate(writes) if write is not None]
    if len(converted) == 1:  # most keys have one column to convert (a house's id)
        i, one = converted[0]
        if len(writes) == 1:
            return lambda key: (one(key[0]),)
        return lambda key: (*key[:i], one(key[i]), *key[i + 1 :])
    return lambda key: tuple(
        v if write is None else write(v) for write, v in zip(writes, key, strict=True)
    )


def _as_is(key: tuple[object, ...]) -> tuple[object, ...]:
    return key


class _Rows(Generic[R]):
    """One table's working set, its keys turned into their stored form."""

    def __init__(self, db: ReadDatabase, cur: SqlCursor, table: Table[R]) -> None:
        self.table = table
        self.set = WorkingSet(db, cur, table.spec)
        self._key_of = operator.attrgetter(*table.key)
        self._single = len(table.key) == 1
        self._params = _key_params(table)

    def get(self, *key: object) -> R | None:
        return self.set.get(*self._params(key))

    def put(self, row: R) -> None:
        key = self._key_of(row)
        self.set.put(row, *self._params((key,) if self._single else key))

    def drop(self, *key: object) -> None:
        self.set.delete(*self._params(key))


class _Counts(Generic[R]):
    """A counter table's changes in the current batch, added to the stored cells at the flush.

    Every column a cell holds beside its key is a count or a sum, and the projection only ever
    adds to them: `add` sums the batch's changes per key in a plain list (no row is built per
    event), and `flush` adds each key's change to its stored row with one multi-row upsert
    (`ON CONFLICT .. DO UPDATE SET n = t.n + excluded.n`), so the batch reads no cell at all.
    """

    def __init__(self, db: ReadDatabase, cur: SqlCursor, table: Table[R]) -> None:
        if table.columns[: len(table.key)] != table.key:
            msg = f"{table.name}: a counter table's key comes first, in column order"
            raise ValueError(msg)
        self.table = table
        self._db = db
        self._cur = cur
        self.changes: dict[tuple[Any, ...], list[int]] = {}
        self._counts = tuple(c for c in table.columns if c not in table.key)
        self._index = {c: i for i, c in enumerate(self._counts)}

    def add(self, key: tuple[Any, ...], counts: Mapping[str, int]) -> None:
        """Add `counts` (by column name) to the batch's change of the cell of `key`."""
        change = self.changes.get(key)
        if change is None:
            change = self.changes[key] = [0] * len(self._counts)
        index = self._index
        for name, n in counts.items():
            change[index[name]] += n

    def flush(self) -> None:
        if not self.changes:
            return
        made = self.table.row_type
        rows = [self.table.params(made(*k, *c)) for k, c in self.changes.items()]
        self.changes = {}
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


class _Histograms:
    """The histograms changed in the current batch, merged into the stored ones at the flush.

    A histogram is one row: the flush reads, in one statement, the stored rows of the changed
    histograms it does not know yet, adds the batch's changes bucket by bucket and writes them
    back with one multi-row upsert. The histograms stay known while the writer lives (a rebuild's
    writer lives for its whole pass, in one transaction) and holds at most `KEPT` of them.
    """

    def __init__(self, db: ReadDatabase, cur: SqlCursor) -> None:
        self._db = db
        self._cur = cur
        self.changes: dict[HistogramKey, dict[int, int]] = {}
        self._known: dict[HistogramKey, dict[int, int]] = {}

    def flush(self) -> None:
        changes, known = self.changes, self._known
        if not changes:
            return
        self.changes = {}
        if len(known) > KEPT:
            known.clear()
        unknown = [k for k in changes if k not in known]
        if unknown:
            known.update({key: {} for key in unknown})
            known.update(self._stored(unknown))
        rows = []
        for key, change in changes.items():
            counts = dict(known[key])
            for bucket, n in change.items():
                counts[bucket] = counts.get(bucket, 0) + n
            counts = {b: n for b, n in counts.items() if n}
            known[key] = counts
            rows.append(HISTOGRAMS.params(HistogramCell(*key, encode_counts(counts))))
        _upsert(self._db, self._cur, HISTOGRAMS, rows)

    def _stored(self, keys: list[HistogramKey]) -> dict[HistogramKey, dict[int, int]]:
        """The stored histograms of these keys (those not stored are left out)."""
        table, names = self._db.table(HISTOGRAMS.name), HISTOGRAMS.columns[:-1]  # not counts
        columns = ", ".join(f"t.{c}" for c in HISTOGRAMS.columns)
        join = " AND ".join(f"t.{c} = k.{c}" for c in names)
        rows = [HISTOGRAMS.params(HistogramCell(*key, "")) for key in keys]
        found: list[tuple[Any, ...]] = []
        if self._db.kind == "postgres":
            self._cur.execute(
                f"SELECT {columns} FROM {table} AS t JOIN "
                f"json_populate_recordset(NULL::{table}, ?::json) AS k ON {join}",
                (json_rows(HISTOGRAMS.columns, rows),),
            )
            found = self._cur.fetchall()
        else:
            width = len(names)
            one = "(" + ", ".join("?" * width) + ")"
            per_statement = MAX_PARAMETERS // width
            for start in range(0, len(rows), per_statement):
                chunk = rows[start : start + per_statement]
                self._cur.execute(
                    f"WITH k ({', '.join(names)}) AS (VALUES {', '.join([one] * len(chunk))}) "
                    f"SELECT {columns} FROM {table} AS t JOIN k ON {join}",
                    [p for row in chunk for p in row[:width]],
                )
                found += self._cur.fetchall()
        stored = {}
        for values in found:
            cell = HISTOGRAMS.row(values)
            flat = pairs(cell.counts)
            key = (
                cell.house_id,
                cell.day,
                cell.span,
                cell.kind,
                cell.partner_code,
                cell.service_code,
            )
            stored[key] = dict(zip(flat[::2], flat[1::2], strict=True))
        return stored


def _upsert(
    db: ReadDatabase, cur: SqlCursor, table: Table[Any], rows: list[Sequence[object]]
) -> None:
    """Write rows, replacing those stored under the same key, with one multi-row statement."""
    name, columns = db.table(table.name), ", ".join(table.columns)
    kept = ", ".join(f"{c} = excluded.{c}" for c in table.columns if c not in table.key)
    conflict = f"ON CONFLICT ({', '.join(table.key)}) DO UPDATE SET {kept}"
    if db.kind == "postgres":
        cur.execute(
            f"INSERT INTO {name} ({columns}) SELECT {columns} "
            f"FROM json_populate_recordset(NULL::{name}, ?::json) {conflict}",
            (json_rows(table.columns, rows),),
        )
        return
    per_statement = max(1, MAX_PARAMETERS // len(table.columns))
    one = "(" + ", ".join("?" * len(table.columns)) + ")"
    for start in range(0, len(rows), per_statement):
        chunk = rows[start : start + per_statement]
        cur.execute(
            f"INSERT INTO {name} ({columns}) VALUES {', '.join([one] * len(chunk))} {conflict}",
            [p for row in chunk for p in row],
        )


class StatisticsTables:
    """Writes the statistics rows within a batch's transaction, through working sets."""

    def __init__(self, db: ReadDatabase, cur: SqlCursor) -> None:
        self._db, self._cur = db, cur
        self._changed = _DayChanges()
        self._lines = _Counts(db, cur, LINE_DAYS)
        self._services = _Counts(db, cur, SERVICE_DAYS)
        self._contacts = _Counts(db, cur, CONTACT_DAYS)
        self._money = _Counts(db, cur, MONEY_DAYS)
        self._grant_days = _Counts(db, cur, GRANT_DAYS)
        self._histograms = _Histograms(db, cur)
        self._starts: dict[date, tuple[tuple[str, date], ...]] = {}  # day -> its spans' starts
        self._houses = _Rows(db, cur, HOUSES)
        self._queues = _Rows(db, cur, QUEUES)
        self._tickets = _Rows(db, cur, TICKETS)
        self._issued: dict[tuple[UUID, date, str], TicketRow] = {}  # issued in this batch
        self._visits = _Rows(db, cur, VISITS)
        self._requests = _Rows(db, cur, REQUESTS)
        self._payments = _Rows(db, cur, PAYMENTS)
        self._partners = _Rows(db, cur, PARTNERS)
        self._grants = _Rows(db, cur, GRANTS)
        self._skipped = _Rows(db, cur, SKIPPED)
        self._all: tuple[_Rows[Any] | _Counts[Any], ...] = tuple(
            v for v in vars(self).values() if isinstance(v, _Rows | _Counts)
        )

    def add_line(self, key: tuple[UUID, date, str], counts: Mapping[str, int]) -> None:
        """See StatisticsWriter."""
        self._lines.add(key, counts)

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
        changes = self._histograms.changes
        for span, start in starts:
            key = (house_id, start, span, kind, partner, service)
            counts = changes.get(key)
            if counts is None:
                counts = changes[key] = {}
            counts[bucket] = counts.get(bucket, 0) + change

    def add_service(self, key: tuple[UUID, date, str, str], counts: Mapping[str, int]) -> None:
        """See StatisticsWriter."""
        self._services.add(key, counts)

    def add_contact(self, key: tuple[UUID, date, str], counts: Mapping[str, int]) -> None:
        """See StatisticsWriter."""
        self._contacts.add(key, counts)

    def add_money(self, payment: PaymentRow, day: date, counts: Mapping[str, int]) -> None:
        """See StatisticsWriter."""
        key = (payment.house_id, day, payment.partner_code, payment.service_code, payment.method)
        self._money.add(key, counts)

    def add_grant_day(self, key: tuple[UUID, date, str], counts: Mapping[str, int]) -> None:
        """See StatisticsWriter."""
        self._grant_days.add(key, counts)

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
        found = self._issued.get((house_id, day, label))
        return found if found is not None else self._tickets.get(house_id, day, label)

    def issue_ticket(self, row: TicketRow) -> None:
        """See StatisticsWriter: kept apart until the flush (most end in the same batch)."""
        self._issued[row.house_id, row.day, row.label] = row

    def put_ticket(self, row: TicketRow) -> None:
        """See StatisticsWriter."""
        key = (row.house_id, row.day, row.label)
        if key in self._issued:
            self._issued[key] = row
        else:
            self._tickets.put(row)

    def drop_ticket(self, house_id: UUID, day: date, label: str) -> None:
        """See StatisticsWriter: a ticket issued in this batch was never written, nor is it."""
        if self._issued.pop((house_id, day, label), None) is None:
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
        """Write the batch's rows; note its changes of each house-day's cells (see `finish`)."""
        self._changed.note(self._histograms.changes, self._parts)
        for ticket in self._issued.values():  # the tickets of the batch still waiting
            self._tickets.put(ticket)
        self._issued = {}
        self._histograms.flush()
        for rows in self._all:
            if isinstance(rows, _Counts):
                rows.flush()
            else:
                rows.set.flush()

    def finish(self) -> None:
        """Add the changes since the last finish to their areas' days; derive those days again.

        The runner finishes each batch; a rebuild, its whole pass once (its pages only flush).
        The changes of a house not registered yet wait for its registration.
        """
        changed = self._changed
        if not changed.days and not changed.grants:
            return
        houses = {h: self._houses.get(h) for h in {*(h for h, _ in changed.days), *changed.grants}}
        registered = {h: row for h, row in houses.items() if row is not None}
        self._changed = changed.split(registered)
        _keep_day_figures(self._db, self._cur, changed, registered)

    @property
    def _parts(self) -> dict[str, _Counts[Any]]:
        return {
            "lines": self._lines,
            "services": self._services,
            "contacts": self._contacts,
            "money": self._money,
            "grant_days": self._grant_days,
        }


_WIDTHS = {"lines": 0, "services": 2, "contacts": 1, "money": 3, "grant_days": 1}  # key columns
DayKey = tuple[str, str, date]  # a kept day's grouping, area code and day


@dataclass
class _Sums:
    """Cells of a day summed: each table's counts by their key after house and day, histograms.

    A line cell's key is left out (a house's or an area's lines are summed together). Counts are
    only ever added to, so a key once there stays (as the cells' rows do); a histogram's empty
    buckets are dropped, as stored.
    """

    counts: dict[str, dict[tuple[Any, ...], list[int]]] = field(default_factory=dict)
    histograms: dict[tuple[str, str, str], dict[int, int]] = field(default_factory=dict)

    def add_counts(self, part: str, key: tuple[Any, ...], change: Sequence[int]) -> None:
        """Add a cell's change (or sum) under its key."""
        rows = self.counts.get(part)
        if rows is None:
            rows = self.counts[part] = {}
        known = rows.get(key)
        if known is None:
            rows[key] = list(change)
        else:
            for i, n in enumerate(change):
                known[i] += n

    def add_buckets(self, key: tuple[str, str, str], change: Mapping[int, int]) -> None:
        """Add a histogram's change bucket by bucket."""
        counts = self.histograms.get(key)
        if counts is None:
            counts = self.histograms[key] = {}
        for bucket, n in change.items():
            total = counts.get(bucket, 0) + n
            if total:
                counts[bucket] = total
            else:
                counts.pop(bucket, None)

    def add(self, other: _Sums) -> None:
        """Add another day's sums (or changes)."""
        for part, rows in other.counts.items():
            for key, change in rows.items():
                self.add_counts(part, key, change)
        for key, buckets in other.histograms.items():
            self.add_buckets(key, buckets)

    def encode(self, in_force: Mapping[str, int]) -> str:
        """The stored text, beside the grants in force (keys in order: equal sums, equal text)."""
        return orjson.dumps(
            {
                "counts": {
                    part: [[*k, *c] for k, c in sorted(rows.items())]
                    for part, rows in sorted(self.counts.items())
                },
                "histograms": [
                    [*k, flatten(c)] for k, c in sorted(self.histograms.items()) if any(c.values())
                ],
                "in_force": dict(sorted(in_force.items())),
            }
        ).decode()

    @classmethod
    def decode(cls, text: str | bytes) -> tuple[_Sums, dict[str, int]]:
        """Stored sums, and the grants in force beside them."""
        found = orjson.loads(text)
        sums = cls()
        for part, rows in found["counts"].items():
            width = _WIDTHS[part]
            sums.counts[part] = {tuple(r[:width]): r[width:] for r in rows}
        for kind, partner, service, flat in found["histograms"]:
            sums.histograms[kind, partner, service] = dict(zip(flat[::2], flat[1::2], strict=True))
        return sums, found["in_force"]

    def figures(self, area: Area, day: date, in_force: Mapping[str, int]) -> str:
        """The day's figures (`kept_figures`) derived from the sums; empty if no cell is there."""
        iso = day.isoformat()
        rows = {
            part: [(0, iso, *k, *c) for k, c in sorted(self.counts.get(part, {}).items())]
            for part in _WIDTHS
        }
        stored = [
            (0, iso, Period.DAY.value, *k, encode_counts(c)) for k, c in self.histograms.items()
        ]
        cells = Cells(
            areas=1,
            lines=rows["lines"],
            services=rows["services"],
            contacts=rows["contacts"],
            money=rows["money"],
            grant_days=rows["grant_days"],
            summaries=_summaries(stored, Period.DAY, 0, WAIT.name),
        )
        groups = merge(cells, [area], Period.DAY, (day, day))
        if not groups:
            return ""
        group = replace(groups[0], grants=grant_figures(in_force, cells.grant_days))
        waits = next((s.buckets for s in cells.summaries if s.kind == WAIT.name), ())
        return kept_figures(group, waits).decode()


class _DayChanges:
    """Each house-day's changes of its cells since the last finish; each house's first grant day."""

    def __init__(self) -> None:
        self.days: dict[tuple[UUID, date], _Sums] = {}
        self.grants: dict[UUID, date] = {}

    def note(
        self,
        histograms: Mapping[HistogramKey, Mapping[int, int]],
        parts: Mapping[str, _Counts[Any]],
    ) -> None:
        """A flush's changes, before they are written (and forgotten by their tables)."""
        days, grants = self.days, self.grants
        for part, table in parts.items():
            width = _WIDTHS[part]
            for key, change in table.changes.items():
                house_day = (cast("UUID", key[0]), cast("date", key[1]))
                sums = days.get(house_day)
                if sums is None:
                    sums = days[house_day] = _Sums()
                sums.add_counts(part, tuple(key[2 : 2 + width]), change)
        for (house, day, span, kind, partner, service), buckets in histograms.items():
            if span == Period.DAY.value:  # its weeks' and months' days are those of its day
                sums = days.get((house, day))
                if sums is None:
                    sums = days[house, day] = _Sums()
                sums.add_buckets((kind, partner, service), buckets)
        for key in parts["grant_days"].changes:
            house, day = cast("UUID", key[0]), cast("date", key[1])
            grants[house] = min(day, grants.get(house, day))

    def split(self, registered: Mapping[UUID, object]) -> _DayChanges:
        """Keep the changes of registered houses here; those of the others are returned."""
        waiting = _DayChanges()
        waiting.days = {k: v for k, v in self.days.items() if k[0] not in registered}
        waiting.grants = {h: d for h, d in self.grants.items() if h not in registered}
        self.days = {k: v for k, v in self.days.items() if k[0] in registered}
        self.grants = {h: d for h, d in self.grants.items() if h in registered}
        return waiting


def _keep_day_figures(
    db: ReadDatabase, cur: SqlCursor, changed: _DayChanges, houses: Mapping[UUID, HouseRow]
) -> None:
    """Add the changes to the sums of their houses' areas' days and derive those days again.

    Reads and writes the changed area-days' rows only (four per house-day: its house, municipality,
    governorate and nation), whatever the number of houses in the areas. The grants in force are
    counted again from the area's grants for a day not kept yet, and for the kept days from a
    changed grant's day on (a grant's change counts from its day on).
    """
    deltas: dict[DayKey, _Sums] = {}
    areas: dict[tuple[str, str], Area] = {}
    for (house, day), sums in changed.days.items():
        for group_by in GroupBy:
            area = area_of(houses[house], group_by)
            areas[group_by.value, area.code] = area
            into = deltas.get((group_by.value, area.code, day))
            if into is None:
                into = deltas[group_by.value, area.code, day] = _Sums()
            into.add(sums)
    regranted: dict[tuple[str, str], date] = {}
    for house, first in changed.grants.items():
        for group_by in GroupBy:
            area = area_of(houses[house], group_by)
            areas[group_by.value, area.code] = area
            known = regranted.get((group_by.value, area.code), first)
            regranted[group_by.value, area.code] = min(known, first)
    stored = _stored_days(db, cur, list(deltas), regranted)
    recount = {k for k in deltas if k not in stored}
    recount.update(k for k in stored if k[2] >= regranted.get(k[:2], date.max))
    in_force = _in_force(db, cur, recount, houses) if recount else {}
    rows = []
    for key in sorted(set(deltas) | set(stored)):
        text = stored.get(key)
        sums, force = _Sums.decode(text) if text is not None else (_Sums(), {})
        delta = deltas.get(key)
        if delta is not None:
            sums.add(delta)
        if key in recount:
            force = in_force.get(key, {})
        kind, code, day = key
        figures = sums.figures(areas[kind, code], day, force)
        rows.append(DAY_FIGURES.params(DayFiguresRow(kind, code, day, figures, sums.encode(force))))
    if rows:
        _upsert(db, cur, DAY_FIGURES, rows)


def _stored_days(
    db: ReadDatabase, cur: SqlCursor, keys: list[DayKey], regranted: Mapping[tuple[str, str], date]
) -> dict[DayKey, str]:
    """The sums kept for these days, and for the areas' days from a grant's change on."""
    found: list[tuple[Any, ...]] = []
    table = db.table(DAY_FIGURES.name)
    if keys:
        rows = [DAY_FIGURES.params(DayFiguresRow(*key, "", "")) for key in keys]
        found += _by_keys(db, cur, DAY_FIGURES, rows, "t.kind, t.area, t.day, t.sums")
    for (kind, code), first in regranted.items():
        cur.execute(
            f"SELECT kind, area, day, sums FROM {table} WHERE kind = ? AND area = ? AND day >= ?",
            (kind, code, first.isoformat()),
        )
        found += cur.fetchall()
    return {(str(k), str(a), _as_day(d)): s for k, a, d, s in found}


def _by_keys(
    db: ReadDatabase, cur: SqlCursor, table: Table[Any], rows: list[Sequence[object]], columns: str
) -> list[tuple[Any, ...]]:
    """The stored rows of a table under the keys of these rows (their stored form), in one read."""
    name, key = db.table(table.name), table.key
    join = " AND ".join(f"t.{c} = k.{c}" for c in key)
    if db.kind == "postgres":
        cur.execute(
            f"SELECT {columns} FROM {name} AS t JOIN "
            f"json_populate_recordset(NULL::{name}, ?::json) AS k ON {join}",
            (json_rows(table.columns, rows),),
        )
        return cur.fetchall()
    width = len(key)
    one = "(" + ", ".join("?" * width) + ")"
    found: list[tuple[Any, ...]] = []
    for start in range(0, len(rows), MAX_PARAMETERS // width):
        chunk = rows[start : start + MAX_PARAMETERS // width]
        cur.execute(
            f"WITH k ({', '.join(key)}) AS (VALUES {', '.join([one] * len(chunk))}) "
            f"SELECT {columns} FROM {name} AS t JOIN k ON {join}",
            [p for row in chunk for p in row[:width]],
        )
        found += cur.fetchall()
    return found


def _in_force(
    db: ReadDatabase, cur: SqlCursor, days: set[DayKey], known: Mapping[UUID, HouseRow]
) -> dict[DayKey, dict[str, int]]:
    """The grants in force on these days in their areas, by partner.

    A house's day needs that house's grants only; a wider area's, the grants of all its houses
    (read only for a day not kept yet or a grant's change: not at every batch).
    """
    wanted = {(kind, code) for kind, code, _ in days}
    members: dict[tuple[str, str], list[UUID]] = {}
    if any(kind != GroupBy.HOUSE.value for kind, _ in wanted):
        cur.execute(HOUSES.select(db))
        every = [HOUSES.row(r) for r in cur.fetchall()]
    else:
        every = list(known.values())
    for house in every:
        for group_by in GroupBy:
            area = (group_by.value, area_of(house, group_by).code)
            if area in wanted:
                members.setdefault(area, []).append(house.house_id)
    ids: list[object] = list(dict.fromkeys(h for houses in members.values() for h in houses))
    lives: dict[UUID, list[tuple[str, Life]]] = {}
    for start in range(0, len(ids), MAX_PARAMETERS):
        chunk = ids[start : start + MAX_PARAMETERS]
        cur.execute(GRANTS.select(db, f"house_id IN ({', '.join('?' * len(chunk))})"), chunk)
        for row in cur.fetchall():
            grant = GRANTS.row(row)
            lives.setdefault(grant.house_id, []).append((grant.partner_code, life_of(grant)))
    return {
        (kind, code, day): in_force_counts(
            (life for house in members.get((kind, code), ()) for life in lives.get(house, ())),
            day,
        )
        for kind, code, day in days
    }


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
        """See `cells_on`: in a read transaction of its own."""
        with self._db.read() as cur:
            return self.cells_on(cur, selection, areas, period, target)

    def cells_on(  # noqa: PLR0913, PLR0917 - the question, and which histograms keep buckets
        self,
        cur: SqlCursor,
        selection: Selection,
        areas: Mapping[UUID, UUID],
        period: Period,
        target: int,
        keep: str = HOUR.name,
    ) -> Cells:
        """The selection's cells summed by area (`areas`: house -> area id) and period.

        The areas are told by their index in the order their ids first come in `areas`. Each
        summed cell carries its area's index as its house and the period's first day as its day;
        the partner, service and method stay apart, the service lines do not. The sums are
        made by the database, in one snapshot, with the grants' lives and the histograms beside
        them; each area's period's histograms are merged and read here (`target`: the first
        bucket not under the waits' target). The hours' histograms keep their buckets, and
        those of the kind `keep` names.
        """
        statements, read = self.cell_statements(selection, areas, period, target, keep)
        return read(select_each(cur, statements) if statements else [])

    def cell_statements(
        self,
        selection: Selection,
        areas: Mapping[UUID, UUID],
        period: Period,
        target: int,
        keep: str = HOUR.name,
    ) -> tuple[list[tuple[str, list[object]]], Callable[[list[list[tuple[Any, ...]]]], Cells]]:
        """`cells_on`'s queries, and what makes its cells of their rows (to pipeline several)."""
        with_visits = selection.partner is None and selection.service is None
        general = selection.service is None  # contacts and grants know no service
        ids = list(dict.fromkeys(areas.values()))
        if not areas:
            return [], lambda _: Cells(with_visits=with_visits)
        index = {area: i for i, area in enumerate(ids)}
        of_house = {house: index[area] for house, area in areas.items()}
        wanted = {
            LINE_DAYS: with_visits,
            SERVICE_DAYS: True,
            CONTACT_DAYS: general,
            MONEY_DAYS: True,
            GRANT_DAYS: general,
        }
        tables = [t for t in CELLS if wanted[t]]
        statements = [self._summed(t, selection, of_house, period) for t in tables]
        statements.append(self._histograms(selection, of_house, period))
        houses: list[object] = list(areas)
        if general:
            where = f"house_id IN ({', '.join('?' * len(houses))})"
            statements.append((GRANTS.select(self._db, where, "grant_id"), houses))
        partner = selection.partner

        def read(found: list[list[tuple[Any, ...]]]) -> Cells:
            rows: dict[Table[Any], list[tuple[Any, ...]]] = dict(zip(tables, found, strict=False))
            lives = [GRANTS.row(r) for r in found[len(tables) + 1]] if general else []
            return Cells(
                areas=len(ids),
                lines=rows.get(LINE_DAYS, []),
                services=rows[SERVICE_DAYS],
                contacts=rows.get(CONTACT_DAYS, []),
                money=rows[MONEY_DAYS],
                grant_days=rows.get(GRANT_DAYS, []),
                grants=[
                    (of_house[g.house_id], g) for g in lives if partner in {None, g.partner_code}
                ],
                summaries=_summaries(found[len(tables)], period, target, keep),
                with_visits=with_visits,
            )

        return statements, read

    def day_figures(
        self, group_by: GroupBy, selection: Selection, areas: Sequence[str] | None
    ) -> list[tuple[str, str, str]]:
        """The kept day figures (area, day, figures as JSON) of the selection's days.

        Every area's, or those `areas` names; a partner or service in `selection` is not
        narrowed on (the kept figures are of all of them).
        """
        sql = (
            f"SELECT area, day, figures FROM {self._db.table(DAY_FIGURES.name)} "
            "WHERE kind = ? AND day >= ? AND day <= ? AND figures <> ''"
        )
        params: list[object] = [group_by.value, selection.first.isoformat()]
        params.append(selection.last.isoformat())
        if areas is not None:
            sql += f" AND area IN ({', '.join('?' * len(areas))})"
            params += areas
        with self._db.read() as cur:
            cur.execute(sql, params)
            return [(str(a), str(d), f) for a, d, f in cur.fetchall()]

    def _areas(self, of_house: Mapping[UUID, int]) -> tuple[str, list[object]]:
        """A `VALUES` list of (house, area index) pairs and its parameters."""
        pair = "(?::uuid, ?::integer)" if self._db.kind == "postgres" else "(?, ?)"
        pairs_: list[object] = [v for house, area in of_house.items() for v in (house, area)]
        return ", ".join([pair] * len(of_house)), pairs_

    def _histograms(
        self, selection: Selection, of_house: Mapping[UUID, int], period: Period
    ) -> tuple[str, list[object]]:
        """The stored histograms of the selection, each with its house's area index.

        Whole weeks or months from their own span's rows, the days of a period cut by the range
        from the days' rows (see `_days`).
        """
        values, pairs_ = self._areas(of_house)
        where, params = _narrowing(HISTOGRAMS, selection)
        days, chosen = _days(selection, period)
        sql = (
            f"WITH a (house_id, area) AS (VALUES {values}) "
            "SELECT a.area, t.day, t.span, t.kind, t.partner_code, t.service_code, t.counts "
            f"FROM {self._db.table(HISTOGRAMS.name)} AS t JOIN a ON t.house_id = a.house_id "
            f"WHERE {days}{where}"
        )
        return sql, [*pairs_, *chosen, *params]

    def _summed(
        self, table: Table[Any], selection: Selection, of_house: Mapping[UUID, int], period: Period
    ) -> tuple[str, list[object]]:
        """A table's cells of the selection summed by area, period and the table's other keys.

        The columns in the table's order: the area's index for the house, the period's first
        day (ISO) for the day, the line left out, the sums as whole numbers.
        """
        starts = _binary(self._db, f"({_period_start(self._db, period)})")
        texts = {c.name for c in table.column_specs if c.sql == "text"}
        columns, groups = [], ["a.area", starts]
        for column in table.columns:
            if column == "house_id":
                columns.append("a.area")
            elif column == "day":
                columns.append(starts)
            elif column == "line":
                continue  # an area's lines are summed together
            elif column in table.key:
                key = f"t.{column}"
                key = _binary(self._db, key) if column in texts else key
                columns.append(key)
                groups.append(key)
            else:
                columns.append(f"CAST(SUM(t.{column}) AS bigint)")
        values, pairs_ = self._areas(of_house)
        where, params = _narrowing(table, selection)
        days, chosen = _all_days(selection)
        sql = (
            f"WITH a (house_id, area) AS (VALUES {values}) "
            f"SELECT {', '.join(columns)} FROM {self._db.table(table.name)} AS t "
            "JOIN a ON t.house_id = a.house_id "
            f"WHERE {days}{where} GROUP BY {', '.join(groups)}"
        )
        return sql, [*pairs_, *chosen, *params]


def _summaries(
    rows: list[tuple[Any, ...]], period: Period, target: int, keep: str
) -> list[Summary]:
    """Each area's period's histogram, merged from the stored ones and read.

    A histogram alone in its group (a house's day, week or month) is read as stored; the others
    are added bucket by bucket first. `target`: the first bucket not under the waits' target.
    """
    starts: dict[str, str] = {}  # a day (ISO) -> the first day of its period (ISO)
    found: dict[tuple[Any, ...], list[int] | dict[int, int]] = {}
    for area, day, span, kind, partner, service, counts in rows:
        start = day if span != "day" else starts.get(day)  # a span's row starts its period
        if start is None:
            start = starts[day] = period_of(_as_day(day), period)[0].isoformat()
        key = (area, start, kind, partner, service)
        known = found.get(key)
        if known is None:
            found[key] = pairs(counts)
        elif isinstance(known, list):
            into: dict[int, int] = {}
            add_counts(into, known)
            add_counts(into, pairs(counts))
            found[key] = into
        else:
            add_counts(known, pairs(counts))
    summaries = []
    for (area, start, kind, partner, service), known in found.items():
        flat = known if isinstance(known, list) else flatten(known)
        reading = read_flat(flat, target)
        if reading is None:
            continue
        kept = kind in {HOUR.name, keep}
        by_hour = tuple(zip(flat[::2], flat[1::2], strict=True)) if kept else ()
        count, median, p90, below = reading
        summary = (int(area), str(start), kind, partner, service, count, median, p90, below)
        summaries.append(Summary(*summary, by_hour))
    return summaries


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
