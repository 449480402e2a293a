"""The simulated business days of every house, run as one timeline through the services.

Each working day, the houses' plans are merged into one schedule ordered by time: counters open,
tickets are issued as citizens arrive, free counters call the next ticket, the agent serves the
visit (a contact, or a request: `acts.Desk`), impatient citizens walk away, counters close once
the last citizen has gone. Forwarded files come back to their partner on later days
(`acts.Files`); a grant suspended at noon is reinstated some days later. Counters are opened in
one place (`_open`) and closed in one (`_close`), each with its agent's till (opened with `FLOAT`,
closed with the cash expected); cash is taken in one (`acts.Desk.take_cash`).
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import partial
from uuid import UUID

from api.bootstrap import Dar
from api.simulation.acts import Desk, Files, Serving, new_agenda
from api.simulation.executor import Executor
from api.simulation.gateway import Cards, SimulatorGateway
from api.simulation.plan import DayPlan, Purpose, Suspension, Visit, day_plan, noon
from api.simulation.setup import ADMIN, HouseSetup, grant_id
from api.simulation.sources import ScheduledClock, SeededIds
from api.simulation.world import SimHouse
from application.counter.commands import (
    CallNextTicket,
    EndVisit,
    IssueTicket,
    MarkNoShow,
    RecordContact,
    RecordWalkAway,
)
from application.delegation.commands import ReinstateDelegation, SuspendDelegation
from application.houses.commands import CloseCounter, OpenCounter
from application.payments.till_commands import CloseTill, OpenTill
from domain.houses.calendar import BusinessCalendar
from domain.payments.till import Count
from domain.shared.ids import ids_from
from domain.shared.time import TUNIS
from infrastructure.reference import load_reference_partners, load_reference_services

Schedule = Callable[[datetime, Callable[[datetime], None]], None]


FLOAT = 50_000  # each agent's till opens with 50 TND of change


@dataclass
class Today:
    """A house's day as it unfolds: tickets waiting, counters free, visits still to come."""

    plan: DayPlan
    arrivals_left: int
    idle: set[int] = field(default_factory=set)
    waiting: set[str] = field(default_factory=set)
    visit_of: dict[str, Visit] = field(default_factory=dict)
    tills: dict[int, UUID] = field(default_factory=dict)  # each open counter's agent's till

    @property
    def house(self) -> SimHouse:
        """The house."""
        return self.plan.house

    def key(self, what: str) -> str:
        """The part of a command key naming the house, the day and `what`."""
        return f"{self.house.code}:{self.plan.day:%Y%m%d}:{what}"


def working_days(calendar: BusinessCalendar, first: date, count: int) -> list[date]:
    """`count` working days from `first` on (weekends and holidays of `calendar.yaml` skipped)."""
    days = (first + timedelta(days=n) for n in itertools.count())
    return list(itertools.islice((d for d in days if calendar.is_working_day(d)), count))


