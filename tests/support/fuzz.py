"""A generator of GraphQL requests from Dar's committed SDL (api/graphql/schema.graphql).

Every query and mutation, with arguments drawn per type and per argument name: mostly values that
reach the domain rules (the seeded house's ids, codes Dar knows), and at a drawn rate hostile ones —
NUL, C0/C1 controls, lone surrogates, over-long and empty text, huge and negative numbers, dates out
of range, wrong-shaped ids and money, nulls, lists of the wrong size, inputs with a required field
missing or an extra one. Arguments travel as JSON variables or as literals in the document.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache

from graphql import (
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    Undefined,
    build_schema,
    get_named_type,
)
from hypothesis import strategies as st

from api.graphql.access import ACCESS
from api.graphql.catalogue import SCHEMA_FILE

ROLES = ("agent", "supervisor", "admin", "partner", "anonymous")
NOBODY = "00000000-0000-4000-8000-000000000000"
_keys = itertools.count(1)  # fresh idempotency keys, so that most mutations run

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
HOSTILE_INTS: tuple[object, ...] = (
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
HOSTILE_POSITIONS: tuple[object, ...] = (-1, 2**53 - 1, 2**53, 2**63, 10**30, "1", 1.5, True)
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
    "method": ("cash", "card", "e_dinar", "d17"),
    "status": ("lodged", "completed", "at_partner", "accepted"),
    "state": ("active", "suspended", "revoked"),
    "decision": ("accepted", "refused", "closed"),
    "kind": ("information", "redirection"),
    "season": ("normal", "ramadan", "summer"),
    "opens": ("08:00", "07:30", "24:00"),
    "closes": ("17:00", "13:00", "07:00"),
    "duration": ("1d", "1m", "6m", "1y"),
    "consentKind": ("paper_form", "confirmation_code"),
    "scope": ("payments", "partner:STEG", "service:STEG/BILL_PAYMENT", "service:CNAM/X"),
    "scopes": ("payments", "partner:STEG", "service:STEG/BILL_PAYMENT", "partner:CNAM"),
    "documentKind": ("cin", "passport", "residence_card"),
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
}
# seeded text an argument of this name may carry (keys of Seed.texts)
TEXT_KINDS: Mapping[str, str] = {
    "ticket": "ticket",
    "refundId": "refund",
    "number": "receipt",
    "after": "cursor",
}


@dataclass
class Seed:
    """What the seeded house holds: ids by kind, texts by kind, the log's head."""

    ids: dict[str, list[str]] = field(default_factory=dict)
    texts: dict[str, list[str]] = field(default_factory=dict)
    head: int = 0

    def all_ids(self) -> list[str]:
        """Every seeded id."""
        return [i for ids in self.ids.values() for i in ids]


@dataclass(frozen=True)
class Call:
    """One generated request: who sends it, for which operation, and the exact body."""

    role: str
    operation: str
    body: bytes

    def describe(self) -> str:
        """The request, readable in a failure report."""
        return f"{self.role} → {self.operation}: {self.body[:2000]!r}"


@cache
def fuzzed_schema() -> GraphQLSchema:
    """The committed SDL (kept equal to the live schema by the contract test)."""
    return build_schema(SCHEMA_FILE.read_text(encoding="utf-8"))


def operations(schema: GraphQLSchema) -> list[tuple[str, str]]:
    """Every (operation type, field) of the schema's queries and mutations."""
    found: list[tuple[str, str]] = []
    for kind, root in (("query", schema.query_type), ("mutation", schema.mutation_type)):
        if root is not None:
            found += [(kind, name) for name in sorted(root.fields)]
    return found


def selection(output: GraphQLOutputType, depth: int = 0) -> str:
    """Every field of an output type, nested objects included, as a selection set."""
    named = get_named_type(output)
    if not isinstance(named, GraphQLObjectType):
        return ""
    parts = [
        name + selection(f.type, depth + 1)
        for name, f in named.fields.items()
        if depth < 3 or not isinstance(get_named_type(f.type), GraphQLObjectType)
    ]
    return " { " + " ".join(parts) + " }"


