"""The values the GraphQL fuzzer draws from: hostile ones per scalar, plausible ones per argument name."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

NOBODY = "00000000-0000-4000-8000-000000000000"

HOSTILE_TEXT: tuple[str, ...] = (
    "",
    " ",
    "\x00",
    "STEG\x00",
    "a\x01\x08\x0b\x0c\x0e\x1b\x1f\x7fz",
    "\x80\x85\x9f",
    "\ud800",
    "x\udfffy",
    "\ud83d",
    "\u202eRTL\u202c",
    "\ufeff\u200b",
    "e\u0301",
    "دار\tالخدمات\n",  # noqa: RUF001 - Arabic text
    "%00",
    "../../etc/passwd",
    "' OR 1=1 --",
    "-1",
    "9" * 40,
    "x" * 201,
    "x" * 5_000,
    "ي" * 8_000,  # Arabic: 48 kB once escaped in JSON, under the body limit
    "x" * 70_000,  # over the body limit
)


@dataclass(frozen=True)
class NumberText:
    """A number as written, verbatim, in the document or the JSON body: forms no value can make.

    5,000 nines (past the 4,300 digits Python converts from text), exponents, a float where an
    integer belongs.
    """

    text: str


NUMBER_TEXTS: tuple[NumberText, ...] = tuple(
    NumberText(t)
    for t in ("9" * 5_000, "-" + "9" * 5_000, "1" + "0" * 4_400, "1e400", "1E-400", "1e5", "-0.0")
)
HOSTILE_INTS: tuple[object, ...] = (
    *NUMBER_TEXTS,
    0,
    -1,
    -(2**31),
    2**31 - 1,
    2**31,
    2**53,
    2**63,
    -(2**63) - 1,
    10**30,
    1.5,
    1e308,
    "1",
    True,
)
HOSTILE_POSITIONS: tuple[object, ...] = (
    *NUMBER_TEXTS,
    -1,
    2**53 - 1,
    2**53,
    2**63,
    10**30,
    "1",
    1.5,
    True,
)
HOSTILE_IDS: tuple[object, ...] = (
    "",
    "haidra",
    "not-a-uuid",
    "00000000-0000-0000-0000-000000000000",
    "ffffffff-ffff-ffff-ffff-ffffffffffff",
    NOBODY.upper(),
    "{" + NOBODY + "}",
    NOBODY.replace("-", ""),
    "urn:uuid:" + NOBODY,
    NOBODY + "\x00",
    "\ud800",
    123,
    -1,
    2**70,
    1.5,
)
HOSTILE_DATES: tuple[object, ...] = (
    "",
    "0001-01-01",
    "9999-12-31",
    "2026-02-30",
    "2026-13-01",
    "20261201",
    "2026-12-01T10:00:00",
    "+10000-01-01",
    "-2026-01-01",
    "٢٠٢٦-١٢-٠١",  # noqa: RUF001 - Arabic-Indic digits
    20261201,
)
HOSTILE_DATETIMES: tuple[object, ...] = (
    "",
    "0001-01-01T00:00:00+05:00",
    "9999-12-31T23:59:59-05:00",
    "0001-01-01T00:00:00",
    "9999-12-31T23:59:59.999999+00:00",
    "2026-12-01",
    "2026-12-01T25:00:00+01:00",
    "2026-12-01T10:00:00+24:00",
    "nonsense",
    0,
)
HOSTILE_MONEY: tuple[object, ...] = (
    "",
    "-1",
    "+1",
    "1e3",
    "1.2345",
    " 1",
    ".5",
    "5.",
    "1_000",
    "0x10",
    "١٢",
    "NaN",
    "Infinity",
    "9" * 40,
    "9" * 400,
    "0." + "0" * 500,
    1.5,
    12,
)

GOOD_TEXT: Mapping[str, Sequence[str]] = {
    "partnerCode": ("STEG", "SONEDE", "CNAM", "CNSS", "FUZZ"),
    "code": ("STEG", "CNAM", "BILL_PAYMENT", "haidra", "FUZZ", "fuzz-house"),
    "serviceCode": ("BILL_PAYMENT", "BILL_DUPLICATE", "REIMBURSEMENT_FILE"),
    "purpose": ("counter_service", "mandate_management", "health_insurance_file", "DEV-x"),
    "status": ("lodged", "completed", "at_partner", "accepted"),
    "state": ("active", "suspended", "revoked"),
    "decision": ("accepted", "refused", "closed"),
    "kind": ("information", "redirection"),
    "season": ("normal", "ramadan", "summer"),
    "opens": ("08:00", "07:30", "24:00"),
    "closes": ("17:00", "13:00", "07:00"),
    "scope": ("payments", "partner:STEG", "service:STEG/BILL_PAYMENT", "service:CNAM/X"),
    "scopes": ("payments", "partner:STEG", "service:STEG/BILL_PAYMENT", "partner:CNAM"),
    "documentNumber": ("04417263", "09185530", "A1234567"),
    "cin": ("04417263", "09185530", "11111111"),
    "phone": ("+21698123456", "+21620000000"),
    "line": ("A", "B", "C"),
    "lines": ("A", "B"),
    "toLine": ("A", "B"),
    "prefix": ("A", "B", "C"),
    "priority": ("elderly", "disabled", "pregnant"),
    "feeRule": ("none", "fixed", "from_bill"),
    "mode": ("immediate", "forwarded"),
    "billReference": ("20261101", "30261101", "20261199"),
    "reference": ("20261101", "30261101", "20261199"),
    "services": ("BILL_PAYMENT", "BILL_DUPLICATE", "STEG/BILL_PAYMENT"),
    "added": ("BILL_DUPLICATE", "METER_READING"),
    "removed": ("BILL_DUPLICATE",),
    "conventionVersion": ("1", "2"),
    "documents": ("CIN", "Facture", "Bulletin de soins", "Ordonnance", "Factures"),
}
PLAIN_TEXT = ("Hedia Gharbi", "دار الخدمات بحيدرة", "Maison — été", "r", "Guichet 3")
GOOD_INTS: Mapping[str, Sequence[int]] = {
    "first": (1, 10, 50, 100, 101),
    "feeMillimes": (30_000, 1_000),
    "ceilingMillimes": (500_000, 1),
    "deadlineDays": (5, 30),
}
GOOD_MONEY = ("0", "1", "2.500", "12.345", "120.000", "1000")
GOOD_DATES = ("2026-12-01", "2026-12-02", "2027-06-30", "2030-12-31", "2025-12-20")
GOOD_DATETIMES = ("2026-12-01T10:00:00+01:00", "2026-06-01T08:00:00Z")
# the seeded ids an ID argument of this name may name (keys of Seed.ids)
ID_KINDS: Mapping[str, str] = {
    "houseId": "house",
    "agentId": "agent",
    "grantId": "grant",
    "citizenId": "citizen",
    "guardianId": "citizen",
    "requestId": "request",
    "paymentId": "payment",
    "tillId": "till",
}
# seeded text an argument of this name may carry (keys of Seed.texts)
TEXT_KINDS: Mapping[str, str] = {
    "ticket": "ticket",
    "refundId": "refund",
    "number": "receipt",
    "after": "cursor",
}
