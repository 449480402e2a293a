"""A services house: a counter room in a town hall, with numbered counters and service lines."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, time
from uuid import UUID

from domain.houses.calendar import BusinessCalendar, Hours, Season
from domain.shared.acts import Act, DarAggregate
from domain.shared.errors import AlreadyExistsError, DarError, NotFoundError, ValidationError
from domain.shared.ids import natural_id

_CODE = re.compile(r"^[a-z][a-z0-9-]{1,39}$")
_PREFIX = re.compile(r"^[A-Z]$")
_ARABIC = re.compile(r"[\u0600-\u06FF]")
MAX_COUNTERS = 99


class CounterStateError(DarError):
    """The counter is not in a state that allows this (open, closed, held by someone else)."""

    code = "COUNTER_STATE"


def house_id(code: str) -> UUID:
    """Houses are known by a code (`haidra`)."""
    if not _CODE.match(code):
        raise ValidationError("code", "2 to 40 lower-case letters, digits or '-'")
    return natural_id("house", code)


@dataclass(frozen=True)
class HouseNames:
    """The house's name in Arabic and French."""

    arabic: str
    french: str

    def __post_init__(self) -> None:
        for field, value in (("nameAr", self.arabic), ("nameFr", self.french)):
            if not value.strip() or len(value) > 200:
                raise ValidationError(field, "must be 1 to 200 characters")
        if not _ARABIC.search(self.arabic):
            raise ValidationError("nameAr", "must be written in Arabic script")


@dataclass(frozen=True)
class Counter:
    """A counter of the house.

    `agent_id` is what the house's own `CounterOpened`/`CounterClosed` events recorded before
    openings moved to the day's counter room (`domain.houses.room`); who holds a counter today is
    the room's to say, never this field.
    """

    number: int
    label: str
    agent_id: UUID | None = None


@dataclass(frozen=True)
class ServiceLine:
    """A queue of the house: a ticket prefix, the services it serves, priority rules."""

    prefix: str
    name: str
    services: frozenset[str]
    priority: bool