class Values:
    """Draws argument values for one request; `rate` is the percentage of hostile leaves."""

    def __init__(self, draw: st.DrawFn, seed: Seed, rate: int, operation: str) -> None:
        self.operation = operation
        self.draw = draw
        self.seed = seed
        self.rate = rate

    def chance(self, percent: int) -> bool:
        """True in about `percent` draws out of a hundred."""
        return self.draw(st.integers(0, 99)) < percent

    def hostile(self) -> bool:
        """Whether this leaf gets a hostile value."""
        return self.chance(self.rate)

    def pick(self, options: Sequence[object]) -> object:
        """One of the options."""
        return self.draw(st.sampled_from(list(options)))

    def of(self, kind: GraphQLInputType, name: str) -> object:
        """A value for an argument or input field of this type and name."""
        if isinstance(kind, GraphQLNonNull):
            if self.rate and self.chance(2):
                return None
            return self.of(kind.of_type, name)
        if isinstance(kind, GraphQLList):
            return self.listed(kind.of_type, name)
        if isinstance(kind, GraphQLInputObjectType):
            return self.input_object(kind)
        assert isinstance(kind, GraphQLScalarType), kind
        return self.scalar(kind.name, name)

    def listed(self, item: GraphQLInputType, name: str) -> object:
        """A short list, an empty one, or (hostile) a very long one."""
        if self.hostile() and self.draw(st.booleans()):
            return [self.of(item, name)] * self.draw(st.sampled_from([500, 5_000]))
        return [self.of(item, name) for _ in range(self.draw(st.integers(0, 3)))]

    def input_object(self, kind: GraphQLInputObjectType) -> object:
        """Every field; sometimes a required one missing or an unknown one added."""
        values = {n: self.of(f.type, n) for n, f in kind.fields.items()}
        if self.hostile():
            shape = self.draw(st.sampled_from(["missing", "extra", "wrong"]))
            if shape == "missing" and values:
                del values[str(self.pick(sorted(values)))]
            elif shape == "extra":
                values["unexpectedField"] = self.pick(["x", 1, None, {"a": 1}])
            elif shape == "wrong":
                return self.pick(["x", 1, [], [values]])
        return values

    def scalar(self, scalar: str, name: str) -> object:
        """A scalar: plausible for this name, or hostile."""
        makers: dict[str, Callable[[str], object]] = {
            "String": self.text,
            "ID": self.identifier,
            "Int": self.integer,
            "Boolean": lambda _: self.pick(
                [True, False, 1, "true"] if self.hostile() else [True, False]
            ),
            "Date": lambda _: self.pick(HOSTILE_DATES if self.hostile() else GOOD_DATES),
            "DateTime": lambda _: self.pick(
                HOSTILE_DATETIMES if self.hostile() else GOOD_DATETIMES
            ),
            "Money": lambda _: self.pick(HOSTILE_MONEY if self.hostile() else GOOD_MONEY),
            "Position": self.position,
        }
        return makers[scalar](name)

    def text(self, name: str) -> object:
        """Text: hostile, a key, a seeded value, a known code, or plain words."""
        if self.hostile():
            curated = st.sampled_from(HOSTILE_TEXT)
            return self.draw(st.one_of(curated, curated, curated, st.text(max_size=30)))
        if name == "commandId":
            return self.pick(["k1", "k2"]) if self.chance(10) else f"fuzz-{next(_keys)}"
        seeded = self.seed.texts.get(TEXT_KINDS.get(name, ""), [])
        return self.pick(seeded or GOOD_TEXT.get(name, PLAIN_TEXT))

    def identifier(self, name: str) -> object:
        """An id: a seeded one of the right kind, any seeded one, unknown, or hostile."""
        if self.hostile():
            return self.pick(HOSTILE_IDS)
        kind = ID_KINDS.get(name)
        pool = self.seed.ids.get(kind, []) if kind else self.seed.all_ids()
        if self.operation == "deactivateAgent":  # keep the callers' own accounts working
            pool = self.seed.ids.get("spare_agent", [])
        return NOBODY if not pool or self.chance(10) else self.pick(pool)

    def integer(self, name: str) -> object:
        """A small plausible number, or a hostile one."""
        if self.hostile():
            return self.pick(HOSTILE_INTS)
        return self.pick(GOOD_INTS.get(name, (1, 2, 3)))

    def position(self, _: str) -> object:
        """A position the log has given out, or a hostile one."""
        if self.hostile():
            return self.pick(HOSTILE_POSITIONS)
        return self.pick([0, 1, self.seed.head])


def literal(value: object) -> str:
    """A value as a GraphQL literal (strings escaped as JSON escapes them)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    assert isinstance(value, dict), value
    return "{" + ", ".join(f"{k}: {literal(v)}" for k, v in value.items()) + "}"


def document(
    kind: str, name: str, field_: GraphQLField, chosen: dict[str, object], *, inline: bool
) -> tuple[str, dict[str, object]]:
    """The operation's text and its variables (empty when the arguments are literals)."""
    if inline:
        arguments = ", ".join(f"{a}: {literal(v)}" for a, v in chosen.items())
        definitions = ""
        variables: dict[str, object] = {}
    else:
        arguments = ", ".join(f"{a}: ${a}" for a in chosen)
        definitions = ", ".join(f"${a}: {field_.args[a].type}" for a in chosen)
        variables = chosen
    head = f"{kind}({definitions})" if definitions else kind
    call = f"{name}({arguments})" if arguments else name
    return f"{head} {{ {call}{selection(field_.type)} }}", variables


@st.composite
def calls(draw: st.DrawFn, seed: Seed, rates: Sequence[int] = (0, 3, 10, 30, 60)) -> Call:
    """One request: a role (mostly one the operation admits), an operation, its arguments.

    `rates` are the percentages of hostile values a request may be drawn with.
    """
    schema = fuzzed_schema()
    kind, name = draw(st.sampled_from(operations(schema)))
    root = schema.query_type if kind == "query" else schema.mutation_type
    assert root is not None
    field_ = root.fields[name]
    values = Values(draw, seed, draw(st.sampled_from(rates)), name)
    chosen: dict[str, object] = {}
    for arg_name, arg in field_.args.items():
        required = isinstance(arg.type, GraphQLNonNull) and arg.default_value is Undefined
        if required or draw(st.booleans()):
            chosen[arg_name] = values.of(arg.type, arg_name)
    text, variables = document(kind, name, field_, chosen, inline=draw(st.integers(0, 3)) == 0)
    body = json.dumps({"query": text, "variables": variables}, ensure_ascii=True).encode()
    admitted = [r for r in ROLES if r in ACCESS.get(name, ())]
    anyone = not admitted or draw(st.integers(0, 3)) == 0  # a quarter: any role at all
    roles = list(ROLES) if anyone else admitted
    return Call(draw(st.sampled_from(roles)), name, body)
