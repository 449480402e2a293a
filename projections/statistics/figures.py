"""The governance office's figures: cells merged by area (house … nation) and period (day … month).

Every figure is a sum of cells or read from a merge of their histograms, so a governorate's month
is exactly the merge of its houses' days. See docs/statistics.md for each formula.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from enum import StrEnum
from operator import add
from typing import Any, TypeVar

import orjson

from projections.statistics.histogram import (
    HANDLING,
    HOUR,
    MINUTE_MS,
    TURNAROUND,
    WAIT,
    Buckets,
)
from projections.statistics.view import (
    ContactDayCell,
    GrantDayCell,
    GrantRow,
    LineDayCell,
    MoneyDayCell,
    ServiceDayCell,
)

C = TypeVar("C")


class GroupBy(StrEnum):
    """The areas figures are merged over."""

    HOUSE = "house"
    MUNICIPALITY = "municipality"
    GOVERNORATE = "governorate"
    NATION = "nation"


class Period(StrEnum):
    """The periods figures are merged over (weeks start on Monday)."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"


def period_of(day: date, period: Period) -> tuple[date, date]:
    """The first and last day of the period holding `day`."""
    match period:
        case Period.DAY:
            return day, day
        case Period.WEEK:
            first = day - timedelta(days=day.weekday())
            return first, first + timedelta(days=6)
        case Period.MONTH:
            first = day.replace(day=1)
            following = (first + timedelta(days=32)).replace(day=1)
            return first, following - timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Area:
    """Where figures are merged: a house, a municipality, a governorate, or the nation."""

    kind: GroupBy
    code: str
    name_ar: str
    name_fr: str


@dataclass(frozen=True, slots=True)
class Summary:
    """A histogram of an area's period, read from the merge of its houses' histograms.

    `area` is the area's index among the cells' areas and `start` the period's first day (ISO);
    the median and p90 are the buckets holding the nearest-rank 50th and 90th percentiles;
    `below_target` counts the samples in the buckets under the target's (waits).
    """

    area: int
    start: str
    kind: str
    partner_code: str
    service_code: str
    count: int
    median_bucket: int
    p90_bucket: int
    below_target: int
    buckets: tuple[tuple[int, int], ...] = ()  # (bucket, count) in order: the hours' only


_BUCKETS = {b.name: b for b in (WAIT, HANDLING, TURNAROUND)}


@dataclass(frozen=True, slots=True)
class Durations:
    """Waits or handling times, in minutes, read from a merged histogram."""

    count: int
    mean_minutes: float | None
    median_minutes: float | None
    p90_minutes: float | None
    within_target: int | None = None  # under the target (waits only)
    within_target_share: float | None = None

    @classmethod
    def of(cls, summary: Summary | None, millis: int, *, target: bool) -> Durations:
        """Figures of a histogram's summary (its samples sum to `millis`)."""
        if summary is None:
            return cls(0, None, None, None, 0 if target else None, None)
        count, buckets = summary.count, _BUCKETS[summary.kind]
        within = summary.below_target if target else None
        return cls(
            count=count,
            mean_minutes=round(millis / count / MINUTE_MS, 3) if count else None,
            median_minutes=_minutes(buckets.told(summary.median_bucket)),
            p90_minutes=_minutes(buckets.told(summary.p90_bucket)),
            within_target=within,
            within_target_share=_share(within, count),
        )


def _minutes(millis: float | None) -> float | None:
    return None if millis is None else round(millis / MINUTE_MS, 3)


def _share(part: int | None, whole: int) -> float | None:
    return None if part is None or whole == 0 else round(part / whole, 4)


@dataclass(frozen=True, slots=True)
class VisitFigures:
    """The queue's figures: visits, their ends, waits and handling times, visits per hour."""

    visits: int
    served: int
    no_shows: int
    walked_away: int
    transferred: int
    waits: Durations
    handling: Durations
    by_hour: tuple[tuple[int, int], ...]  # (hour, visits), hours with visits only


@dataclass(frozen=True, slots=True)
class ServiceFigures:
    """One partner's service: requests by what happened, and the partner's turnaround."""

    partner_code: str
    service_code: str
    lodged: int
    on_the_spot: int
    forwarded: int
    returned: int
    accepted: int
    refused: int
    closed: int
    withdrawn: int
    decided: int
    with_deadline: int
    on_time: int
    on_time_share: float | None
    turnaround_mean_days: float | None
    turnaround_median_days: float | None
    turnaround_p90_days: float | None


@dataclass(frozen=True, slots=True)
class ContactFigures:
    """Contacts without a file about one partner."""

    partner_code: str
    information: int
    redirections: int


