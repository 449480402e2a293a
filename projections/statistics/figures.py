"""The governance office's figures: cells merged by area (house … nation) and period (day … month).

Every figure is a sum of cells or read from a merge of their histograms, so a governorate's month
is exactly the merge of its houses' days. See docs/statistics.md for each formula.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from enum import StrEnum
from typing import Any, TypeVar
from uuid import UUID

from projections.statistics.histogram import (
    HANDLING,
    MINUTE_MS,
    TURNAROUND,
    WAIT,
)
from projections.statistics.view import (
    ContactDayCell,
    GrantDayCell,
    GrantRow,
    HourCell,
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


@dataclass(frozen=True)
class Area:
    """Where figures are merged: a house, a municipality, a governorate, or the nation."""

    kind: GroupBy
    code: str
    name_ar: str
    name_fr: str


@dataclass(frozen=True)
class Summary:
    """A histogram of an area's period, as the database reads it from the merged buckets.

    `house_id` is the area's id and `day` the period's first day; the median and p90 are the
    buckets holding the nearest-rank 50th and 90th percentiles; `below_target` counts the
    samples in the buckets under the target's (waits).
    """

    house_id: UUID
    day: date
    kind: str
    partner_code: str
    service_code: str
    count: int
    median_bucket: int
    p90_bucket: int
    below_target: int


_BUCKETS = {b.name: b for b in (WAIT, HANDLING, TURNAROUND)}


@dataclass(frozen=True)
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


@dataclass(frozen=True)
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


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class ContactFigures:
    """Contacts without a file about one partner."""

    partner_code: str
    information: int
    redirections: int


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class MoneyFigures:
    """Money for one partner by one method (whole millimes)."""

    partner_code: str
    method: str
    captured: int
    captured_millimes: int
    refunds: int
    refunded_millimes: int
    net_millimes: int


@dataclass(frozen=True)
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


@dataclass(frozen=True)
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


@dataclass
class Cells:
    """The cells of the houses, days, partners and services asked for, and the grants' lives."""

    lines: list[LineDayCell] = field(default_factory=list)
    hours: list[HourCell] = field(default_factory=list)
    services: list[ServiceDayCell] = field(default_factory=list)
    contacts: list[ContactDayCell] = field(default_factory=list)
    money: list[MoneyDayCell] = field(default_factory=list)
    grant_days: list[GrantDayCell] = field(default_factory=list)
    grants: list[GrantRow] = field(default_factory=list)
    summaries: list[Summary] = field(default_factory=list)
    with_visits: bool = True  # False when a partner or service is filtered on


Key = tuple[Area, date, date]


def merge(
    cells: Cells,
    areas: Mapping[UUID, Area],
    period: Period,
    dates: tuple[date, date],
) -> list[Group]:
    """Figures per area and period from `first` to `last`, areas then periods in order.

    Every (area, period) that holds a cell is listed; one with none is not. A period cut by
    `dates` (the first and last day asked for) runs from or to them.
    """
    first, last = dates

    def key(house: UUID, day: date) -> Key:
        start, end = period_of(day, period)
        return areas[house], max(start, first), min(end, last)

    lines = _by(cells.lines, key)
    hours = _by(cells.hours, key)
    services = _by(cells.services, key)
    contacts = _by(cells.contacts, key)
    money = _by(cells.money, key)
    grant_days = _by(cells.grant_days, key)
    summaries = _by(cells.summaries, key)
    keys = set(lines) | set(hours) | set(services) | set(contacts) | set(money) | set(grant_days)
    groups = []
    for k in sorted(keys, key=lambda k: (k[0].code, k[1])):
        area, start, end = k
        grants = _grants(cells.grants, areas, area, end, grant_days.get(k, []))
        histograms = {(s.kind, s.partner_code, s.service_code): s for s in summaries.get(k, [])}
        service_figures = _services(services.get(k, []), histograms)
        contact_figures = _contacts(contacts.get(k, []))
        groups.append(
            Group(
                area=area,
                first=start,
                last=end,
                visits=_visits(lines.get(k, []), hours.get(k, []), histograms)
                if cells.with_visits
                else None,
                requests=service_figures,
                contacts=contact_figures,
                outcomes=_outcomes(service_figures, contact_figures),
                money=_money(money.get(k, [])),
                grants=grants,
            )
        )
    return groups


def _by(cells: Iterable[Any], key: Callable[[UUID, date], Key]) -> dict[Key, list[Any]]:
    found: dict[Key, list[Any]] = defaultdict(list)
    for cell in cells:
        found[key(cell.house_id, cell.day)].append(cell)
    return found


def _sums(cells: list[Any], names: Iterable[str]) -> dict[str, int]:
    return {n: sum(getattr(c, n) for c in cells) for n in names}


Histograms = dict[tuple[str, str, str], Summary]


