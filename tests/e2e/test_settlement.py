"""Issue 18's day at Haidra through HTTP alone, on both stores: SONEDE's system down, the day closes.

A real `dar run` (projections and the delivery process in-process) delivers to the simulated
partners' server. Agents A17 and A18 open tills and take STEG and SONEDE bills in cash, and A17
forwards SONEDE leak reports, before, during and after an outage of SONEDE's system: its own staff
report it unreachable and its server answers nothing, then it is back and reported reachable. The
server's clock is the real one, so the outage (two hours on the day) is marked by these reports,
not by moving time. A refund is asked by A17 and approved by the supervisor S01 (cash out of
A17's till). A17's till balances; A18's is a dinar short, explained, and reviewed by S01. S01
closes STEG's and SONEDE's remittances; each partner's statement, written only from what the
partner's server received (Dar's reference, the house, the amount and the day of the remittance
each capture or refund went into; the refund is delivered as an item of its own), is imported and
reconciles to 0 millimes. The partners' server received every payment, refund and file once, and
the journal holds exactly one confirmation of each.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from api.auth import Role, TokenService
from domain.payments.till import Count
from domain.shared.money import Money
from infrastructure.settings import Settings
from tests.support import e2e
from tests.support.api import serve, token_for
from tests.support.e2e import Client, Grant
from tests.support.partner import SimulatedPartners, simulated_partners

PARTNERS = ("STEG", "SONEDE")
FLOAT = 50_000
HEADER = "business_date,house_code,reference,kind,amount_millimes,partner_reference\n"
REFUND = 5_000
SHORT = 1_000  # A18's drawer is a dinar short


def millimes(amount: str) -> int:
    """A Money string as millimes (the test's own arithmetic, not Dar's)."""
    sign = -1 if amount.startswith("-") else 1
    dinars, _, decimals = amount.lstrip("-").partition(".")
    return sign * (int(dinars) * 1000 + int(decimals.ljust(3, "0")))


def count_of(total: int) -> list[dict[str, object]]:
    """A count of exactly `total` millimes, as closeTill takes it."""
    pieces = Count.exactly(Money(total)).pieces.items()
    return [{"value": str(Money(value)), "pieces": n} for value, n in pieces]


def eventually(check: Callable[[], bool], what: Callable[[], object]) -> None:
    """Wait (up to a generous minute) until `check` holds."""
    deadline = time.monotonic() + 60
    while not check():
        assert time.monotonic() < deadline, what()
        time.sleep(0.1)


class Counters:
    """The agents at their counters: visits, bills paid in cash, leak reports forwarded."""

    def __init__(self, c: Client, house: str, citizen: str) -> None:
        self.c, self.house, self.citizen = c, house, citizen
        self.visits = 0
        self.payments: dict[str, tuple[str, str, int, str]] = {}  # id: partner, receipt, due, agent
        self.files: list[str] = []
        self.requests: dict[str, str] = {}  # payment: its request

    def visit(self, token: str, counter: int, partners: tuple[str, ...], *, leak: bool) -> None:
        """One citizen served: a bill of each partner paid in cash, a leak reported if `leak`."""
        self.visits += 1
        n = self.visits
        c = self.c
        ticket = c.mutate(
            token, "issueTicket", "IssueTicketInput", "ticket",
            commandId=f"t{n}", houseId=self.house, line="A",
        )["ticket"]  # fmt: skip
        c.mutate(
            token, "callNextTicket", "CallNextTicketInput", "ticket",
            commandId=f"call{n}", houseId=self.house, counter=counter,
        )  # fmt: skip
        for partner in partners:
            reference = f"{n:02d}{partner[:2]}-1001"
            bill = c.call(
                token,
                "query($p: String!, $r: String!) { billInquiry(partnerCode: $p, reference: $r)"
                " { amount } }",
                p=partner,
                r=reference,
            )["billInquiry"]
            request = self.lodge(token, ticket, partner, "BILL_PAYMENT", f"lodge-{reference}")
            paid = c.mutate(
                token, "recordCashPayment", "RecordCashPaymentInput", "id receipt position",
                commandId=f"cash-{reference}", requestId=request, billReference=reference,
            )  # fmt: skip
            agent = "A17" if counter == 1 else "A18"
            due = millimes(bill["amount"])
            self.payments[paid["id"]] = (partner, paid["receipt"], due, agent)
            self.requests[paid["id"]] = request
        if leak:
            request = self.lodge(token, ticket, "SONEDE", "LEAK_REPORT", f"lodge-leak-{n}")
            c.mutate(
                token, "forwardRequest", "ForwardRequestInput", "id position",
                commandId=f"forward-{n}", requestId=request,
            )  # fmt: skip
            self.files.append(request)
        c.mutate(
            token, "endVisit", "EndVisitInput", "ticket",
            commandId=f"end{n}", houseId=self.house, ticket=ticket,
        )  # fmt: skip

    def lodge(self, token: str, ticket: str, partner: str, service: str, key: str) -> str:
        request: str = self.c.mutate(
            token, "lodgeRequest", "LodgeRequestInput", "id position",
            commandId=key, houseId=self.house, ticket=ticket, citizenId=self.citizen,
            partnerCode=partner, serviceCode=service, documents=[],
        )["id"]  # fmt: skip
        return request


def confirmations(c: Client, auditor: str, event_type: str) -> Counter[tuple[str, object]]:
    """The journal's confirmations of this type, by (aggregate, sending or refund), as read."""
    found: Counter[tuple[str, object]] = Counter()
    after = 0
    while True:
        page = c.call(
            auditor,
            "query($a: Position!, $t: String!) { journal(afterPosition: $a, first: 100,"
            " filter: {type: $t}) { events { aggregateId type payload } endPosition hasMore } }",
            a=after,
            t=event_type,
        )["journal"]
        for event in page["events"]:
            assert event["type"] == event_type
            payload = event["payload"]
            item = payload.get("refundId", payload.get("submission", 1))
            found[(event["aggregateId"], item)] += 1
        if not page["hasMore"]:
            return found
        after = page["endPosition"]


