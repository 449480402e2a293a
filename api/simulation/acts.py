"""What is done for a called citizen at a counter, and what partners later do with the files.

A fee is taken in one place (`Desk.take_fee`): by card on the gateway's page
(`api/simulation/gateway.py`), or in cash (also when the bank declined the card), then sometimes
partly refunded, asked for by the agent and approved by the house's supervisor: paid back from
the agent's till for cash, by the gateway for a card.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import partial
from uuid import UUID

from api.simulation.executor import Executor
from api.simulation.gateway import Cards
from api.simulation.plan import FileStep, Visit
from api.simulation.setup import register_citizen
from api.simulation.world import SimHouse
from application.counter.commands import (
    AcknowledgeRequest,
    CompleteRequest,
    ForwardRequest,
    LodgeRequest,
    RecordPartnerDecision,
    ResubmitRequest,
    ReturnForCorrection,
)
from application.payments.commands import (
    ApproveRefund,
    InitiatePayment,
    RecordCashPayment,
    RequestRefund,
)
from domain.houses.calendar import BusinessCalendar
from domain.shared.time import TUNIS

REFUND_MILLIMES = 1_000
Agenda = dict[date, list[tuple[datetime, Callable[[datetime], None]]]]


@dataclass(frozen=True)
class Serving:
    """A called ticket at a counter: the house, the day, the agent and the visit."""

    house: SimHouse
    day: date
    counter: int
    label: str
    visit: Visit
    prefix: str  # of every command key of the run

    def key(self, what: str) -> str:
        """The command key of `what` is done for this visit."""
        return f"{self.prefix}:{self.house.code}:{self.day:%Y%m%d}:{self.label}:{what}"

    @property
    def employee(self) -> str:
        """The agent at the counter."""
        return self.house.agent(self.counter)

    @property
    def actor(self) -> str:
        """How events name the agent at the counter."""
        return f"agent:{self.employee}"


class Desk:
    """An agent's acts for the citizen at the counter: a request lodged, paid, done or forwarded."""

    def __init__(
        self, run: Executor, citizens: dict[str, list[UUID]], files: Files, cards: Cards
    ) -> None:
        self._run = run
        self._citizens = citizens
        self._registered: dict[str, int] = {}  # citizens registered so far, by house
        self._files = files
        self._cards = cards

    def request(self, at: Serving, moment: datetime) -> None:
        """Lodge the visit's request; then take the fee and complete it, or forward the file."""
        dar, service = self._run.dar, at.visit.service
        lodge = LodgeRequest(
            command_id=at.key("lodge"),
            actor=at.actor,
            house_code=at.house.code,
            label=at.label,
            employee_number=at.employee,
            citizen_id=self._citizen(at, moment),
            partner_code=at.visit.partner,
            service_code=service.code,
            documents=service.documents,
        )
        request = UUID(self._run.do(dar.requests.lodge, lodge, moment)["request_id"])
        if service.mode == "forwarded":
            forward = ForwardRequest(at.key("forward"), at.actor, request, at.house.code)
            self._run.do(dar.requests.forward, forward, moment)
            self._files.follow(at, request)
            return
        if service.fee_rule != "none":
            self.take_fee(at, request, moment)
        if service.fee_rule == "from_bill":
            return  # the bill's capture completed the request
        complete = CompleteRequest(at.key("complete"), at.actor, request, at.house.code)
        self._run.do(dar.requests.complete, complete, moment)

    def _citizen(self, at: Serving, moment: datetime) -> UUID:
        """A returning citizen, or one registered now."""
        code = at.house.code
        if not at.visit.new_citizen:
            return self._citizens[code][at.visit.returning]
        number = self._registered.get(code, len(self._citizens[code]))
        self._registered[code] = number + 1
        return register_citizen(self._run, at.house, at.key("citizen"), number, moment)

    def take_fee(self, at: Serving, request: UUID, moment: datetime) -> None:
        """The fee by card, or in cash (the card declined, or none); sometimes partly refunded."""
        dar, house, visit = self._run.dar, at.house, at.visit
        bill = f"{house.index:03d}-{at.day:%Y%m%d}-{visit.number:04d}"
        reference = bill if visit.service.fee_rule == "from_bill" else None
        payment = None
        if visit.card:
            initiate = InitiatePayment(
                at.key("card"), at.actor, house.code, request, at.employee, "card", reference
            )
            payment = self._cards.pay(initiate, moment, declined=visit.declined)
        by_card = payment is not None
        if payment is None:
            cash = RecordCashPayment(
                at.key("cash"), at.actor, house.code, request, at.employee, reference
            )
            payment = UUID(self._run.do(dar.payments.record_cash, cash, moment)["payment_id"])
        if not visit.refund:
            return
        reason = "Trop-perçu rendu"
        ask = RequestRefund(
            at.key("refund"), at.actor, house.code, payment, REFUND_MILLIMES, reason
        )
        refund_id = self._run.do(dar.payments.request_refund, ask, moment)["refund_id"]
        supervisor = f"supervisor:{house.supervisor}"
        approve = ApproveRefund(
            at.key("refund-approved"), supervisor, house.code, payment, refund_id
        )
        if by_card:
            self._cards.before_refund(payment)
        self._run.do(dar.payments.approve_refund, approve, moment)
        if by_card:
            self._cards.paid_back(payment)


