"""The simulated country: houses in distinct municipalities, their staff, lines and grants.

Haidra comes first, then the other municipalities of `geography.yaml`, then one house in the chief
town of each governorate without one, then further municipalities numbered within governorates.
Every house gets the nine reference partners' services delegated (money collected up to 500 TND
where a service has a fee), two or three counters with an agent each, and a supervisor.
"""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import cache

from infrastructure.reference import ReferenceService, reference_partners, reference_services
from infrastructure.reference.places import governorates, municipalities

UNTIL = date(2030, 12, 31)
CEILING_MILLIMES = 500_000
# Lines by the kind of business: money matters, and social files.
LINES: tuple[tuple[str, str, frozenset[str]], ...] = (
    (
        "A",
        "الفواتير والمعاليم — Factures et paiements",
        frozenset({"STEG", "SONEDE", "TUNISIE_TELECOM", "POSTE", "RECETTE_FINANCES"}),
    ),
    ("B", "الشؤون الاجتماعية — Social et santé", frozenset({"CNAM", "CNSS", "CNRPS", "ANETI"})),
)
# How often citizens come for each partner (a share of the requests, summed to 100).
PARTNER_WEIGHTS: dict[str, int] = {
    "STEG": 24,
    "SONEDE": 16,
    "CNAM": 14,
    "POSTE": 10,
    "CNSS": 8,
    "RECETTE_FINANCES": 8,
    "TUNISIE_TELECOM": 8,
    "CNRPS": 6,
    "ANETI": 6,
}


@dataclass(frozen=True)
class SimHouse:
    """One simulated house: where it is, and who works there."""

    index: int
    code: str
    name_ar: str
    name_fr: str
    municipality: str
    governorate: str  # the governorate's French name
    counters: int

    def agent(self, counter: int) -> str:
        """The employee number of the agent of `counter`."""
        return f"H{self.index:03d}-A{counter}"

    @property
    def supervisor(self) -> str:
        """The employee number of the house's supervisor."""
        return f"H{self.index:03d}-S1"

    def staff(self) -> tuple[str, ...]:
        """Everyone enrolled in the house: the agents, then the supervisor."""
        return (*(self.agent(n) for n in range(1, self.counters + 1)), self.supervisor)


def _slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "-".join("".join(c if c.isalnum() else " " for c in ascii_name.lower()).split())


def _places() -> Iterator[tuple[str, str, str]]:
    """(municipality, its Arabic name, governorate's French name), Haidra first, none twice."""
    by_code = {g.code: g for g in governorates()}
    known = sorted(municipalities(), key=lambda m: m.name_fr != "Haidra")
    served: set[str] = set()
    for m in known:
        served.add(m.governorate)
        yield m.name_fr, m.name_ar, by_code[m.governorate].name_fr
    named = {m.name_fr for m in known}
    for g in governorates():
        if g.code not in served and g.name_fr not in named:
            yield g.name_fr, g.name_ar, g.name_fr
    for number in itertools.count(2):
        for g in governorates():
            yield f"{g.name_fr} {number}", f"{g.name_ar} {number}", g.name_fr


def houses(count: int) -> list[SimHouse]:
    """The first `count` houses of the simulated country."""
    return [
        SimHouse(
            index=index,
            code=_slug(municipality),
            name_ar=f"دار الخدمات ب{name_ar}",
            name_fr=f"Maison de services de {municipality}",
            municipality=municipality,
            governorate=governorate,
            counters=2 + index % 2,
        )
        for index, (municipality, name_ar, governorate) in enumerate(
            itertools.islice(_places(), count), start=1
        )
    ]


def partner_codes() -> tuple[str, ...]:
    """The nine reference partners, in the order of `partners.yaml`."""
    return tuple(p.code for p in reference_partners())


@cache
def services_of(partner: str) -> tuple[ReferenceService, ...]:
    """The reference services of a partner."""
    return tuple(s for s in reference_services() if s.partner_code == partner)


def collects(partner: str) -> bool:
    """Whether a partner has a service with a fee (the house then collects for it)."""
    return any(s.fee_rule != "none" for s in services_of(partner))


def line_of(partner: str) -> str:
    """The prefix of the line serving a partner."""
    return next(prefix for prefix, _, partners in LINES if partner in partners)
