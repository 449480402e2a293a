"""Issue 7's day of payments at Haidra through HTTP alone, on both stores.

STEG and SONEDE bills are paid in cash and by card (through the simulated gateway's hosted page);
one card callback arrives twice, one arrives late (after a status query settled its payment), a
forged one is refused; a refund is asked for by the agent and approved by the supervisor — and
`collections` for the day is exact to the millime.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from api.auth import Role, TokenService
from domain.payments.till import Count
from domain.shared.money import Money
from infrastructure.settings import Settings
from tests.support import e2e
from tests.support.api import error_codes, graphql, serve, token_for
from tests.support.e2e import Client, Grant

PAYMENT = "id receipt sessionUrl position"
BILLS = {"STEG": ("20261101", "20261102"), "SONEDE": ("30261101", "30261102")}


def setup_haidra(c: Client, admin: str) -> str:
    """A bills line, agent A17 and supervisor S01; STEG and SONEDE bills collected (500 TND)."""
    return e2e.setup_haidra(
        c,
        admin,
        lines={"A": ("Factures", ["STEG/BILL_PAYMENT", "SONEDE/BILL_PAYMENT"])},
        staff={"A17": list(BILLS), "S01": []},
        grants={partner: Grant(["BILL_PAYMENT"], 500_000) for partner in BILLS},
    )


def millimes(amount: str) -> int:
    """A Money string as millimes (the test's own arithmetic, not Dar's)."""
    dinars, _, decimals = amount.partition(".")
    return int(dinars) * 1000 + int(decimals.ljust(3, "0"))


def test_a_day_of_payments_at_haidra_through_graphql(  # noqa: PLR0915 - the whole day, in order
    store_settings: Settings, tmp_path: Path
) -> None:
    admin = token_for(store_settings, Role.ADMIN)
    tokens = TokenService(store_settings)
    a17 = tokens.mint("A17", Role.AGENT, house="haidra")
    s01 = tokens.mint("S01", Role.SUPERVISOR, house="haidra")
    governance = token_for(store_settings, Role.GOVERNANCE)
    with serve(store_settings, tmp_path) as server, server.client() as http:
        c = Client(http)
        house = setup_haidra(c, admin)
        c.mutate(
            a17, "openCounter", "OpenCounterInput", "id", commandId="open", houseId=house, number=1
        )
        till = c.mutate(a17, "openTill", "OpenTillInput", "id", commandId="till", float="50.000")
        citizen = c.mutate(
            a17,
            "registerCitizen",
            "RegisterCitizenInput",
            "id",
            commandId="citizen",
            houseId=house,
            name="Hedia Gharbi",
            documentKind="CIN",
            documentNumber="04417263",
        )["id"]

        def outbox() -> list[dict[str, Any]]:
            response = http.post("/simulated-gateway/outbox")
            assert response.status_code == 200
            deliveries: list[dict[str, Any]] = response.json()
            return deliveries

        def deliver(delivery: dict[str, Any]) -> httpx.Response:
            return http.post(
                "/payments/gateway/callback",
                content=delivery["body"].encode(),
                headers=delivery["headers"],
            )

        due: dict[str, int] = {}
        payments: list[str] = []
        for n, (partner, references) in enumerate(BILLS.items()):
            ticket = c.mutate(
                a17,
                "issueTicket",
                "IssueTicketInput",
                "ticket",
                commandId=f"t{n}",
                houseId=house,
                line="A",
            )["ticket"]
            c.mutate(
                a17,
                "callNextTicket",
                "CallNextTicketInput",
                "ticket",
                commandId=f"call{n}",
                houseId=house,
                counter=1,
            )
            for reference in references:
                bill = c.call(
                    a17,
                    "query($p: String!, $r: String!) { billInquiry(partnerCode: $p, reference: $r)"
                    " { amount reference } }",
                    p=partner,
                    r=reference,
                )["billInquiry"]
                due[reference] = millimes(bill["amount"])
                request = c.mutate(
                    a17,
                    "lodgeRequest",
                    "LodgeRequestInput",
                    "id receipt position",
                    commandId=f"lodge-{reference}",
                    houseId=house,
                    ticket=ticket,
                    citizenId=citizen,
                    partnerCode=partner,
                    serviceCode="BILL_PAYMENT",
                    documents=[],
                )["id"]
                if reference.endswith("1"):  # the first bill of each partner: cash
                    paid = c.mutate(
                        a17,
                        "recordCashPayment",
                        "RecordCashPaymentInput",
                        PAYMENT,
                        commandId=f"cash-{reference}",
                        requestId=request,
                        billReference=reference,
                    )
                    assert paid["receipt"].startswith("HAIDRA-")
                    assert paid["sessionUrl"] is None
                else:  # the second: by card
                    paid = c.mutate(
                        a17,
                        "initiatePayment",
                        "InitiatePaymentInput",
                        PAYMENT,
                        commandId=f"card-{reference}",
                        requestId=request,
                        method="CARD",
                        billReference=reference,
                    )
                    assert paid["receipt"] is None
                    # absolute: in development, where `dar run` serves
                    assert paid["sessionUrl"].startswith(f"{server.url}/simulated-gateway/pay/")
                    # the citizen pays on the hosted page; the callbacks wait in the outbox
                    response = http.post(paid["sessionUrl"], params={"deliver": "false"})
                    assert response.json()["state"] == "authorised"
                payments.append(paid["id"])
            c.mutate(
                a17,
                "endVisit",
                "EndVisitInput",
                "ticket",
                commandId=f"end{n}",
                houseId=house,
                ticket=ticket,
            )

        steg_card, sonede_card = payments[1], payments[3]
        (steg_authorised, sonede_authorised) = outbox()
        # STEG's card: authorised arrives; Dar captures; the "captured" callback arrives twice
        assert deliver(steg_authorised).status_code == 200
        (steg_captured,) = outbox()
        assert deliver(steg_captured).status_code == 200
        again = deliver(steg_captured)
        assert again.status_code == 200
        # a forged callback is refused before anything is read
        forged = dict(steg_captured, headers=dict(steg_captured["headers"]))
        forged["headers"]["x-gateway-signature"] = "00" * 32
        refused = deliver(forged)
        assert refused.status_code == 401
        assert refused.json()["code"] == "BAD_SIGNATURE"
        # SONEDE's card: the agent asks the gateway (status query) before the callback comes;
        # the "authorised" callback then arrives late, after the capture: it changes nothing
        settled = c.mutate(
            a17, "settlePayment", "SettlePaymentInput", PAYMENT, paymentId=sonede_card
        )
        assert settled["receipt"].startswith("HAIDRA-")
        assert deliver(sonede_authorised).status_code == 200
        (sonede_captured,) = outbox()
        assert deliver(sonede_captured).status_code == 200

        # a partial refund of the STEG card payment, approved by the supervisor
        refund = c.mutate(
            a17,
            "requestRefund",
            "RequestRefundInput",
            "refundId position",
            commandId="refund-1",
            paymentId=steg_card,
            amount="2.500",
            reason="frais de service facturés deux fois",
        )
        c.mutate(
            s01,
            "approveRefund",
            "ApproveRefundInput",
            PAYMENT,
            commandId="approve-1",
            paymentId=steg_card,
            refundId=refund["refundId"],
        )
        (refund_paid,) = outbox()
        paid_back = deliver(refund_paid)
        assert paid_back.status_code == 200
        c.last = max(c.last, paid_back.json()["position"])
        # the supervisor asks for a refund herself: someone else must approve it
        own = c.mutate(
            s01,
            "requestRefund",
            "RequestRefundInput",
            "refundId position",  # the position: the reads below wait for it
            commandId="refund-2",
            paymentId=sonede_card,
            amount="1.000",
            reason="erreur de saisie",
        )
        refused_approval = graphql(
            http,
            "mutation($i: ApproveRefundInput!) { approveRefund(input: $i) { id } }",
            {
                "i": {
                    "commandId": "approve-2",
                    "paymentId": sonede_card,
                    "refundId": own["refundId"],
                }
            },
            s01,
        )
        assert error_codes(refused_approval) == ["SAME_APPROVER"]

        # nothing pending; every payment captured once, each with its own receipt
        pending = c.call(
            a17,
            "query($h: ID!, $p: Position!) { pendingPayments(houseId: $h, atLeastPosition: $p) { id } }",
            h=house,
            p=c.last,
        )
        assert pending["pendingPayments"] == []
        requests = c.call(
            a17,
            "query($h: ID!, $p: Position!) { requests(houseId: $h, atLeastPosition: $p)"
            " { items { id } } }",
            h=house,
            p=c.last,
        )["requests"]["items"]
        rows: list[dict[str, Any]] = []
        for request in requests:
            rows += c.call(
                a17,
                "query($r: ID!, $p: Position!) { payments(requestId: $r, atLeastPosition: $p) {"
                " id status amount captured refunded refundsPending receipt method businessDate"
                " } }",
                r=request["id"],
                p=c.last,
            )["payments"]
        assert sorted(r["id"] for r in rows) == sorted(payments)
        assert {r["status"] for r in rows} == {"CAPTURED"}
        receipts = sorted(r["receipt"] for r in rows)
        year = rows[0]["businessDate"][:4]
        assert receipts == [f"HAIDRA-{year}-P{n:06d}" for n in range(1, 5)]
        refunded = {r["id"]: millimes(r["refunded"]) for r in rows}
        assert refunded[steg_card] == 2500
        assert sum(refunded.values()) == 2500
        waiting = {r["id"]: millimes(r["refundsPending"]) for r in rows}
        assert waiting[sonede_card] == 1000  # asked for, not approved: not subtracted

        day = rows[0]["businessDate"]
        collections = c.call(
            governance,
            "query($h: ID!, $d: Date!, $p: Position!) { collections(houseId: $h, businessDate: $d,"
            " atLeastPosition: $p) { collected refunded net lines { partnerCode method payments"
            " collected refunded net } } }",
            h=house,
            d=day,
            p=c.last,
        )["collections"]
        expected_total = sum(due.values())
        assert millimes(collections["collected"]) == expected_total
        assert millimes(collections["refunded"]) == 2500
        assert millimes(collections["net"]) == expected_total - 2500
        lines = {(line["partnerCode"], line["method"]): line for line in collections["lines"]}
        assert set(lines) == {(p, m) for p in BILLS for m in ("CARD", "CASH")}
        for partner, (cash_ref, card_ref) in BILLS.items():
            assert millimes(lines[(partner, "CASH")]["collected"]) == due[cash_ref]
            assert millimes(lines[(partner, "CARD")]["collected"]) == due[card_ref]
            assert lines[(partner, "CARD")]["payments"] == 1
        assert millimes(lines[("STEG", "CARD")]["net"]) == due[BILLS["STEG"][1]] - 2500

        # A17's till took the two cash payments; counted exactly, it closes balanced
        cash = sum(due[cash_ref] for cash_ref, _ in BILLS.values())
        (drawer,) = c.call(
            s01,
            "query($h: ID!, $d: Date!, $p: Position!) { tills(houseId: $h, businessDate: $d,"
            " atLeastPosition: $p) { id expected cashIn payments status } }",
            h=house,
            d=day,
            p=c.last,
        )["tills"]
        assert (drawer["id"], drawer["status"], drawer["payments"]) == (till["id"], "OPEN", 2)
        assert millimes(drawer["cashIn"]) == cash
        assert millimes(drawer["expected"]) == 50_000 + cash
        pieces = Count.exactly(Money(50_000 + cash)).pieces.items()
        count = [{"value": str(Money(value)), "pieces": n} for value, n in pieces]
        c.mutate(
            a17,
            "closeTill",
            "CloseTillInput",
            "id",
            commandId="close",
            tillId=till["id"],
            count=count,
        )