def statement(partners: SimulatedPartners, partner: str) -> str:
    """The partner's statement: a line per capture and refund its server accepted, from the body.

    Each line is stated on the day of the remittance Dar entered it into, under Dar's reference,
    with the partner's own receipt; nothing comes from the test's own record of the day.
    """
    kinds = {"payment": "capture", "refund": "refund"}
    lines = [HEADER]
    for key in partners.keys_of(partner):
        receipt_of_partner, body = partners.accepted[key]
        if body["kind"] not in kinds:
            continue  # a forwarded file: no money
        lines.append(
            f"{body['remittanceDate']},{body['houseCode']},{body['reference']},"
            f"{kinds[body['kind']]},{body['amountMillimes']},{receipt_of_partner}\n"
        )
    return "".join(lines)


def test_a_day_at_haidra_with_sonede_down_closes_to_the_millime(  # noqa: PLR0915 - the whole day
    store_settings: Settings, tmp_path: Path
) -> None:
    admin = token_for(store_settings, Role.ADMIN)
    auditor = token_for(store_settings, Role.AUDITOR)
    tokens = TokenService(store_settings)
    a17 = tokens.mint("A17", Role.AGENT, house="haidra")
    a18 = tokens.mint("A18", Role.AGENT, house="haidra")
    s01 = tokens.mint("S01", Role.SUPERVISOR, house="haidra")
    sonede_ops = tokens.mint("sonede-ops", Role.PARTNER, partner="SONEDE")
    with simulated_partners() as partners:
        extra = {
            "DAR_PARTNER_ENDPOINTS": json.dumps(partners.endpoints(*PARTNERS)),
            "DAR_PARTNER_DELIVERY_POLL_SECONDS": "0.2",
        }
        with serve(store_settings, tmp_path, **extra) as server, server.client() as http:
            c = Client(http)
            house = e2e.setup_haidra(
                c,
                admin,
                lines={
                    "A": (
                        "Factures et eau",
                        ["STEG/BILL_PAYMENT", "SONEDE/BILL_PAYMENT", "SONEDE/LEAK_REPORT"],
                    )
                },
                staff={"A17": PARTNERS, "A18": PARTNERS, "S01": []},
                grants={
                    "STEG": Grant(["BILL_PAYMENT"], 2_000_000),
                    "SONEDE": Grant(["BILL_PAYMENT", "LEAK_REPORT"], 2_000_000),
                },
            )
            tills: dict[str, str] = {}
            for agent, token, n in (("A17", a17, 1), ("A18", a18, 2)):
                c.mutate(
                    token, "openCounter", "OpenCounterInput", "id",
                    commandId=f"open-{agent}", houseId=house, number=n,
                )  # fmt: skip
                tills[agent] = c.mutate(
                    token, "openTill", "OpenTillInput", "id",
                    commandId=f"till-{agent}", float=str(Money(FLOAT)),
                )["id"]  # fmt: skip
            citizen = c.mutate(
                a17, "registerCitizen", "RegisterCitizenInput", "id",
                commandId="citizen", houseId=house, name="Hedia Gharbi",
                documentKind="CIN", documentNumber="04417263",
            )["id"]  # fmt: skip
            desk = Counters(c, house, citizen)

            def status(token: str) -> dict[str, dict[str, Any]]:
                rows = c.call(
                    token,
                    "query($h: ID!, $p: Position) { partnerStatus(houseId: $h,"
                    " atLeastPosition: $p) { partnerCode status waiting } }",
                    h=house,
                    p=c.last,
                )["partnerStatus"]
                return {row["partnerCode"]: row for row in rows}

            # the morning: both partners up; everything taken reaches them
            desk.visit(a17, 1, PARTNERS, leak=True)
            desk.visit(a18, 2, PARTNERS, leak=False)
            eventually(
                lambda: len(partners.accepted) == len(desk.payments) + len(desk.files),
                lambda: partners.accepted,
            )

            # SONEDE's system goes down: its staff say so; the agents see it
            c.mutate(
                sonede_ops, "reportPartnerStatus", "ReportPartnerStatusInput", "id position",
                commandId="sonede-down", partnerCode="SONEDE", status="UNREACHABLE",
                note="panne du serveur central",
            )  # fmt: skip
            assert status(a17)["SONEDE"]["status"] == "UNREACHABLE"
            partners.down.add("SONEDE")
            desk.visit(a17, 1, PARTNERS, leak=True)
            desk.visit(a18, 2, PARTNERS, leak=False)
            desk.visit(a17, 1, ("SONEDE",), leak=True)
            # STEG's payments still go; SONEDE's wait, and the agents see how many
            eventually(lambda: len(partners.keys_of("STEG")) == 4, lambda: partners.keys_of("STEG"))
            sonede_waiting = 5  # three bills and two leak reports
            eventually(
                lambda: status(a18)["SONEDE"]["waiting"] == sonede_waiting,
                lambda: status(a18),
            )
            assert len(partners.keys_of("SONEDE")) == 3  # the morning's two bills and report
            assert partners.refused == 0  # reported down: not even called

            # SONEDE is back: its server answers, its staff report it reachable
            partners.down.discard("SONEDE")
            c.mutate(
                sonede_ops, "reportPartnerStatus", "ReportPartnerStatusInput", "id position",
                commandId="sonede-up", partnerCode="SONEDE", status="REACHABLE",
            )  # fmt: skip
            # the afternoon
            desk.visit(a18, 2, PARTNERS, leak=False)
            desk.visit(a17, 1, PARTNERS, leak=True)
            items = len(desk.payments) + len(desk.files)
            eventually(lambda: len(partners.accepted) == items, lambda: partners.accepted)
            eventually(
                lambda: all(row["waiting"] == 0 for row in status(s01).values()),
                lambda: status(s01),
            )

            # a refund of A17's first STEG payment, asked by A17, approved by S01
            refunded = next(
                p for p, (partner, _, _, agent) in desk.payments.items()
                if (partner, agent) == ("STEG", "A17")
            )  # fmt: skip
            refund = c.mutate(
                a17, "requestRefund", "RequestRefundInput", "refundId position",
                commandId="refund-1", paymentId=refunded, amount=str(Money(REFUND)),
                reason="facture payée deux fois",
            )  # fmt: skip
            c.mutate(
                s01, "approveRefund", "ApproveRefundInput", "id position",
                commandId="approve-1", paymentId=refunded, refundId=refund["refundId"],
            )  # fmt: skip
            refund_key = f"refund:{refunded}:{refund['refundId']}"
            eventually(lambda: refund_key in partners.accepted, lambda: partners.accepted)

            # the tills: each balances; A18 counts a dinar short, explains, S01 reviews
            business_date = business_day(c, a17, desk.requests[refunded])
            cash_in = {
                agent: sum(due for _, _, due, who in desk.payments.values() if who == agent)
                for agent in tills
            }
            cash_out = {"A17": REFUND, "A18": 0}
            rows = tills_of(c, s01, house, business_date)
            for agent, till in tills.items():
                row = rows[till]
                assert row["status"] == "OPEN"
                assert millimes(row["cashIn"]) == cash_in[agent]
                assert millimes(row["cashOut"]) == cash_out[agent]
                assert millimes(row["expected"]) == FLOAT + cash_in[agent] - cash_out[agent]
            expected_a17 = FLOAT + cash_in["A17"] - REFUND
            expected_a18 = FLOAT + cash_in["A18"]
            c.mutate(
                a17, "closeTill", "CloseTillInput", "id position",
                commandId="close-A17", tillId=tills["A17"], count=count_of(expected_a17),
            )  # fmt: skip
            c.mutate(
                a18, "closeTill", "CloseTillInput", "id position",
                commandId="close-A18", tillId=tills["A18"], count=count_of(expected_a18 - SHORT),
                reason="un dinar rendu en trop à un citoyen",
            )  # fmt: skip
            c.mutate(
                s01, "reviewTillDiscrepancy", "ReviewTillDiscrepancyInput", "id position",
                commandId="review-A18", tillId=tills["A18"], note="vu avec l'agent, noté",
            )  # fmt: skip
            rows = tills_of(c, s01, house, business_date)
            statuses = [rows[tills[agent]]["status"] for agent in ("A17", "A18")]
            assert statuses == ["CLOSED", "REVIEWED"]
            closed_a17, closed_a18 = rows[tills["A17"]], rows[tills["A18"]]
            assert millimes(closed_a17["counted"]) == expected_a17
            assert millimes(closed_a17["discrepancy"]) == 0
            assert millimes(closed_a18["expected"]) == expected_a18
            assert millimes(closed_a18["discrepancy"]) == -SHORT
            assert closed_a18["reviewedBy"]
            for row in rows.values():
                assert millimes(row["expected"]) == (
                    millimes(row["float"]) + millimes(row["cashIn"]) - millimes(row["cashOut"])
                )

            # S01 closes the day's remittances
            closed: dict[str, dict[str, Any]] = {}
            for partner in PARTNERS:
                closed[partner] = c.mutate(
                    s01, "closeRemittance", "CloseRemittanceInput",
                    "captured refunded entries position",
                    commandId=f"remit-{partner}", houseId=house, partnerCode=partner,
                    businessDate=business_date,
                )  # fmt: skip
            for partner in PARTNERS:
                taken = [due for who, _, due, _ in desk.payments.values() if who == partner]
                refunds = REFUND if partner == "STEG" else 0
                assert millimes(closed[partner]["captured"]) == sum(taken)
                assert millimes(closed[partner]["refunded"]) == refunds
                assert closed[partner]["entries"] == len(taken) + (1 if refunds else 0)

            # each partner's statement, from what its server received, reconciles to the millime
            for partner in PARTNERS:
                text = statement(partners, partner)
                imported = c.mutate(
                    admin, "importStatement", "ImportStatementInput",
                    "id lines alreadyImported position",
                    commandId=f"statement-{partner}", partnerCode=partner, source="PARTNER",
                    statement=text,
                )  # fmt: skip
                assert imported["alreadyImported"] is False
                found = c.call(
                    auditor,
                    "query($p: String!, $d: Date!) { reconciliation(partnerCode: $p,"
                    " businessDate: $d) { matched mismatched duplicate unexpected missing"
                    " difference clean } }",
                    p=partner,
                    d=business_date,
                )["reconciliation"]
                lines = text.count("\n") - 1
                entries = closed[partner]["entries"]
                assert lines == entries, (partner, text)
                assert found == {
                    "matched": lines,
                    "mismatched": 0,
                    "duplicate": 0,
                    "unexpected": 0,
                    "missing": 0,
                    "difference": "0.000",
                    "clean": True,
                }, (partner, found)

            # the partners received each payment, refund and file once; one confirmation of each
            paid_keys = {f"payment:{p}" for p in desk.payments}
            file_keys = {f"file:{r}:1" for r in desk.files}
            assert set(partners.accepted) == paid_keys | file_keys | {refund_key}
            assert Counter(key for _, key in partners.received) == dict.fromkeys(
                partners.accepted, 1
            )
            receipt = desk.payments[refunded][1]
            assert f"{receipt}/{refund['refundId']}" in statement(partners, "STEG")
            for partner in PARTNERS:
                ours = {p for p, (who, _, _, _) in desk.payments.items() if who == partner}
                theirs = {partners.accepted[k][1]["subjectId"] for k in partners.keys_of(partner)}
                assert ours <= theirs
            paid = confirmations(c, auditor, "Payment.ConfirmedByPartner")
            assert paid == Counter({(p, 1): 1 for p in desk.payments})
            paid_back = confirmations(c, auditor, "Payment.RefundConfirmedByPartner")
            assert paid_back == Counter({(refunded, refund["refundId"]): 1})
            files = confirmations(c, auditor, "CitizenRequest.DeliveryConfirmed")
            assert files == Counter({(r, 1): 1 for r in desk.files})


def business_day(c: Client, token: str, request: str) -> str:
    """The Tunis business day the server recorded the request's payment on."""
    (found,) = c.call(
        token,
        "query($r: ID!, $p: Position!) { payments(requestId: $r, atLeastPosition: $p)"
        " { businessDate } }",
        r=request,
        p=c.last,
    )["payments"]
    day: str = found["businessDate"]
    return day


def tills_of(c: Client, token: str, house: str, day: str) -> dict[str, dict[str, Any]]:
    """The house's tills of the day, by id, as the supervisor sees them."""
    rows = c.call(
        token,
        "query($h: ID!, $d: Date!, $p: Position) { tills(houseId: $h, businessDate: $d,"
        " atLeastPosition: $p) { id status float cashIn cashOut expected counted discrepancy"
        " reviewedBy } }",
        h=house,
        d=day,
        p=c.last,
    )["tills"]
    return {row["id"]: row for row in rows}
