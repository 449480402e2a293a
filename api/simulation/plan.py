"""A house's business day drawn from the seed alone: who comes when, for what, and how it ends.

The same (seed, house, day) always gives the same plan, whatever ran before: a resumed run draws
again exactly what the interrupted one drew. Arrivals peak in the morning (a Beta(1.6, 3) law over
the opening hours); a tenth of the citizens are owed priority; some give up when they wait too
long (walk-aways), some are called and gone (no-shows); the others are informed, redirected to
the partner's own office, or lodge a request, by partner weight. A forwarded file's path through
the partner (received, decided, or returned for correction and sent again) is drawn with it, and
for a fee how it is paid: in cash, or by card on the gateway's page (which the bank now and then
declines: the citizen then pays cash), a few partly refunded.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from api.simulation.world import PARTNER_WEIGHTS, SimHouse, line_of, services_of
from domain.houses.calendar import BusinessCalendar
from domain.shared.time import TUNIS
from infrastructure.payments.simulated_biller import BILLERS
from infrastructure.reference import ReferenceService

LAST_ARRIVAL_BEFORE_CLOSING = timedelta(minutes=45)
PRIORITY_SHARE = 0.10
PRIORITY_REASONS = ("elderly", "disabled", "pregnant")
IMPATIENT_SHARE = 0.15
NEW_CITIZEN_SHARE = 0.3
RETURNING_CITIZENS = 12  # registered when a house is set up
REFUND_SHARE = 0.04
CARD_SHARE = 0.3  # of fees: paid by card on the gateway's page, the others in cash
DECLINED_SHARE = 0.1  # of card payments: declined by the bank, then paid in cash
SUSPENSION_SHARE = 0.02  # of house-days: one partner's grant suspended at noon, for 1 to 3 days


class Purpose(StrEnum):
    """What a visit comes to: what the agent records once the ticket is called."""

    NO_SHOW = "no_show"
    INFORMATION = "information"
    REDIRECTION = "redirection"
    REQUEST = "request"


class FileStep(StrEnum):
    """A step a partner (or the house, sending a file again) takes on a forwarded file."""

    ACKNOWLEDGE = "acknowledge"
    RETURN = "return_for_correction"
    RESUBMIT = "resubmit"
    ACCEPT = "accepted"
    REFUSE = "refused"


@dataclass(frozen=True)
class Visit:
    """One citizen's visit: arrival, patience, and what the counter does for them."""

    number: int
    arrives: datetime
    priority: str | None
    patience: timedelta | None  # None: waits as long as it takes
    purpose: Purpose
    partner: str
    service: ReferenceService
    minutes: int  # at the counter once called
    new_citizen: bool
    returning: int  # which of the house's returning citizens, when not new
    refund: bool  # the payment (if any) is partly refunded, approved by the supervisor
    card: bool  # the fee (if any) is paid by card on the gateway's page
    declined: bool  # ... and the bank declines it: the citizen pays cash
    file: tuple[tuple[int, FileStep], ...]  # forwarded: (working days after lodging, step)

    @property
    def line(self) -> str:
        """The prefix of the line the ticket is taken on."""
        return line_of(self.partner)


@dataclass(frozen=True)
class Suspension:
    """A partner's grant at the house suspended at noon, reinstated `days` working days later."""

    partner: str
    days: int


@dataclass(frozen=True)
class DayPlan:
    """A house's business day."""

    house: SimHouse
    day: date
    opens: datetime
    closes: datetime
    visits: tuple[Visit, ...]
    suspension: Suspension | None


def _rng(seed: int, *key: object) -> random.Random:
    return random.Random("/".join(str(k) for k in (seed, *key)))  # noqa: S311 - not for secrets


def _serviceable(service: ReferenceService) -> bool:
    """A service the simulator can carry out to its end (a bill needs a connected biller)."""
    return service.fee_rule != "from_bill" or service.partner_code in BILLERS


