"""Generates the shipped scenario "Haidra, first week" through the real commands, then exports it.

    .venv/bin/python -m api.scenario_generator   # rewrites infrastructure/reference/scenarios/…

On a throwaway SQLite store and a clock that starts on Monday 2026-01-05, it records what
`dar run --demo` records (reference partners and services, the demo house), then a week at the
demo house of Haidra: seven opening days (the last one a morning), A17 on the bills line at
counter 1 and A18 (enrolled on day 1) on the health line at counter 2; bills of STEG and SONEDE
paid in cash, duplicates, CNAM attestations, CNAM reimbursement files forwarded, acknowledged
the next day and decided days later (one returned for correction and resubmitted), a no-show
or two a day, a contact, and one refund approved by the supervisor. Everything after the demo
is exported with `export_fixture` (times relative to day 1). The choices are fixed: the same
commands every time; only the sealed citizen particulars (random ciphertext) and the free
symbols' hidden ids change from one generation to the next.
"""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from uuid import UUID

from api.bootstrap import Dar, bootstrap
from api.demo import HOUSE, seed_demo
from application.citizens.commands import RegisterCitizen
from application.counter.commands import (
    AcknowledgeRequest,
    CallNextTicket,
    CompleteRequest,
    EndVisit,
    ForwardRequest,
    IssueTicket,
    LodgeRequest,
    MarkNoShow,
    RecordContact,
    RecordPartnerDecision,
    ResubmitRequest,
    ReturnForCorrection,
)
from application.houses.commands import AccreditAgent, CloseCounter, EnrollAgent, OpenCounter
from application.payments.commands import ApproveRefund, RecordCashPayment, RequestRefund
from application.payments.till_commands import CloseTill, OpenTill
from domain.payments.till import Count
from infrastructure.fixtures.export import Selection, export_fixture
from infrastructure.reference import load_reference_partners, load_reference_services
from infrastructure.settings import Settings

SCENARIO = (
    Path(__file__).resolve().parent.parent
    / "infrastructure"
    / "reference"
    / "scenarios"
    / "haidra-first-week.yaml"
)
EPOCH = date(2026, 1, 5)  # a Monday: day 1 as generated (the loader moves it)
DAYS = 7
FULL_DAY_TICKETS = 26
LAST_MORNING_TICKETS = 8  # day 7 ends before 10:00 so that "today" has figures early on
CITIZENS = 24
UNTIL = date(2030, 12, 31)
KEY = "scenario-haidra"
TILL_FLOAT = 50_000  # each agent opens its till with 50 TND of change
# Line A (counter 1, A17): the bills; line B (counter 2, A18): health (CNAM).
LINE_A = (("STEG", "BILL_PAYMENT"), ("SONEDE", "BILL_PAYMENT"), ("STEG", "BILL_DUPLICATE"))
LINE_B = (("CNAM", "REIMBURSEMENT_FILE"), ("CNAM", "ENTITLEMENT_ATTESTATION"))
REIMBURSEMENT_DOCUMENTS = ("Bulletin de soins", "Ordonnance", "Factures")


class ScenarioClock:
    """The generation's server clock: set to a Tunis time, it moves on a few seconds a reading."""

    def __init__(self) -> None:
        self._now = datetime(2026, 1, 5, 6, 0, tzinfo=UTC)

    def now(self) -> datetime:
        """The current time (later at each reading, so that events keep their order)."""
        self._now += timedelta(seconds=7)
        return self._now

    def at(self, day: int, hour: int, minute: int) -> None:
        """Jump to day `day` (1 = the epoch) at HH:MM Tunis; never backwards."""
        local = datetime.combine(EPOCH + timedelta(days=day - 1), time(hour, minute))
        moment = local.replace(tzinfo=UTC) - timedelta(hours=1)  # Tunis is UTC+1, no DST
        self._now = max(self._now, moment)