@dataclass(frozen=True)
class FileDue:
    """A step due on a forwarded file."""

    house: SimHouse
    partner: str
    request: UUID
    step: FileStep
    key: str


class Files:
    """Forwarded files, taken up by their partner (or sent again by the house) on later days."""

    def __init__(self, run: Executor, calendar: BusinessCalendar, agenda: Agenda) -> None:
        self._run = run
        self._calendar = calendar
        self._agenda = agenda

    def follow(self, at: Serving, request: UUID) -> None:
        """Put the file's later steps in the agenda of the working days they fall on."""
        for offset, step in at.visit.file:
            day = self._calendar.add_working_days(at.day, offset)
            hour = datetime.combine(day, time(9, 0), TUNIS)
            moment = hour + timedelta(minutes=at.visit.number * 3 % 420)
            due = FileDue(
                at.house, at.visit.partner, request, step, at.key(f"file-{offset}-{step}")
            )
            self._agenda[day].append((moment, partial(self.take_up, due)))

    def take_up(self, due: FileDue, moment: datetime) -> None:
        """The partner's step on the file (the house's supervisor sends a corrected file)."""
        requests, actor, partner = self._run.dar.requests, f"partner:{due.partner}", due.partner
        match due.step:
            case FileStep.ACKNOWLEDGE:
                reference = f"{partner}-{due.request.hex[:12].upper()}"
                received = AcknowledgeRequest(due.key, actor, due.request, None, partner, reference)
                self._run.do(requests.acknowledge, received, moment)
            case FileStep.RETURN:
                reason = "Pièce illisible, à compléter"
                back = ReturnForCorrection(due.key, actor, due.request, None, partner, reason)
                self._run.do(requests.return_for_correction, back, moment)
            case FileStep.RESUBMIT:
                supervisor = f"supervisor:{due.house.supervisor}"
                documents = ("Pièce complétée",)
                again = ResubmitRequest(due.key, supervisor, due.request, due.house.code, documents)
                self._run.do(requests.resubmit, again, moment)
            case FileStep.ACCEPT | FileStep.REFUSE:
                reason = (
                    "Dossier complet" if due.step is FileStep.ACCEPT else "Conditions non remplies"
                )
                decided = RecordPartnerDecision(
                    due.key, actor, due.request, None, partner, due.step.value, reason
                )
                self._run.do(requests.record_decision, decided, moment)


def new_agenda() -> Agenda:
    """An empty agenda of steps by working day."""
    return defaultdict(list)
