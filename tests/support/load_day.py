"""A realistic business day at the demo house of Haidra, driven through the application services.

Two counters (A17 at 1, A18 at 2) and their agents' tills open in the morning, 120 tickets are issued on two lines and each
is called, served and ended; every fourth served ticket lodges a bill payment, half of them paid in
cash; both counters and tills close in the evening (each till counted exactly). On the first business day of a month, the STEG grant is
amended (a service added one month, removed the next). Each command's events loaded from the store
are counted by wrapping the recorder's `select_events`, the way the benchmarks count them.

Shared by the replay budget test and the `command_growth` benchmark.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from api.bootstrap import Dar
from api.demo import HOUSE
from application.citizens.commands import RegisterCitizen
from application.counter.commands import CallNextTicket, EndVisit, IssueTicket, LodgeRequest
from application.delegation.commands import AmendDelegation
from application.houses.commands import AccreditAgent, CloseCounter, EnrollAgent, OpenCounter
from application.payments.commands import RecordCashPayment
from application.payments.till_commands import CloseTill, OpenTill
from application.store import Outcome
from domain.payments.till import Count
from domain.shared.ids import natural_id
from domain.shared.time import TUNIS

TICKETS_PER_DAY = 120
LODGE_EVERY = 4  # on every 4th round of calls, both counters lodge a request (30 a day)
PAY_EVERY = 2  # every 2nd STEG bill lodged is paid in cash (8 a day)
CITIZENS = 40  # returning citizens
COUNTERS = {1: "A17", 2: "A18"}
LINES = ("A", "B")
STEG_GRANT = natural_id("demo-grant", HOUSE, "STEG")
AMENDED_SERVICE = "METER_READING"
UNTIL = date(2030, 12, 31)

# The commands a business day runs, by the name the budget and the benchmark use.
COMMANDS = (
    "openCounter",
    "issueTicket",
    "callNextTicket",
    "endVisit",
    "lodgeRequest",
    "recordCashPayment",
    "closeCounter",
    "amendDelegation",
    "openTill",
    "closeTill",
)
FLOAT = 50_000  # each till opens with 50 TND of change


@dataclass
class Loads:
    """Events loaded by each command, day by day: `per_day[day][command]` lists one count a run."""

    per_day: dict[int, dict[str, list[int]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )
    seconds: dict[int, dict[str, list[float]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )
    _counting: list[int] = field(default_factory=list)

    def count(self, events: Sequence[object]) -> None:
        """Add the events one `select_events` call returned to the running command."""
        if self._counting:
            self._counting[-1] += len(events)

    def largest(self, day: int) -> dict[str, int]:
        """The largest number of events each command loaded on `day`."""
        return {name: max(counts) for name, counts in self.per_day[day].items()}

    @contextmanager
    def command(self, day: int, name: str, clock: Callable[[], float] | None) -> Iterator[None]:
        """Count (and, given a timer, time) one command of `day`."""
        self._counting.append(0)
        started = clock() if clock else 0.0
        try:
            yield
        finally:
            if clock:
                self.seconds[day][name].append(clock() - started)
            self.per_day[day][name].append(self._counting.pop())


def count_loads(dar: Dar) -> Loads:
    """Wrap the recorder's `select_events`, so that every aggregate load is counted."""
    loads = Loads()
    recorder = dar.store.recorder
    select: Callable[..., Any] = recorder.select_events

    def counting(*args: Any, **kwargs: Any) -> Any:
        events = select(*args, **kwargs)
        loads.count(events)
        return events

    recorder.select_events = counting  # type: ignore[method-assign]
    return loads


class MovableClock:
    """The server clock of the run: set to a Tunis time, it advances a second per reading."""

    def __init__(self) -> None:
        self._now = datetime(2026, 1, 5, 7, 0, tzinfo=UTC)

    def now(self) -> datetime:
        """The current time (a second later at each reading, so events keep their order)."""
        self._now += timedelta(seconds=1)
        return self._now

    def at(self, day: date, moment: time) -> None:
        """Jump to `moment` (Tunis) of `day`; never backwards."""
        self._now = max(self._now, datetime.combine(day, moment, TUNIS).astimezone(UTC))


def business_days(first: date, count: int) -> list[date]:
    """`count` Tunisian business days from `first` on: Monday to Friday."""
    days = (first + timedelta(days=n) for n in itertools.count())
    return list(itertools.islice((d for d in days if d.weekday() < 5), count))