class FirstWeek:
    """The week's commands, under keys `scenario-haidra-N`."""

    def __init__(self, dar: Dar, clock: ScenarioClock) -> None:
        self.dar = dar
        self.clock = clock
        self._keys = itertools.count(1)
        self.citizens: list[UUID] = []
        self.forwarded: list[tuple[int, UUID]] = []  # (day lodged, request)
        self.paid: list[UUID] = []
        self.tills: dict[str, UUID] = {}  # each agent's open till

    def key(self) -> str:
        """A fresh command key."""
        return f"{KEY}-{next(self._keys)}"

    def prepare(self) -> None:
        """A18 enrolled and accredited for CNAM on day 1, and the week's citizens registered."""
        self.clock.at(1, 7, 30)
        houses = self.dar.houses
        houses.enroll_agent(EnrollAgent(self.key(), "admin:1", "A18", HOUSE, "Amal (agente)"))
        houses.accredit_agent(AccreditAgent(self.key(), "admin:1", "A18", "CNAM", UNTIL))
        for n in range(CITIZENS):
            outcome = self.dar.citizens.register_citizen(
                RegisterCitizen(
                    self.key(),
                    "agent:A17",
                    name=f"Citoyen {n + 1}",
                    document_kind="cin",
                    document_number=f"{8_000_000 + 7919 * n:08d}",
                    house_code=HOUSE,
                )
            )
            self.citizens.append(UUID(outcome.values["citizen_id"]))

    def day(self, day: int) -> None:
        """One opening day: counters open, tickets served, files answered, counters closed."""
        last = day == DAYS
        self.clock.at(day, 7, 50)
        for counter, agent in ((1, "A17"), (2, "A18")):
            self.dar.houses.open_counter(
                OpenCounter(self.key(), f"agent:{agent}", HOUSE, counter, agent)
            )
            opened = self.dar.tills.open_till(
                OpenTill(self.key(), f"agent:{agent}", HOUSE, agent, TILL_FLOAT)
            )
            self.tills[agent] = UUID(opened.values["till_id"])
        self.partner_answers(day)
        tickets = LAST_MORNING_TICKETS if last else FULL_DAY_TICKETS
        for n in range(tickets // 2):
            # arrivals bunch in the morning: 6 minutes apart until 10:00, then 15
            minutes = 6 * n if n < 20 else 120 + 15 * (n - 20)
            self.clock.at(day, 8 + minutes // 60, minutes % 60)
            self.serve(day, n, "A", 1, "A17")
            self.serve(day, n, "B", 2, "A18")
        if day == 3:
            self.refund()
        self.clock.at(day, 9 if last else 16, 40 if last else 30)
        for counter, agent in ((1, "A17"), (2, "A18")):
            self.dar.counter.close_counter(
                CloseCounter(self.key(), f"agent:{agent}", HOUSE, counter, agent)
            )
            self.close_till(agent)

    def close_till(self, agent: str) -> None:
        """The agent counts its till: exactly what is expected."""
        till = self.tills.pop(agent)
        count = Count.exactly(self.dar.tills.current(till).expected)
        pieces = tuple(count.pieces.items())
        self.dar.tills.close_till(
            CloseTill(self.key(), f"agent:{agent}", HOUSE, till, pieces, None, agent)
        )

    def serve(self, day: int, n: int, prefix: str, counter: int, agent: str) -> None:
        """Issue a ticket and serve the next one at the counter."""
        actor = f"agent:{agent}"
        self.dar.counter.issue_ticket(IssueTicket(self.key(), "kiosk:haidra", HOUSE, prefix))
        called = self.dar.counter.call_next(
            CallNextTicket(self.key(), actor, HOUSE, counter, agent)
        )
        label = called.values["ticket"]
        if (n + day) % 9 == 4:  # nobody comes
            self.dar.counter.mark_no_show(MarkNoShow(self.key(), actor, HOUSE, label))
            return
        if (n + day) % 11 == 6:  # a question only
            self.dar.requests.record_contact(
                RecordContact(self.key(), actor, HOUSE, label, "information", "CNAM", "droits")
            )
        else:
            lines = LINE_A if prefix == "A" else LINE_B
            partner, service = lines[(n + day) % len(lines)]
            self.lodge(day, n, label, agent, partner, service)
        self.dar.counter.end_visit(EndVisit(self.key(), actor, HOUSE, label))

    def lodge(  # noqa: PLR0913, PLR0917 - what the counter knows of the visit
        self, day: int, n: int, label: str, agent: str, partner: str, service: str
    ) -> None:
        """Lodge the citizen's request and carry it as far as the counter can."""
        actor = f"agent:{agent}"
        forwarded = service == "REIMBURSEMENT_FILE"
        outcome = self.dar.requests.lodge(
            LodgeRequest(
                command_id=self.key(),
                actor=actor,
                house_code=HOUSE,
                label=label,
                employee_number=agent,
                citizen_id=self.citizens[(7 * day + n) % CITIZENS],
                partner_code=partner,
                service_code=service,
                documents=REIMBURSEMENT_DOCUMENTS if forwarded else (),
            )
        )
        request = UUID(outcome.values["request_id"])
        if service == "BILL_PAYMENT":
            reference = f"{40 + day}{n:02d}-{1000 + 37 * n + day:04d}"
            paid = self.dar.payments.record_cash(
                RecordCashPayment(self.key(), actor, HOUSE, request, agent, reference)
            )
            self.paid.append(UUID(paid.values["payment_id"]))
        elif forwarded:
            self.dar.requests.forward(ForwardRequest(self.key(), actor, request, HOUSE))
            self.forwarded.append((day, request))
        else:
            self.dar.requests.complete(CompleteRequest(self.key(), actor, request, HOUSE))

    def partner_answers(self, day: int) -> None:
        """CNAM acknowledges the files sent the day before and decides those of 3 days ago."""
        self.clock.at(day, 7, 55)
        for lodged, request in self.forwarded:
            key = self.key()
            if lodged == day - 1:
                self.partner(
                    AcknowledgeRequest(key, "partner:CNAM", request, None, "CNAM", f"CN-{key}")
                )
            elif lodged == day - 3 and request == self.forwarded[0][1]:
                self.partner(
                    ReturnForCorrection(
                        key, "partner:CNAM", request, None, "CNAM", "Ordonnance illisible"
                    )
                )
                self.dar.requests.resubmit(
                    ResubmitRequest(self.key(), "agent:A18", request, HOUSE, ("Ordonnance",))
                )
            elif lodged == day - 3:
                decision = "refused" if request == self.forwarded[1][1] else "accepted"
                reason = "Hors nomenclature" if decision == "refused" else "Remboursé"
                self.partner(
                    RecordPartnerDecision(
                        key, "partner:CNAM", request, None, "CNAM", decision, reason
                    )
                )

    def partner(
        self, command: AcknowledgeRequest | ReturnForCorrection | RecordPartnerDecision
    ) -> None:
        """A CNAM step (acknowledgement, return or decision) on a file it received."""
        steps: dict[type, Callable[..., object]] = {
            AcknowledgeRequest: self.dar.requests.acknowledge,
            ReturnForCorrection: self.dar.requests.return_for_correction,
            RecordPartnerDecision: self.dar.requests.record_decision,
        }
        steps[type(command)](command)

    def refund(self) -> None:
        """A bill paid twice by mistake is paid back: A17 asks, the supervisor S01 approves."""
        payment = self.paid[1]
        asked = self.dar.payments.request_refund(
            RequestRefund(self.key(), "agent:A17", HOUSE, payment, 5_000, "Payée deux fois")
        )
        self.dar.payments.approve_refund(
            ApproveRefund(self.key(), "agent:S01", HOUSE, payment, asked.values["refund_id"])
        )


def generate(folder: Path) -> str:
    """The scenario's fixture text, generated on a fresh SQLite store under `folder`."""
    clock = ScenarioClock()
    settings = Settings(database_url=f"sqlite:///{folder / 'scenario.sqlite'}")
    with closing(bootstrap(settings, clock, projector=False)) as dar:
        load_reference_partners(dar.partners)
        load_reference_services(dar.catalogue)
        seed_demo(dar)
        start = clock.now()
        week = FirstWeek(dar, clock)
        week.prepare()
        for day in range(1, DAYS + 1):
            week.day(day)
        exported = export_fixture(dar.store, Selection(start=start), EPOCH)
    head = "# Haidra, first week: the shipped scenario (docs/fixtures.md), after the demo house.\n"
    head += "# Generated by `python -m api.scenario_generator`; do not edit by hand.\n"
    return head + exported.text


def main() -> None:
    """Regenerate the shipped scenario file."""
    with tempfile.TemporaryDirectory() as folder:
        SCENARIO.parent.mkdir(parents=True, exist_ok=True)
        SCENARIO.write_text(generate(Path(folder)), encoding="utf-8")
    print(f"{SCENARIO}: written")  # noqa: T201 - a developer's tool


if __name__ == "__main__":
    main()
