"""Issue 6's morning at Haidra through GraphQL alone, on both stores.

Tickets issued and called, an information contact, a STEG duplicate done on the spot, a CNAM file
forwarded and decided by a `partner` user, a no-show and a transfer — and the queue and request
read models show it.
"""

from __future__ import annotations

from pathlib import Path

from api.auth import Role, TokenService
from infrastructure.settings import Settings
from tests.support import e2e
from tests.support.api import graphql, serve, token_for
from tests.support.e2e import Client, Grant


def setup_haidra(c: Client, admin: str) -> str:
    """Lines A (STEG) and B (CNAM), agents A17 and A18, STEG duplicates and CNAM files granted."""
    return e2e.setup_haidra(
        c,
        admin,
        lines={
            "A": ("STEG", ["STEG/BILL_DUPLICATE", "STEG/BILL_PAYMENT"]),
            "B": ("CNAM", ["CNAM/REIMBURSEMENT_FILE"]),
        },
        staff={"A17": ["STEG", "CNAM"], "A18": ["STEG", "CNAM"]},
        grants={"STEG": Grant(["BILL_DUPLICATE"]), "CNAM": Grant(["REIMBURSEMENT_FILE"])},
    )


TICKET = "ticket visitId position"
REQUEST = "id receipt position"


def test_a_morning_at_haidra_through_graphql(  # noqa: PLR0915 - the whole morning, in order
    store_settings: Settings, tmp_path: Path
) -> None:
    admin = token_for(store_settings, Role.ADMIN)
    tokens = TokenService(store_settings)
    a17 = tokens.mint("A17", Role.AGENT, house="haidra")
    a18 = tokens.mint("A18", Role.AGENT, house="haidra")
    cnam = tokens.mint("cnam-kasserine", Role.PARTNER, partner="CNAM")
    with serve(store_settings, tmp_path) as server, server.client() as http:
        c = Client(http)
        house = setup_haidra(c, admin)
        for agent, token, n in (("A17", a17, 1), ("A18", a18, 2)):
            c.mutate(
                token,
                "openCounter",
                "OpenCounterInput",
                "id position",
                commandId=f"open-{agent}",
                houseId=house,
                number=n,
            )
        citizens = [
            c.mutate(
                a17,
                "registerCitizen",
                "RegisterCitizenInput",
                "id position",
                commandId=f"citizen-{n}",
                houseId=house,
                name=name,
                documentKind="CIN",
                documentNumber=cin,
            )["id"]
            for n, (name, cin) in enumerate(
                (("Hedia Gharbi", "04417263"), ("Mongi Ayari", "09185530"))
            )
        ]
        issued = [
            c.mutate(
                a17,
                "issueTicket",
                "IssueTicketInput",
                TICKET,
                commandId=f"issue-{n}",
                houseId=house,
                line=line,
            )["ticket"]
            for n, line in enumerate(("A", "A", "A", "B"))
        ]

        def call_next(token: str, counter: int, key: str, lines: list[str]) -> str:
            ticket: str = c.mutate(
                token,
                "callNextTicket",
                "CallNextTicketInput",
                TICKET,
                commandId=key,
                houseId=house,
                counter=counter,
                lines=lines,
            )["ticket"]
            return ticket

        def on(token: str, op: str, ticket: str, key: str) -> None:
            kind = f"{op[0].upper()}{op[1:]}Input"  # each step has its own input
            c.mutate(token, op, kind, TICKET, commandId=key, houseId=house, ticket=ticket)

        # counter 1: information, then a STEG duplicate done on the spot
        first = call_next(a17, 1, "call-1", ["A"])
        c.mutate(
            a17,
            "recordContact",
            "RecordContactInput",
            "visitId position",
            commandId="contact-1",
            houseId=house,
            ticket=first,
            kind="INFORMATION",
            partnerCode="SONEDE",
            topic="reading the new water meter",
        )
        duplicate = c.mutate(
            a17,
            "lodgeRequest",
            "LodgeRequestInput",
            REQUEST,
            commandId="lodge-1",
            houseId=house,
            ticket=first,
            citizenId=citizens[0],
            partnerCode="STEG",
            serviceCode="BILL_DUPLICATE",
            documents=[],
        )
        c.mutate(
            a17,
            "completeRequest",
            "CompleteRequestInput",
            REQUEST,
            commandId="complete-1",
            requestId=duplicate["id"],
        )
        on(a17, "endVisit", first, "end-1")
        # counter 2: a no-show
        second = call_next(a18, 2, "call-2", ["A"])
        on(a18, "markNoShow", second, "no-show-2")
        # counter 1: the next citizen belongs to the CNAM line: transferred
        third = call_next(a17, 1, "call-3", ["A"])
        c.mutate(
            a17,
            "transferTicket",
            "TransferTicketInput",
            TICKET,
            commandId="transfer-3",
            houseId=house,
            ticket=third,
            toLine="B",
        )
        # counter 2: a CNAM file forwarded, then decided by the CNAM user
        fourth = call_next(a18, 2, "call-4", ["B"])
        cnam_file = c.mutate(
            a18,
            "lodgeRequest",
            "LodgeRequestInput",
            REQUEST,
            commandId="lodge-4",
            houseId=house,
            ticket=fourth,
            citizenId=citizens[1],
            partnerCode="CNAM",
            serviceCode="REIMBURSEMENT_FILE",
            documents=["Bulletin de soins", "Ordonnance", "Factures"],
        )
        c.mutate(
            a18,
            "forwardRequest",
            "ForwardRequestInput",
            REQUEST,
            commandId="forward-4",
            requestId=cnam_file["id"],
        )
        on(a18, "endVisit", fourth, "end-4")
        inbox = c.call(
            cnam,
            'query($p: Position) { partnerInbox(partnerCode: "CNAM", atLeastPosition: $p) '
            "{ id receipt status } }",
            p=c.last,
        )["partnerInbox"]
        identity = """query($id: ID!) { citizen(id: $id, purpose: "partner_file_processing") {
          name documentNumber phone withheld } }"""
        holder = c.call(cnam, identity, id=citizens[1])["citizen"]
        stranger = graphql(http, identity, {"id": citizens[0]}, cnam)
        c.mutate(
            cnam,
            "acknowledgeRequest",
            "AcknowledgeRequestInput",
            REQUEST,
            commandId="ack-4",
            requestId=cnam_file["id"],
            partnerReference="CNAM-KAS-2026-00417",
        )
        c.mutate(
            cnam,
            "recordPartnerDecision",
            "PartnerDecisionInput",
            REQUEST,
            commandId="decide-4",
            requestId=cnam_file["id"],
            decision="ACCEPTED",
            reason="reimbursed at the agreed rate",
        )
        queue = c.call(
            a17,
            "query($h: ID!, $p: Position) { queue(houseId: $h, atLeastPosition: $p) {"
            " lines { line waiting { ticket } }"
            " tickets { ticket line status counter waitingSeconds handlingSeconds } } }",
            h=house,
            p=c.last,
        )["queue"]
        requests = c.call(
            a17,
            "query($h: ID!, $p: Position) { requests(houseId: $h, atLeastPosition: $p) {"
            " items { receipt partnerCode serviceCode status partnerReference dueOn } } }",
            h=house,
            p=c.last,
        )["requests"]["items"]
        by_receipt = c.call(
            cnam,
            "query($n: String!) { requestByReceipt(number: $n) { id status } }",
            n=cnam_file["receipt"],
        )["requestByReceipt"]

    assert issued == ["A001", "A002", "A003", "B001"]
    assert (first, second, third, fourth) == ("A001", "A002", "A003", "B001")
    assert [r["id"] for r in inbox] == [cnam_file["id"]]
    assert holder == {
        "name": "Mongi Ayari",
        "documentNumber": "09185530",
        "phone": None,
        "withheld": [],
    }
    assert stranger["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert inbox[0]["status"] == "SUBMITTED"
    tickets = {t["ticket"]: t for t in queue["tickets"]}
    assert tickets["A001"]["handlingSeconds"] >= 0
    assert tickets["A002"]["handlingSeconds"] is None
    assert all(t["waitingSeconds"] >= 0 for t in tickets.values())
    assert {t["ticket"]: (t["line"], t["status"]) for t in queue["tickets"]} == {
        "A001": ("A", "DONE"),
        "A002": ("A", "NO_SHOW"),
        "A003": ("B", "WAITING"),
        "B001": ("B", "DONE"),
    }
    assert queue["lines"] == [{"line": "B", "waiting": [{"ticket": "A003"}]}]
    assert [(r["partnerCode"], r["status"], r["partnerReference"]) for r in requests] == [
        ("CNAM", "ACCEPTED", "CNAM-KAS-2026-00417"),
        ("STEG", "COMPLETED", None),
    ]
    assert requests[0]["dueOn"] is not None
    assert by_receipt == {"id": cnam_file["id"], "status": "ACCEPTED"}