@dataclass(frozen=True, slots=True)
class Outcomes:
    """Requests done on the spot, forwarded, citizens redirected, and the partners' refusals.

    Shares are of `on_the_spot + forwarded + redirected` (every case the house took up).
    """

    on_the_spot: int
    forwarded: int
    redirected: int
    refused: int
    on_the_spot_share: float | None
    forwarded_share: float | None
    redirected_share: float | None


@dataclass(frozen=True, slots=True)
class MoneyFigures:
    """Money for one partner by one method (whole millimes)."""

    partner_code: str
    method: str
    captured: int
    captured_millimes: int
    refunds: int
    refunded_millimes: int
    net_millimes: int


@dataclass(frozen=True, slots=True)
class GrantFigures:
    """One partner's grants: changes in the period and grants in force on its last day."""

    partner_code: str
    in_force: int
    granted: int
    amended: int
    suspended: int
    reinstated: int
    renewed: int
    revoked: int


@dataclass(frozen=True, slots=True)
class Group:
    """The figures of one area over one period.

    `visits` is None when a partner or service is filtered on (the queue knows no partner).
    """

    area: Area
    first: date
    last: date
    visits: VisitFigures | None
    requests: tuple[ServiceFigures, ...]
    contacts: tuple[ContactFigures, ...]
    outcomes: Outcomes
    money: tuple[MoneyFigures, ...]
    grants: tuple[GrantFigures, ...]


Row = tuple[Any, ...]
Key = tuple[int, str]  # an area's index, its period's first day (ISO)


@dataclass
class Cells:
    """The cells of the houses, days, partners and services asked for, summed by area and period.

    Each row is a cell's columns in its dataclass's order (`view.py`), its house replaced by its
    area's index in `areas` and its day by the first day of its period (ISO text), and a line
    cell's line left out: one row per area, period, and partner, service or method. The
    grants' lives come with their area's index.
    """

    areas: int = 0  # how many areas the indexes run over
    lines: list[Row] = field(default_factory=list)
    services: list[Row] = field(default_factory=list)
    contacts: list[Row] = field(default_factory=list)
    money: list[Row] = field(default_factory=list)
    grant_days: list[Row] = field(default_factory=list)
    grants: list[tuple[int, GrantRow]] = field(default_factory=list)
    summaries: list[Summary] = field(default_factory=list)
    with_visits: bool = True  # False when a partner or service is filtered on


def _counts(row_type: type, *keys: str) -> tuple[str, ...]:
    """The count and sum columns of a cell type, after its key columns."""
    names = tuple(f.name for f in fields(row_type))
    return tuple(n for n in names if n not in {"house_id", "day", "line", *keys})


_LINE_COUNTS = _counts(LineDayCell)
_SERVICE_COUNTS = _counts(ServiceDayCell, "partner_code", "service_code")
_CONTACT_COUNTS = _counts(ContactDayCell, "partner_code")
_MONEY_COUNTS = _counts(MoneyDayCell, "partner_code", "service_code", "method")
_GRANT_COUNTS = _counts(GrantDayCell, "partner_code")


def merge(
    cells: Cells,
    areas: Sequence[Area],
    period: Period,
    dates: tuple[date, date],
) -> list[Group]:
    """Figures per area and period from `first` to `last`, areas then periods in order.

    `areas[i]` is the area of index i. Every (area, period) that holds a cell is listed; one
    with none is not. A period cut by `dates` (the first and last day asked for) runs from or
    to them.
    """
    first, last = dates
    lines = _by(cells.lines)
    services, contacts = _by(cells.services), _by(cells.contacts)
    money, grant_days = _by(cells.money), _by(cells.grant_days)
    summaries: dict[Key, Histograms] = defaultdict(dict)
    for s in cells.summaries:
        summaries[s.area, s.start][s.kind, s.partner_code, s.service_code] = s
    lives: dict[int, list[tuple[str, Life]]] = defaultdict(list)
    for index, grant in cells.grants:  # each grant's changes read once, not once a period
        lives[index].append((grant.partner_code, life_of(grant)))
    keys = set(lines) | set(services) | set(contacts) | set(money) | set(grant_days)
    codes = [a.code for a in areas]
    groups = []
    spans: dict[str, tuple[date, date]] = {}  # a period's first day (ISO) -> its days asked for
    for k in sorted(keys, key=lambda k: (codes[k[0]], k[1])):
        index, day = k
        span = spans.get(day)
        if span is None:
            start, end = period_of(date.fromisoformat(day), period)
            span = spans[day] = max(start, first), min(end, last)
        start, end = span
        histograms = summaries.get(k, {})
        service_figures = _services(services.get(k, ()), histograms)
        contact_figures = _contacts(contacts.get(k, ()))
        groups.append(
            Group(
                area=areas[index],
                first=start,
                last=end,
                visits=_visits(lines.get(k, ()), histograms) if cells.with_visits else None,
                requests=service_figures,
                contacts=contact_figures,
                outcomes=_outcomes(service_figures, contact_figures),
                money=_money(money.get(k, ())),
                grants=_grants(lives.get(index, ()), end, grant_days.get(k, ())),
            )
        )
    return groups