def _visits(
    lines: list[LineDayCell], hours: list[HourCell], histograms: Histograms
) -> VisitFigures:
    waits = histograms.get((WAIT.name, "", ""))
    handling = histograms.get((HANDLING.name, "", ""))
    by_hour: dict[int, int] = defaultdict(int)
    for hour in hours:
        by_hour[hour.hour] += hour.visits
    sums = _sums(lines, ("visits", "served", "no_shows", "walked_away", "transferred"))
    return VisitFigures(
        **sums,
        waits=Durations.of(waits, sum(c.wait_millis for c in lines), target=True),
        handling=Durations.of(handling, sum(c.handling_millis for c in lines), target=False),
        by_hour=tuple(sorted((h, n) for h, n in by_hour.items() if n)),
    )


_SERVICE_COUNTS = tuple(
    f.name
    for f in fields(ServiceDayCell)
    if f.name not in {"house_id", "day", "partner_code", "service_code"}
)


def _services(cells: list[ServiceDayCell], histograms: Histograms) -> tuple[ServiceFigures, ...]:
    by: dict[tuple[str, str], list[ServiceDayCell]] = defaultdict(list)
    for cell in cells:
        by[cell.partner_code, cell.service_code].append(cell)
    figures = []
    for (partner, service), group in sorted(by.items()):
        sums = _sums(group, _SERVICE_COUNTS)
        turnaround = histograms.get((TURNAROUND.name, partner, service))
        samples, days = (turnaround.count if turnaround else 0), sums.pop("turnaround_days")
        figures.append(
            ServiceFigures(
                partner_code=partner,
                service_code=service,
                **sums,
                on_time_share=_share(sums["on_time"], sums["with_deadline"]),
                turnaround_mean_days=round(days / samples, 3) if samples else None,
                turnaround_median_days=_told(turnaround, "median_bucket"),
                turnaround_p90_days=_told(turnaround, "p90_bucket"),
            )
        )
    return tuple(figures)


def _told(summary: Summary | None, bucket: str) -> float | None:
    if summary is None or not summary.count:
        return None
    return TURNAROUND.told(getattr(summary, bucket))


def _contacts(cells: list[ContactDayCell]) -> tuple[ContactFigures, ...]:
    by: dict[str, list[ContactDayCell]] = defaultdict(list)
    for cell in cells:
        by[cell.partner_code].append(cell)
    return tuple(
        ContactFigures(partner, **_sums(group, ("information", "redirections")))
        for partner, group in sorted(by.items())
    )


def _outcomes(
    services: tuple[ServiceFigures, ...], contacts: tuple[ContactFigures, ...]
) -> Outcomes:
    spot = sum(s.on_the_spot for s in services)
    forwarded = sum(s.forwarded for s in services)
    redirected = sum(c.redirections for c in contacts)
    whole = spot + forwarded + redirected
    return Outcomes(
        on_the_spot=spot,
        forwarded=forwarded,
        redirected=redirected,
        refused=sum(s.refused for s in services),
        on_the_spot_share=_share(spot, whole),
        forwarded_share=_share(forwarded, whole),
        redirected_share=_share(redirected, whole),
    )


def _money(cells: list[MoneyDayCell]) -> tuple[MoneyFigures, ...]:
    by: dict[tuple[str, str], list[MoneyDayCell]] = defaultdict(list)
    for cell in cells:
        by[cell.partner_code, cell.method].append(cell)
    figures = []
    for (partner, method), group in sorted(by.items()):
        sums = _sums(group, ("captured", "captured_millimes", "refunds", "refunded_millimes"))
        net = sums["captured_millimes"] - sums["refunded_millimes"]
        figures.append(MoneyFigures(partner, method, **sums, net_millimes=net))
    return tuple(figures)


_GRANT_COUNTS = ("granted", "amended", "suspended", "reinstated", "renewed", "revoked")


def _grants(
    lives: list[GrantRow],
    areas: Mapping[UUID, Area],
    area: Area,
    last: date,
    cells: list[GrantDayCell],
) -> tuple[GrantFigures, ...]:
    in_force: dict[str, int] = defaultdict(int)
    for grant in lives:
        if areas.get(grant.house_id) == area and in_force_on(grant, last):
            in_force[grant.partner_code] += 1
    by: dict[str, list[GrantDayCell]] = defaultdict(list)
    for cell in cells:
        by[cell.partner_code].append(cell)
    return tuple(
        GrantFigures(partner, in_force.get(partner, 0), **_sums(by.get(partner, []), _GRANT_COUNTS))
        for partner in sorted(set(in_force) | set(by))
    )


def in_force_on(grant: GrantRow, day: date) -> bool:
    """Whether the grant, as its changes up to `day` left it, was in force on `day`.

    In force: recorded, neither suspended nor revoked, and `day` within its validity.
    """
    state, starts, ends = "none", date.max, date.min
    for change in grant.changes:
        parts = change.split(" ")
        if date.fromisoformat(parts[0]) > day:
            break
        match parts[1]:
            case "granted":
                state = "active"
                starts, ends = date.fromisoformat(parts[2]), date.fromisoformat(parts[3])
            case "renewed":
                ends = date.fromisoformat(parts[2])
            case "suspended" | "revoked":
                state = parts[1]
            case "reinstated":
                state = "active"
    return state == "active" and starts <= day <= ends