class HouseDay:
    """Runs business days at Haidra through the services, counting what each command loads."""

    def __init__(
        self,
        dar: Dar,
        clock: MovableClock,
        loads: Loads,
        timer: Callable[[], float] | None = None,
    ) -> None:
        self.dar = dar
        self.clock = clock
        self.loads = loads
        self.timer = timer
        self._keys = itertools.count(1)
        self._citizens: list[UUID] = []
        self._month: tuple[int, int] | None = None
        self._amended = False
        self._tills: dict[str, UUID] = {}

    def prepare(self) -> None:
        """A18 enrolled and accredited (the demo has A17 and S01), and the returning citizens."""
        houses = self.dar.houses
        houses.enroll_agent(EnrollAgent("load-enrol-A18", "system:load", "A18", HOUSE, "Amal"))
        for partner in ("STEG", "SONEDE", "CNAM"):
            houses.accredit_agent(
                AccreditAgent(f"load-accredit-{partner}", "system:load", "A18", partner, UNTIL)
            )
        for n in range(CITIZENS):
            command = RegisterCitizen(
                command_id=f"load-citizen-{n}",
                actor="agent:A17",
                name=f"Citoyen {n}",
                document_kind="cin",
                document_number=f"{10_000_000 + n:08d}",
                house_code=HOUSE,
            )
            outcome = self.dar.citizens.register_citizen(command)
            self._citizens.append(UUID(outcome.values["citizen_id"]))

    def run(self, number: int, day: date, tickets: int = TICKETS_PER_DAY) -> None:
        """Business day `number` (1, 2, …) falling on `day`, with `tickets` tickets."""
        self.clock.at(day, time(7, 45))
        if self._month != (day.year, day.month):
            self._month = (day.year, day.month)
            self._amend(number)
        for counter, employee in COUNTERS.items():
            self._open(number, counter, employee)
        self.clock.at(day, time(8, 0))
        for n in range(tickets // len(LINES)):
            for prefix in LINES:
                self._do(number, "issueTicket", self._issue(prefix))
            for counter, employee in COUNTERS.items():
                label = self._call(number, counter, employee)
                if n % LODGE_EVERY == 0:
                    self._serve(number, label, employee, pay=(n // LODGE_EVERY) % PAY_EVERY == 0)
                self._do(number, "endVisit", self._end(label, employee))
        self.clock.at(day, time(16, 30))
        for counter, employee in COUNTERS.items():
            self._close(number, counter, employee)

    # --- the commands ------------------------------------------------------------------------

    def _key(self) -> str:
        return f"load-{next(self._keys)}"

    def _do(self, day: int, name: str, command: Callable[[], Outcome]) -> Outcome:
        with self.loads.command(day, name, self.timer):
            return command()

    def _amend(self, day: int) -> None:
        added, removed = ((AMENDED_SERVICE,), ()) if not self._amended else ((), (AMENDED_SERVICE,))
        self._amended = not self._amended
        command = AmendDelegation(self._key(), "admin:1", STEG_GRANT, added, removed)
        self._do(day, "amendDelegation", lambda: self.dar.delegations.amend(command))

    def _open(self, day: int, counter: int, employee: str) -> None:
        command = OpenCounter(self._key(), f"agent:{employee}", HOUSE, counter, employee)
        self._do(day, "openCounter", lambda: self.dar.houses.open_counter(command))
        till = OpenTill(self._key(), f"agent:{employee}", HOUSE, employee, FLOAT)
        opened = self._do(day, "openTill", lambda: self.dar.tills.open_till(till))
        self._tills[employee] = UUID(opened.values["till_id"])

    def _close(self, day: int, counter: int, employee: str) -> None:
        command = CloseCounter(self._key(), f"agent:{employee}", HOUSE, counter, employee)
        self._do(day, "closeCounter", lambda: self.dar.counter.close_counter(command))
        till = self._tills.pop(employee)
        count = Count.exactly(self.dar.tills.current(till).expected)
        close = CloseTill(
            self._key(),
            f"agent:{employee}",
            HOUSE,
            till,
            tuple(count.pieces.items()),
            None,
            employee,
        )
        self._do(day, "closeTill", lambda: self.dar.tills.close_till(close))

    def _issue(self, prefix: str) -> Callable[[], Outcome]:
        command = IssueTicket(self._key(), "kiosk:haidra", HOUSE, prefix)
        return lambda: self.dar.counter.issue_ticket(command)

    def _call(self, day: int, counter: int, employee: str) -> str:
        command = CallNextTicket(self._key(), f"agent:{employee}", HOUSE, counter, employee)
        outcome = self._do(day, "callNextTicket", lambda: self.dar.counter.call_next(command))
        return outcome.values["ticket"]

    def _end(self, label: str, employee: str) -> Callable[[], Outcome]:
        command = EndVisit(self._key(), f"agent:{employee}", HOUSE, label)
        return lambda: self.dar.counter.end_visit(command)

    def _serve(self, day: int, label: str, employee: str, *, pay: bool) -> None:
        """A request lodged for a returning citizen.

        A STEG bill on line A, paid in cash when `pay`; a CNAM attestation on line B.
        """
        citizen = self._citizens[next(self._keys) % len(self._citizens)]
        bill = label.startswith("A")
        partner, service = ("STEG", "BILL_PAYMENT") if bill else ("CNAM", "ENTITLEMENT_ATTESTATION")
        lodge = LodgeRequest(
            command_id=self._key(),
            actor=f"agent:{employee}",
            house_code=HOUSE,
            label=label,
            employee_number=employee,
            citizen_id=citizen,
            partner_code=partner,
            service_code=service,
            documents=(),
        )
        outcome = self._do(day, "lodgeRequest", lambda: self.dar.requests.lodge(lodge))
        if not (bill and pay):
            return
        request = UUID(outcome.values["request_id"])
        reference = f"{4000 + day}-{next(self._keys):05d}"
        cash = RecordCashPayment(
            self._key(), f"agent:{employee}", HOUSE, request, employee, reference
        )
        self._do(day, "recordCashPayment", lambda: self.dar.payments.record_cash(cash))