def _by(rows: Iterable[Row]) -> dict[Key, list[Row]]:
    found: dict[Key, list[Row]] = defaultdict(list)
    for row in rows:
        found[row[0], row[1]].append(row)
    return found


def _parts(rows: Sequence[Row], width: int) -> list[tuple[tuple[Any, ...], tuple[int, ...]]]:
    """Rows by their `width` key columns after the area and day, in order; their counts summed.

    The database sums the cells of an area's period already: most keys hold one row.
    """
    found: dict[tuple[Any, ...], tuple[int, ...]] = {}
    cut = 2 + width
    if len(rows) == 1:
        row = rows[0]
        return [(row[2:cut], row[cut:])]
    for row in rows:
        key = row[2:cut]
        known = found.get(key)
        found[key] = row[cut:] if known is None else tuple(map(add, known, row[cut:]))
    return sorted(found.items())


Histograms = dict[tuple[str, str, str], Summary]
_NO_LINE = (0,) * len(_LINE_COUNTS)


def _visits(lines: Sequence[Row], histograms: Histograms) -> VisitFigures:
    parts = _parts(lines, 0)
    hours = histograms.get(_HOURS)
    visits, served, no_shows, walked_away, transferred, _, wait_millis, _, handling_millis = (
        parts[0][1] if parts else _NO_LINE
    )
    return VisitFigures(
        visits=visits,
        served=served,
        no_shows=no_shows,
        walked_away=walked_away,
        transferred=transferred,
        waits=Durations.of(histograms.get(_WAITS), wait_millis, target=True),
        handling=Durations.of(histograms.get(_HANDLING), handling_millis, target=False),
        by_hour=hours.buckets if hours is not None else (),
    )


_WAITS = (WAIT.name, "", "")
_HANDLING = (HANDLING.name, "", "")
_HOURS = (HOUR.name, "", "")


def _services(rows: Sequence[Row], histograms: Histograms) -> tuple[ServiceFigures, ...]:
    figures = []
    for (partner, service), counts in _parts(rows, 2):
        (lodged, spot, forwarded, returned, accepted, refused, closed, withdrawn, decided) = counts[
            :9
        ]
        with_deadline, on_time, days = counts[9:]
        turnaround = histograms.get((TURNAROUND.name, partner, service))
        samples, median, p90 = 0, None, None
        if turnaround is not None and turnaround.count:
            samples = turnaround.count
            median = TURNAROUND.told(turnaround.median_bucket)
            p90 = TURNAROUND.told(turnaround.p90_bucket)
        figures.append(
            ServiceFigures(
                partner,
                service,
                lodged,
                spot,
                forwarded,
                returned,
                accepted,
                refused,
                closed,
                withdrawn,
                decided,
                with_deadline,
                on_time,
                on_time_share=_share(on_time, with_deadline),
                turnaround_mean_days=round(days / samples, 3) if samples else None,
                turnaround_median_days=median,
                turnaround_p90_days=p90,
            )
        )
    return tuple(figures)


def _contacts(rows: Sequence[Row]) -> tuple[ContactFigures, ...]:
    return tuple(ContactFigures(partner, *counts) for (partner,), counts in _parts(rows, 1))


def _outcomes(
    services: tuple[ServiceFigures, ...], contacts: tuple[ContactFigures, ...]
) -> Outcomes:
    spot = forwarded = refused = redirected = 0
    for s in services:
        spot += s.on_the_spot
        forwarded += s.forwarded
        refused += s.refused
    for c in contacts:
        redirected += c.redirections
    whole = spot + forwarded + redirected
    return Outcomes(
        on_the_spot=spot,
        forwarded=forwarded,
        redirected=redirected,
        refused=refused,
        on_the_spot_share=_share(spot, whole),
        forwarded_share=_share(forwarded, whole),
        redirected_share=_share(redirected, whole),
    )


def _money(rows: Sequence[Row]) -> tuple[MoneyFigures, ...]:
    by_method = _parts([(*r[:3], r[4], *r[5:]) for r in rows], 2)  # services summed together
    return tuple(
        MoneyFigures(partner, method, captured, taken, refunds, refunded, taken - refunded)
        for (partner, method), (captured, taken, refunds, refunded) in by_method
    )


def _grants(
    lives: Iterable[tuple[str, Life]], last: date, rows: Sequence[Row]
) -> tuple[GrantFigures, ...]:
    return grant_figures(in_force_counts(lives, last), rows)