class Simulation:
    """History for `houses` over `days` working days from `first_day`, drawn from `seed`."""

    def __init__(  # noqa: PLR0913 - what a run is made of
        self,
        dar: Dar,
        clock: ScheduledClock,
        *,
        seed: int,
        houses: list[SimHouse],
        days: list[date],
        visits: int,
        calendar: BusinessCalendar,
        gateway: SimulatorGateway,
    ) -> None:
        """`dar` was built with `gateway` as its payment gateway (the simulator plays it)."""
        self._seed, self._houses, self._days, self._visits = seed, houses, days, visits
        self._calendar = calendar
        self._prefix = f"sim{seed}-{visits}"  # a run with other visits is another simulation
        self._clock = clock
        self._ids = SeededIds(seed)
        self._start = datetime.combine(days[0] - timedelta(days=1), time(7, 0), TUNIS)
        self.run = Executor(dar, clock, self._ids, self._start)
        self._citizens: dict[str, list[UUID]] = {}
        self._suspended: set[tuple[str, str]] = set()
        self._agenda = new_agenda()
        files, cards = Files(self.run, calendar, self._agenda), Cards(self.run, gateway)
        self._desk = Desk(self.run, self._citizens, files, cards)
        self.on_visit: Callable[[], None] = lambda: None
        self.setup_commands = 0  # of the commands run, those that set the houses up

    def plans(self) -> list[DayPlan]:
        """Every house-day's plan, in the order they run."""
        return [self._plan(h, d) for d in self._days for h in self._houses]

    def _plan(self, house: SimHouse, day: date) -> DayPlan:
        return day_plan(self._seed, house, day, self._calendar, self._visits)

    def simulate(self) -> None:
        """Set the houses up (or find them set up), then run every day."""
        dar = self.run.dar
        with ids_from(self._ids):
            self._clock.set(self._start)
            load_reference_partners(dar.partners)
            load_reference_services(dar.catalogue)
            setup = HouseSetup(self.run, self._prefix, self._days[0])
            for house in self._houses:
                self._citizens[house.code] = setup.set_up(house, self._start)
            self.setup_commands = self.run.tally.run
            for day in self._days:
                self._day(day)

    # --- the timeline -----------------------------------------------------------------------------

    def _day(self, day: date) -> None:
        heap: list[tuple[datetime, int, Callable[[datetime], None]]] = []
        order = itertools.count()

        def schedule(moment: datetime, action: Callable[[datetime], None]) -> None:
            heapq.heappush(heap, (moment, next(order), action))

        for moment, action in self._agenda.pop(day, []):
            schedule(moment, action)
        for house in self._houses:
            plan = self._plan(house, day)
            today = Today(plan, arrivals_left=len(plan.visits))
            schedule(plan.opens - timedelta(minutes=10), partial(self._open, today, schedule))
            for visit in plan.visits:
                schedule(visit.arrives, partial(self._arrive, today, visit, schedule))
            if plan.suspension is not None:
                schedule(noon(day), partial(self._suspend, today, plan.suspension))
        while heap:
            moment, _, action = heapq.heappop(heap)
            action(moment)

    def _key(self, today: Today, what: str) -> str:
        return f"{self._prefix}:{today.key(what)}"

    def _agent(self, today: Today, counter: int) -> tuple[str, str]:
        employee = today.house.agent(counter)
        return f"agent:{employee}", employee

    # --- counters: opened before the first citizen, closed after the last ---------------------

    def _open(self, today: Today, schedule: Schedule, moment: datetime) -> None:
        house = today.house
        for counter in range(1, house.counters + 1):
            actor, employee = self._agent(today, counter)
            command = OpenCounter(
                self._key(today, f"open-{counter}"), actor, house.code, counter, employee
            )
            self.run.do(self.run.dar.houses.open_counter, command, moment)
            till = OpenTill(self._key(today, f"till-{counter}"), actor, house.code, employee, FLOAT)
            opened = self.run.do(self.run.dar.tills.open_till, till, moment)
            today.tills[counter] = UUID(opened["till_id"])
            today.idle.add(counter)
        if not today.plan.visits:
            self._close_idle(today, moment)
        del schedule

    def _close(self, today: Today, counter: int, moment: datetime) -> None:
        actor, employee = self._agent(today, counter)
        command = CloseCounter(
            self._key(today, f"close-{counter}"), actor, today.house.code, counter, employee
        )
        self.run.do(self.run.dar.counter.close_counter, command, moment)
        till = today.tills.pop(counter)
        count = Count.exactly(self.run.dar.tills.current(till).expected)
        close = CloseTill(
            self._key(today, f"till-closed-{counter}"),
            actor,
            today.house.code,
            till,
            tuple(count.pieces.items()),
            None,
            employee,
        )
        self.run.do(self.run.dar.tills.close_till, close, moment)

    def _close_idle(self, today: Today, moment: datetime) -> None:
        for counter in sorted(today.idle):
            self._close(today, counter, moment)
        today.idle.clear()

    def _free(self, today: Today, counter: int, schedule: Schedule, moment: datetime) -> None:
        """The counter is free: it calls the next ticket, waits, or closes for the day."""
        if today.waiting:
            self._call(today, counter, schedule, moment)
        elif today.arrivals_left == 0:
            self._close(today, counter, moment)
        else:
            today.idle.add(counter)

    # --- tickets ---------------------------------------------------------------------------------

    def _arrive(self, today: Today, visit: Visit, schedule: Schedule, moment: datetime) -> None:
        house = today.house
        command = IssueTicket(
            self._key(today, f"v{visit.number}:ticket"),
            f"kiosk:{house.code}",
            house.code,
            visit.line,
            visit.priority,
        )
        label = self.run.do(self.run.dar.counter.issue_ticket, command, moment)["ticket"]
        today.arrivals_left -= 1
        today.waiting.add(label)
        today.visit_of[label] = visit
        self.on_visit()
        if visit.patience is not None:
            schedule(moment + visit.patience, partial(self._give_up, today, label))
        if today.idle:
            counter = min(today.idle)
            today.idle.discard(counter)
            self._call(today, counter, schedule, moment)
        if today.arrivals_left == 0:
            self._close_idle(today, moment)

    def _give_up(self, today: Today, label: str, moment: datetime) -> None:
        if label not in today.waiting:
            return
        supervisor = today.house.supervisor
        command = RecordWalkAway(
            self._key(today, f"{label}:walk-away"),
            f"supervisor:{supervisor}",
            today.house.code,
            label,
        )
        self.run.do(self.run.dar.counter.record_walk_away, command, moment)
        today.waiting.discard(label)

    def _call(self, today: Today, counter: int, schedule: Schedule, moment: datetime) -> None:
        actor, employee = self._agent(today, counter)
        command = CallNextTicket(
            self._key(today, f"call-{counter}-{moment:%H%M%S%f}"),
            actor,
            today.house.code,
            counter,
            employee,
        )
        label = self.run.do(self.run.dar.counter.call_next, command, moment)["ticket"]
        today.waiting.discard(label)
        schedule(
            moment + timedelta(minutes=1), partial(self._serve, today, counter, label, schedule)
        )

    def _serve(
        self, today: Today, counter: int, label: str, schedule: Schedule, moment: datetime
    ) -> None:
        visit, house = today.visit_of[label], today.house
        at = Serving(house, today.plan.day, counter, label, visit, self._prefix)
        counter_service = self.run.dar.counter
        if visit.purpose is Purpose.NO_SHOW:
            gone = MarkNoShow(at.key("no-show"), at.actor, house.code, label)
            self.run.do(counter_service.mark_no_show, gone, moment)
            self._free(today, counter, schedule, moment)
            return
        suspended = (house.code, visit.partner) in self._suspended
        if visit.purpose is Purpose.REQUEST and not suspended:
            self._desk.request(at, moment)
        else:  # informed; or sent to the partner's own office (also while its grant is suspended)
            kind = "information" if visit.purpose is Purpose.INFORMATION else "redirection"
            topic = visit.service.name_fr
            contact = RecordContact(
                at.key("contact"), at.actor, house.code, label, kind, visit.partner, topic
            )
            self.run.do(self.run.dar.requests.record_contact, contact, moment)
        done = partial(self._end, today, counter, label, schedule)
        schedule(moment + timedelta(minutes=visit.minutes), done)

    def _end(
        self, today: Today, counter: int, label: str, schedule: Schedule, moment: datetime
    ) -> None:
        actor, _ = self._agent(today, counter)
        command = EndVisit(self._key(today, f"{label}:end"), actor, today.house.code, label)
        self.run.do(self.run.dar.counter.end_visit, command, moment)
        self._free(today, counter, schedule, moment)

    # --- grants -----------------------------------------------------------------------------------

    def _suspend(self, today: Today, suspension: Suspension, moment: datetime) -> None:
        house, partner = today.house, suspension.partner
        if (house.code, partner) in self._suspended:
            return
        grant = grant_id(house, partner)
        command = SuspendDelegation(
            self._key(today, f"suspend-{partner}"), ADMIN, grant, "Contrôle de la convention"
        )
        self.run.do(self.run.dar.delegations.suspend, command, moment)
        self._suspended.add((house.code, partner))
        back = self._calendar.add_working_days(today.plan.day, suspension.days)
        key = self._key(today, f"reinstate-{partner}")
        self._agenda[back].append(
            (
                datetime.combine(back, time(7, 0), TUNIS),
                partial(self._reinstate, house, partner, key),
            )
        )

    def _reinstate(self, house: SimHouse, partner: str, key: str, moment: datetime) -> None:
        command = ReinstateDelegation(key, ADMIN, grant_id(house, partner))
        self.run.do(self.run.dar.delegations.reinstate, command, moment)
        self._suspended.discard((house.code, partner))
