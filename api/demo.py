"""The development demo: the services house of Haidra, ready to serve and to take payments.

`dar run --demo` (what `make run` does) records it through the ordinary commands, under keys of
the `system:demo` actor: running it again replays them and records nothing; a command refused
(the demo changed since, or someone changed the house by hand) is left as it is. Haidra gets two
counters, a bills line (STEG, SONEDE) and a health line (CNAM); A17 (agent) is accredited for the
three partners and S01 is the house's supervisor; STEG and SONEDE let the house collect their bills
(ceiling 500 TND), CNAM does not. V-017 volunteers in its digital-inclusion room, accredited for
every topic (a `volunteer` token with subject V-017 and house haidra).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from datetime import date
from typing import TypeVar

from api.bootstrap import Dar
from application.commands import Command
from application.delegation.commands import GrantDelegation
from application.houses.commands import (
    AccreditAgent,
    AddCounter,
    AddServiceLine,
    EnrollAgent,
    RegisterHouse,
)
from application.inclusion.commands import RegisterVolunteer
from application.store import Outcome
from domain.inclusion.values import Topic
from domain.shared.errors import DarError
from domain.shared.ids import natural_id

C = TypeVar("C", bound=Command)
ACTOR = "system:demo"
KEY = "demo-v1"  # the demo's commands are replayed on every run under these keys
UNTIL = date(2030, 12, 31)  # fixed dates: the same commands, replayed, on any later day
HOUSE = "haidra"
LINES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "A",
        "الفواتير — Factures",
        ("STEG/BILL_PAYMENT", "STEG/BILL_DUPLICATE", "SONEDE/BILL_PAYMENT"),
    ),
    ("B", "الصحة — Santé", ("CNAM/REIMBURSEMENT_FILE", "CNAM/ENTITLEMENT_ATTESTATION")),
)
GRANTS: tuple[tuple[str, tuple[str, ...], int | None], ...] = (
    ("STEG", ("BILL_PAYMENT", "BILL_DUPLICATE"), 500_000),
    ("SONEDE", ("BILL_PAYMENT",), 500_000),
    ("CNAM", ("REIMBURSEMENT_FILE", "ENTITLEMENT_ATTESTATION"), None),
)
STAFF: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("A17", "Amira (agent)", ("STEG", "SONEDE", "CNAM")),
    ("S01", "Sami (supervisor)", ()),
)


def seed_demo(dar: Dar) -> int:
    """Record the demo house (or replay it); the number of commands that recorded something."""
    recorded = 0

    def counted(run: Callable[[C], Outcome], command: C) -> None:
        nonlocal recorded
        # refused: changed since by hand (or a demo of another version) — left as it is
        with suppress(DarError):
            recorded += 0 if run(command).replayed else 1

    houses = dar.houses
    counted(
        houses.register_house,
        RegisterHouse(
            f"{KEY}-house",
            ACTOR,
            code=HOUSE,
            name_ar="دار الخدمات بحيدرة",
            name_fr="Maison de services de Haidra",
            municipality="Haidra",
            governorate="Kasserine",
        ),
    )
    for number in (1, 2):
        counted(
            houses.add_counter,
            AddCounter(f"{KEY}-counter-{number}", ACTOR, HOUSE, number, f"Guichet {number}"),
        )
    for prefix, name, services in LINES:
        counted(
            houses.add_service_line,
            AddServiceLine(
                f"{KEY}-line-{prefix}",
                ACTOR,
                house_code=HOUSE,
                prefix=prefix,
                name=name,
                services=services,
                priority=prefix == "A",
            ),
        )
    for employee, display_name, partners in STAFF:
        counted(
            houses.enroll_agent,
            EnrollAgent(f"{KEY}-enrol-{employee}", ACTOR, employee, HOUSE, display_name),
        )
        for partner in partners:
            counted(
                houses.accredit_agent,
                AccreditAgent(
                    f"{KEY}-accredit-{employee}-{partner}",
                    ACTOR,
                    employee,
                    partner,
                    UNTIL,
                ),
            )
    counted(
        dar.inclusion.register_volunteer,
        RegisterVolunteer(
            f"{KEY}-volunteer-V-017",
            ACTOR,
            HOUSE,
            "V-017",
            "Amel (bénévole)",
            "Association Jeunes de Haidra",
            tuple(Topic),
        ),
    )
    for partner, services, ceiling in GRANTS:
        counted(
            dar.delegations.grant,
            GrantDelegation(
                f"{KEY}-grant-{partner}",
                ACTOR,
                grant_id=natural_id("demo-grant", HOUSE, partner),
                house_code=HOUSE,
                partner_code=partner,
                convention_reference=f"CONV-{partner}-HAIDRA-DEMO",
                convention_version="1",
                signed_on=date(2025, 12, 20),
                services=services,
                starts_on=date(2026, 1, 1),
                ends_on=UNTIL,
                may_collect=ceiling is not None,
                ceiling_millimes=ceiling,
            ),
        )
    return recorded
