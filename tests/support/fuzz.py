"""A generator of GraphQL requests from Dar's committed SDL (api/graphql/schema.graphql).

Every query and mutation, with arguments drawn per type and per argument name: mostly values that
reach the domain rules (the seeded house's ids, codes Dar knows), and at a drawn rate hostile ones —
NUL, C0/C1 controls, lone surrogates, over-long and empty text, huge and negative numbers, dates out
of range, wrong-shaped ids and money, nulls, lists of the wrong size, inputs with a required field
missing or an extra one. Arguments travel as JSON variables or as literals in the document; numbers
no Python value can make (5,000 digits, exponents) are written verbatim in either.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache

from graphql import (
    GraphQLEnumType,
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

from api.auth import Role
from api.graphql.access import declared_roles
from api.graphql.catalogue import SCHEMA_FILE
from api.graphql.schema import build_schema as build_live_schema
from infrastructure.settings import Settings
from tests.support.fuzz_values import (
    GOOD_DATES,
    GOOD_DATETIMES,
    GOOD_INTS,
    GOOD_MONEY,
    GOOD_TEXT,
    HOSTILE_DATES,
    HOSTILE_DATETIMES,
    HOSTILE_IDS,
    HOSTILE_INTS,
    HOSTILE_MONEY,
    HOSTILE_POSITIONS,
    HOSTILE_TEXT,
    ID_KINDS,
    NOBODY,
    NUMBER_TEXTS,
    PLAIN_TEXT,
    TEXT_KINDS,
    NumberText,
)

ROLES = ("agent", "supervisor", "admin", "partner", "anonymous")
_keys = itertools.count(1)  # fresh idempotency keys, so that most mutations run


class EnumName(str):
    """An enum value's name: unquoted in a document, a JSON string among the variables."""

    __slots__ = ()


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
        if isinstance(kind, GraphQLEnumType):
            return self.enum(kind)
        assert isinstance(kind, GraphQLScalarType), kind
        return self.scalar(kind.name, name)

    def enum(self, kind: GraphQLEnumType) -> object:
        """One of the enum's names, or (hostile) a name it does not have, or text."""
        if self.hostile():
            return self.pick([EnumName("NOT_A_VALUE"), "text where a name belongs"])
        return EnumName(str(self.pick(sorted(kind.values))))

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
        if self.hostile():  # half the time a number as written: 5,000 digits, an exponent
            return self.pick(NUMBER_TEXTS if self.draw(st.booleans()) else HOSTILE_INTS)
        return self.pick(GOOD_INTS.get(name, (1, 2, 3)))

    def position(self, _: str) -> object:
        """A position the log has given out, or a hostile one."""
        if self.hostile():
            return self.pick(HOSTILE_POSITIONS)
        return self.pick([0, 1, self.seed.head])


def literal(value: object) -> str:
    """A value as a GraphQL literal (strings escaped as JSON escapes them)."""
    if isinstance(value, NumberText):
        return value.text
    if isinstance(value, EnumName):
        return str(value)  # a name, unquoted
    if value is None or isinstance(value, bool | int | float | str):
        return json.dumps(value)  # null, true, false, numbers, escaped strings
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    assert isinstance(value, dict), value
    return "{" + ", ".join(f"{k}: {literal(v)}" for k, v in value.items()) + "}"


def json_body(query: str, variables: dict[str, object]) -> bytes:
    """The request body; a `NumberText` among the variables is written verbatim, unquoted."""
    texts: dict[str, str] = {}  # placeholder -> the number's text

    def placeholder(value: object) -> str:
        if not isinstance(value, NumberText):
            raise TypeError(value)
        key = f"\x00{value.text}\x00"  # NUL never appears in a number's text
        texts[key] = value.text
        return key

    body = json.dumps({"query": query, "variables": variables}, default=placeholder)
    for key, text in texts.items():
        body = body.replace(json.dumps(key), text)
    return body.encode()


@cache
def _declared() -> dict[str, frozenset[Role] | None]:
    """The roles each operation of the live schema declares."""
    return declared_roles(build_live_schema(Settings()))


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
    body = json_body(text, variables)
    admitted = [r for r in ROLES if r in (_declared().get(name) or ())]
    anyone = not admitted or draw(st.integers(0, 3)) == 0  # a quarter: any role at all
    roles = list(ROLES) if anyone else admitted
    return Call(draw(st.sampled_from(roles)), name, body)