def in_force_counts(lives: Iterable[tuple[str, Life]], day: date) -> dict[str, int]:
    """How many of these grants (partner, life) each partner had in force on `day` (none: out)."""
    in_force: dict[str, int] = defaultdict(int)
    for partner, life in lives:
        if _in_force(life, day):
            in_force[partner] += 1
    return dict(in_force)


def grant_figures(in_force: Mapping[str, int], rows: Sequence[Row]) -> tuple[GrantFigures, ...]:
    """Each partner's grants: `in_force` on the period's last day, `rows` its grant-day cells."""
    by = {partner: counts for (partner,), counts in _parts(rows, 1)}
    zero = (0,) * len(_GRANT_COUNTS)
    return tuple(
        GrantFigures(partner, in_force.get(partner, 0), *by.get(partner, zero))
        for partner in sorted(set(in_force) | set(by))
    )


Life = tuple[tuple[date, str, date, date], ...]  # a grant's changes: day, kind, dates they set


def life_of(grant: GrantRow) -> Life:
    """A grant's changes read: their day, kind, and the first and last days they set (if any)."""
    changes = []
    for change in grant.changes:
        parts = change.split(" ")
        dates = [date.fromisoformat(p) for p in parts[2:4]]
        match parts[1]:
            case "granted":
                starts, ends = dates[0], dates[1]
            case "renewed":
                starts, ends = date.max, dates[0]
            case _:
                starts, ends = date.max, date.min
        changes.append((date.fromisoformat(parts[0]), parts[1], starts, ends))
    return tuple(changes)


def in_force_on(grant: GrantRow, day: date) -> bool:
    """Whether the grant, as its changes up to `day` left it, was in force on `day`.

    In force: recorded, neither suspended nor revoked, and `day` within its validity.
    """
    return _in_force(life_of(grant), day)


def _in_force(life: Life, day: date) -> bool:
    state, starts, ends = "none", date.max, date.min
    for on, kind, first, last in life:
        if on > day:
            break
        match kind:
            case "granted":
                state = "active"
                starts, ends = first, last
            case "renewed":
                ends = last
            case "suspended" | "revoked":
                state = kind
            case "reinstated":
                state = "active"
    return state == "active" and starts <= day <= ends


# --- the figures' plain form: what GraphQL, the export and the stored day figures speak --------

Figures = dict[str, Any]
"""A group as plain JSON values: `Group`'s fields by name, dates as ISO text, tuples as lists."""


def as_figures(group: Group) -> Figures:
    """A group in its plain form."""
    found: Figures = orjson.loads(orjson.dumps(group))
    return found


def group_of(figures: Figures) -> Group:
    """The group a plain form tells (`as_figures`'s inverse)."""
    area, visits = figures["area"], figures["visits"]
    return Group(
        area=Area(GroupBy(area["kind"]), area["code"], area["name_ar"], area["name_fr"]),
        first=date.fromisoformat(figures["first"]),
        last=date.fromisoformat(figures["last"]),
        visits=None
        if visits is None
        else VisitFigures(
            **{
                **visits,
                "waits": Durations(**visits["waits"]),
                "handling": Durations(**visits["handling"]),
                "by_hour": tuple((h, n) for h, n in visits["by_hour"]),
            }
        ),
        requests=tuple(ServiceFigures(**s) for s in figures["requests"]),
        contacts=tuple(ContactFigures(**c) for c in figures["contacts"]),
        outcomes=Outcomes(**figures["outcomes"]),
        money=tuple(MoneyFigures(**m) for m in figures["money"]),
        grants=tuple(GrantFigures(**g) for g in figures["grants"]),
    )


def kept_figures(group: Group, waits: Sequence[tuple[int, int]]) -> bytes:
    """A day's group as stored (its area left out), with its waits' buckets `(bucket, count)`."""
    found = as_figures(group)
    del found["area"]
    found["wait_buckets"] = waits
    return orjson.dumps(found)


def stored_figures(stored: str | bytes, area: Figures, target: int) -> Figures:
    """A stored day's figures in the area, the waits within target read for `target`.

    `target` is the first waits' bucket not under the target (see `Durations.of`).
    """
    found: Figures = orjson.loads(stored)
    found["area"] = area
    below = 0
    for bucket, count in found.pop("wait_buckets"):
        if bucket < target:
            below += count
    waits = found["visits"]["waits"]
    waits["within_target"] = below
    waits["within_target_share"] = _share(below, waits["count"])
    return found


def target_bucket(buckets: Buckets, minutes: int) -> int:
    """The first bucket of `buckets` (milliseconds) not under `minutes`."""
    return minutes * MINUTE_MS // buckets.width