def _file(rng: random.Random, service: ReferenceService) -> tuple[tuple[int, FileStep], ...]:
    deadline = service.deadline_days or 10
    late = rng.random() < 0.1
    decided = deadline + rng.randint(1, 3) if late else rng.randint(1, max(1, deadline))
    fate = rng.random()
    steps = [(1, FileStep.ACKNOWLEDGE)] if decided > 1 else []
    if fate < 0.2:  # returned for correction, sent again, accepted
        steps += [
            (decided, FileStep.RETURN),
            (decided + 1, FileStep.RESUBMIT),
            (decided + 1 + rng.randint(1, 3), FileStep.ACCEPT),
        ]
    else:
        steps.append((decided, FileStep.REFUSE if fate < 0.3 else FileStep.ACCEPT))
    return tuple(steps)


def _visit(rng: random.Random, number: int, arrives: datetime) -> Visit:
    partner = rng.choices(list(PARTNER_WEIGHTS), weights=list(PARTNER_WEIGHTS.values()))[0]
    services = [s for s in services_of(partner) if _serviceable(s)]
    weights = [3 if s.mode == "immediate" else 1 for s in services]
    service = rng.choices(services, weights=weights)[0]
    draw = rng.random()
    purpose = (
        Purpose.NO_SHOW
        if draw < 0.05
        else Purpose.INFORMATION
        if draw < 0.15
        else Purpose.REDIRECTION
        if draw < 0.22
        else Purpose.REQUEST
    )
    impatient = rng.random() < IMPATIENT_SHARE
    priority = rng.choice(PRIORITY_REASONS) if rng.random() < PRIORITY_SHARE else None
    patience = timedelta(minutes=rng.randint(5, 30)) if impatient else None
    minutes = rng.randint(4, 12) if service.mode == "immediate" else rng.randint(10, 25)
    new_citizen = rng.random() < NEW_CITIZEN_SHARE
    returning = rng.randrange(RETURNING_CITIZENS)
    paid = service.fee_rule != "none"
    refund = paid and rng.random() < REFUND_SHARE
    file = _file(rng, service) if service.mode == "forwarded" else ()
    card = paid and rng.random() < CARD_SHARE
    return Visit(
        number=number,
        arrives=arrives,
        priority=priority,
        patience=patience,
        purpose=purpose,
        partner=partner,
        service=service,
        minutes=minutes,
        new_citizen=new_citizen,
        returning=returning,
        refund=refund,
        card=card,
        declined=card and rng.random() < DECLINED_SHARE,
        file=file,
    )


def day_plan(
    seed: int, house: SimHouse, day: date, calendar: BusinessCalendar, visits: int
) -> DayPlan:
    """The plan of `house` on the working day `day`, about `visits` visits."""
    hours = calendar.opening_hours(day)
    if hours is None:
        msg = f"{day} is not a working day"
        raise ValueError(msg)
    rng = _rng(seed, house.code, day.isoformat())
    opens = datetime.combine(day, hours.opens, TUNIS)
    closes = datetime.combine(day, hours.closes, TUNIS)
    window = (closes - opens - LAST_ARRIVAL_BEFORE_CLOSING).total_seconds()
    count = max(1, round(visits * rng.uniform(0.8, 1.2)))
    arrivals = sorted(
        opens + timedelta(seconds=int(window * rng.betavariate(1.6, 3.0))) for _ in range(count)
    )
    suspension = None
    if rng.random() < SUSPENSION_SHARE:
        partner = rng.choice(sorted(PARTNER_WEIGHTS))
        suspension = Suspension(partner, rng.randint(1, 3))
    return DayPlan(
        house=house,
        day=day,
        opens=opens,
        closes=closes,
        visits=tuple(_visit(rng, n, at) for n, at in enumerate(arrivals, start=1)),
        suspension=suspension,
    )


def noon(day: date) -> datetime:
    """Noon of `day` in Tunis: when a suspension drawn for the day takes effect."""
    return datetime.combine(day, time(12, 0), TUNIS)