class House(DarAggregate):
    """A services house."""

    class Registered(DarAggregate.Created):
        code: str
        name_ar: str
        name_fr: str
        municipality: str
        governorate: str

    class CounterAdded(DarAggregate.Event):
        number: int
        label: str

        def apply(self, aggregate: House) -> None:
            """A new, closed counter."""
            aggregate.counters[self.number] = Counter(self.number, self.label)

    class CounterOpened(DarAggregate.Event):
        """Recorded before openings moved to the day's counter room; kept, still applied."""

        number: int
        agent_id: UUID

        def apply(self, aggregate: House) -> None:
            """The counter is bound to the agent who took it."""
            counter = aggregate.counters[self.number]
            aggregate.counters[self.number] = Counter(counter.number, counter.label, self.agent_id)

    class CounterClosed(DarAggregate.Event):
        """Recorded before closings moved to the day's counter room; kept, still applied."""

        number: int

        def apply(self, aggregate: House) -> None:
            """Nobody holds the counter."""
            counter = aggregate.counters[self.number]
            aggregate.counters[self.number] = Counter(counter.number, counter.label)

    class ServiceLineAdded(DarAggregate.Event):
        prefix: str
        name: str
        services: tuple[str, ...]
        priority: bool

        def apply(self, aggregate: House) -> None:
            """A new queue."""
            aggregate.lines[self.prefix] = ServiceLine(
                self.prefix, self.name, frozenset(self.services), self.priority
            )

    class ServiceLineChanged(DarAggregate.Event):
        prefix: str
        services: tuple[str, ...]
        priority: bool

        def apply(self, aggregate: House) -> None:
            """The queue serves other services, or changes its priority rule."""
            line = aggregate.lines[self.prefix]
            aggregate.lines[self.prefix] = ServiceLine(
                line.prefix, line.name, frozenset(self.services), self.priority
            )

    class OpeningHoursSet(DarAggregate.Event):
        season: str
        opens: str
        closes: str

        def apply(self, aggregate: House) -> None:
            """The house keeps its own hours for a season (normal, Ramadan, summer)."""
            aggregate.hours[Season(self.season)] = Hours(
                time.fromisoformat(self.opens), time.fromisoformat(self.closes)
            )

    class LocalHolidayAdded(DarAggregate.Event):
        day: date
        name: str

        def apply(self, aggregate: House) -> None:
            """A day the house is closed (a local feast, a municipal decision)."""
            aggregate.local_holidays[self.day] = self.name

    def __init__(
        self, code: str, name_ar: str, name_fr: str, municipality: str, governorate: str
    ) -> None:
        self.code = code
        self.names = HouseNames(name_ar, name_fr)
        self.municipality = municipality
        self.governorate = governorate
        self.counters: dict[int, Counter] = {}
        self.lines: dict[str, ServiceLine] = {}
        self.hours: dict[Season, Hours] = {}
        self.local_holidays: dict[date, str] = {}

    @classmethod
    def register(
        cls, *, code: str, names: HouseNames, municipality: str, governorate: str, act: Act
    ) -> House:
        """Register a house in a municipality of a governorate."""
        return cls._create(
            cls.Registered,
            id=house_id(code),
            timestamp=act.at,
            actor=act.actor,
            command_id=act.command_id,
            code=code,
            name_ar=names.arabic,
            name_fr=names.french,
            municipality=municipality,
            governorate=governorate,
        )

    def add_counter(self, number: int, label: str, act: Act) -> None:
        """Counters are numbered 1 to 99, each once."""
        if not 1 <= number <= MAX_COUNTERS:
            raise ValidationError("number", f"counters are numbered 1 to {MAX_COUNTERS}")
        if number in self.counters:
            raise AlreadyExistsError(f"counter {number} exists already")
        if not label.strip() or len(label) > 100:
            raise ValidationError("label", "must be 1 to 100 characters")
        self._record(self.CounterAdded, act, number=number, label=label.strip())

    def add_service_line(
        self, *, prefix: str, name: str, services: frozenset[str], priority: bool, act: Act
    ) -> None:
        """A new queue with a one-letter ticket prefix."""
        if not _PREFIX.match(prefix):
            raise ValidationError("prefix", "one capital letter")
        if prefix in self.lines:
            raise AlreadyExistsError(f"line {prefix} exists already")
        if not services:
            raise ValidationError("services", "a line serves at least one service")
        if not name.strip() or len(name) > 100:
            raise ValidationError("name", "must be 1 to 100 characters")
        self._record(
            self.ServiceLineAdded,
            act,
            prefix=prefix,
            name=name.strip(),
            services=tuple(sorted(services)),
            priority=priority,
        )

    def change_service_line(
        self, *, prefix: str, services: frozenset[str], priority: bool, act: Act
    ) -> None:
        """Change what a line serves, or its priority rule."""
        line = self.lines.get(prefix)
        if line is None:
            raise NotFoundError(f"no line {prefix} in this house")
        if not services:
            raise ValidationError("services", "a line serves at least one service")
        if (line.services, line.priority) == (services, priority):
            raise ValidationError("services", "nothing would change")
        self._record(
            self.ServiceLineChanged,
            act,
            prefix=prefix,
            services=tuple(sorted(services)),
            priority=priority,
        )

    def set_opening_hours(self, season: Season, hours: Hours, act: Act) -> None:
        """Set the house's hours for a season, in place of the national ones."""
        if hours.closes <= hours.opens:
            raise ValidationError("closes", "a house closes after it opens")
        if self.hours.get(season) == hours:
            raise ValidationError("hours", "the house already keeps these hours")
        self._record(
            self.OpeningHoursSet,
            act,
            season=season.value,
            opens=hours.opens.isoformat("minutes"),
            closes=hours.closes.isoformat("minutes"),
        )

    def add_local_holiday(self, day: date, name: str, act: Act) -> None:
        """A day this house is closed, beyond the national holidays."""
        if day in self.local_holidays:
            raise AlreadyExistsError(f"{day} is already a holiday of this house")
        if not name.strip() or len(name) > 100:
            raise ValidationError("name", "must be 1 to 100 characters")
        self._record(self.LocalHolidayAdded, act, day=day, name=name.strip())

    def calendar(self, national: BusinessCalendar) -> BusinessCalendar:
        """The national calendar with this house's own hours and holidays."""
        return replace(
            national,
            holidays=national.holidays | frozenset(self.local_holidays),
            hours={**national.hours, **self.hours},
        )

    def _counter(self, number: int) -> Counter:
        counter = self.counters.get(number)
        if counter is None:
            raise NotFoundError(f"no counter {number} in this house")
        return counter
