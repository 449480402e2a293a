"""The text policy itself, and how it reaches every argument of a GraphQL operation (no store)."""

from __future__ import annotations

import asyncio
import unicodedata
from collections.abc import AsyncGenerator
from typing import Any

import pytest
import strawberry
from graphql import GraphQLSchema, StringValueNode, parse, visit
from graphql.language import Visitor
from hypothesis import given
from hypothesis import strategies as st
from strawberry.types import ExecutionResult
from typer.testing import CliRunner

from api.cli import app
from api.graphql.schema import build_schema
from api.graphql.text import TextPolicy, _Same, plan_of
from api.textpolicy import (
    DEFAULT_LIMIT,
    LIMITS,
    LIMITS_FILE,
    clean,
    limit_of,
    limits_document,
    refused_character,
)
from domain.shared.errors import ValidationError
from infrastructure.settings import Settings

TAB, NEWLINE, CR, NUL = "\t", "\n", "\r", "\x00"
RLM, LRM = "\u200f", "\u200e"

# controls other than tab and newline (C0, DEL, C1), and the surrogates
REFUSED = st.one_of(
    st.sampled_from([chr(c) for c in (*range(0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0))]),
    st.integers(0xD800, 0xDFFF).map(chr),
)
# any text a client may send, with combining marks and singletons often enough to need NFC
# (a list joined: `st.text` over `one_of` alphabets draws from the first alphabet only, here)
ANY_TEXT = st.lists(
    st.one_of(
        st.characters(exclude_categories=("Cc", "Cs")),
        st.sampled_from("aeiouAEIOUnc\u0300\u0301\u0302\u0308\u0327\u0651\u0650\u212b\u2126"),
    ),
    max_size=60,
).map("".join)
ARABIC = st.characters(min_codepoint=0x0621, max_codepoint=0x0652)  # letters and harakat
FRENCH = st.sampled_from("abcdefghijklmnopqrstuvwxyzàâçéèêëîïôöùûüÿœæÉÈÀÇ '’-.,0123456789")  # noqa: RUF001
BIDI_TEXT = st.lists(st.one_of(ARABIC, FRENCH, st.sampled_from([RLM, LRM, TAB, NEWLINE]))).map(
    "".join
)


def test_exactly_the_controls_but_tab_and_newline_and_the_surrogates_are_refused() -> None:
    for code in range(0x110000):
        character = chr(code)
        control = unicodedata.category(character) == "Cc" and character not in {TAB, NEWLINE}
        surrogate = 0xD800 <= code <= 0xDFFF
        assert (refused_character(character) is not None) == (control or surrogate), hex(code)


@given(before=ANY_TEXT, bad=REFUSED, after=ANY_TEXT)
def test_a_refused_character_is_refused_wherever_it_appears(
    before: str, bad: str, after: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        clean("input.topic", before + bad + after)
    assert refused.value.field == "input.topic"
    assert f"U+{ord(bad):04X}" in refused.value.message


@given(ANY_TEXT)
def test_what_passes_is_in_nfc_and_cleaning_it_again_changes_nothing(text: str) -> None:
    cleaned = clean("name", text)
    assert unicodedata.is_normalized("NFC", cleaned)
    assert cleaned == unicodedata.normalize("NFC", text)
    assert clean("name", cleaned) == cleaned


@given(BIDI_TEXT.filter(lambda t: len(t) <= DEFAULT_LIMIT))
def test_arabic_french_and_direction_marks_pass_unchanged_but_for_nfc(text: str) -> None:
    assert clean("topic", text) == unicodedata.normalize("NFC", text)


def test_arabic_with_diacritics_and_marks_comes_out_exactly_as_typed() -> None:
    typed = f"شهادة انخراط {RLM}— Attestation d’affiliation{LRM} (الصَّنْدُوق)\tCNAM\nفَاتُورَة"  # noqa: RUF001
    assert unicodedata.is_normalized("NFC", typed)
    assert clean("input.topic", typed) == typed


def test_a_decomposed_french_name_is_composed() -> None:
    assert clean("name", "Ame\u0301lie Co\u0302te\u0301") == "Amélie Côté"


def test_carriage_return_is_refused_even_before_a_newline() -> None:
    with pytest.raises(ValidationError, match="U\\+000D"):
        clean("reason", f"first line{CR}{NEWLINE}second line")


@pytest.mark.parametrize(("field", "limit"), [("code", 200), ("input.reason", 500)])
def test_a_text_may_reach_its_limit_but_not_pass_it(field: str, limit: int) -> None:
    assert clean(field, "x" * limit) == "x" * limit
    with pytest.raises(ValidationError, match=f"longer than {limit}") as refused:
        clean(field, "x" * (limit + 1))
    assert refused.value.field == field


def test_the_limit_is_counted_after_normalisation() -> None:
    decomposed = "e\u0301" * DEFAULT_LIMIT  # 400 code points, 200 characters in NFC
    assert clean("name", decomposed) == "é" * DEFAULT_LIMIT


def test_a_field_s_limit_comes_from_its_name_wherever_it_is_given() -> None:
    assert limit_of("input.reason") == limit_of("reason") == LIMITS["reason"]
    assert limit_of("input.documents[3]") == DEFAULT_LIMIT
    assert limit_of("input.commandId") == 100


# --- on GraphQL operations (refusals need no store: nothing runs) ------------------------------


@pytest.fixture(scope="module")
def schema() -> Any:
    return build_schema(Settings())


def run(schema: Any, query: str, variables: dict[str, object] | None = None) -> list[Any]:
    result = asyncio.run(schema.execute(query, variables))
    return [(e.extensions or {}) | {"message": e.message} for e in result.errors or []]


CONTACT = 'commandId: "k", houseId: "h", ticket: "A001", kind: INFORMATION, partnerCode: "CNAM"'


@pytest.mark.parametrize(
    ("query", "variables", "field"),
    [
        ('{ partner(code: "STEG\\u0000") { code } }', None, "code"),
        ("query($c: String!) { partner(code: $c) { code } }", {"c": "STEG\x00"}, "code"),
        ("query($c: String!) { partner(code: $c) { code } }", {"c": "STEG\ud800"}, "code"),
        ('query($c: String = "S\\u001b[2J") { partner(code: $c) { code } }', None, "code"),
        (
            f'mutation {{ recordContact(input: {{{CONTACT}, topic: "a\\u0000b"}}) {{ position }} }}',
            None,
            "input.topic",
        ),
        (
            f"mutation($t: String!) {{ recordContact(input: {{{CONTACT}, topic: $t}}) {{ position }} }}",
            {"t": "a\x85b"},
            "input.topic",
        ),
        (
            "mutation($i: LodgeRequestInput!) { lodgeRequest(input: $i) { id } }",
            {
                "i": {
                    "commandId": "k",
                    "houseId": "h",
                    "ticket": "A001",
                    "citizenId": "c",
                    "partnerCode": "CNAM",
                    "serviceCode": "S",
                    "documents": ["Ordonnance", "Bulletin\x07"],
                }
            },
            "input.documents[1]",
        ),
        (
            (
                'mutation($d: [String!]!) { lodgeRequest(input: {commandId: "k", houseId: "h", '
                'ticket: "A001", citizenId: "c", partnerCode: "C", serviceCode: "S", '
                "documents: $d}) { id } }"
            ),
            {"d": "one\x00"},  # a single value given for a list
            "input.documents",
        ),
        (
            '{ ...on Query { requests(houseId: "h", partnerCode: "STEG\\r") { hasNextPage } } }',
            None,
            "partnerCode",
        ),
        (
            'query Q { ...F } fragment F on Query { catalogue(partnerCode: "\\u0000") { code } }',
            None,
            "partnerCode",
        ),
        ('{ partner(code: "%s") { code } }' % ("x" * 201), None, "code"),
        (
            'query($d: Date!) { collections(houseId: "h", businessDate: $d) { net } }',
            {"d": "2026-01-06\x00"},
            "businessDate",
        ),
    ],
)
def test_a_refused_text_is_a_validation_error_naming_its_path(
    schema: Any, query: str, variables: dict[str, object] | None, field: str
) -> None:
    [error] = run(schema, query, variables)
    assert (error["code"], error["field"]) == ("VALIDATION", field), error
    assert error["message"].startswith(f"{field}: ")


def test_a_refused_variable_is_refused_again_when_the_document_comes_from_the_cache(
    schema: Any,
) -> None:
    query = "query($c: String!) { partner(code: $c) { code } }"
    for _ in range(3):
        [error] = run(schema, query, {"c": "STEG\x00"})
        assert error["code"] == "VALIDATION"


@strawberry.type
class _Ping:
    ping: str = "pong"


@strawberry.type
class _Echo:
    @strawberry.subscription
    async def echo(self, text: str) -> AsyncGenerator[str, None]:
        yield text


async def _subscribe(text: str) -> list[Any]:
    echoes = strawberry.Schema(query=_Ping, subscription=_Echo, extensions=[TextPolicy])
    query = "subscription($t: String!) { echo(text: $t) }"
    stream = await echoes.subscribe(query, variable_values={"t": text})
    assert not isinstance(stream, ExecutionResult)
    return [result async for result in stream]


def test_a_subscription_s_text_is_refused_or_handed_over_in_nfc_too() -> None:
    [refused] = asyncio.run(_subscribe("a\x00"))
    [error] = refused.errors
    assert isinstance(error.original_error, ValidationError)
    assert error.original_error.field == "text"
    [echoed] = asyncio.run(_subscribe("Ame\u0301l"))
    assert echoed.data == {"echo": "Amél"}


def _graphql_schema(schema: Any) -> GraphQLSchema:
    inner: GraphQLSchema = schema._schema
    return inner


def _literals(document: Any) -> list[str]:
    found: list[str] = []

    class Collect(Visitor):
        def enter_string_value(self, node: StringValueNode, *_: object) -> None:
            found.append(node.value)

    visit(document, Collect())
    return found


def test_literals_reach_execution_in_nfc_and_the_cached_document_is_left_as_parsed(
    schema: Any,
) -> None:
    document = parse(
        'mutation { enrollAgent(input: {commandId: "k", houseId: "h", '
        'employeeNumber: "A1", displayName: "Ame\\u0301l"}) { id } }'
    )
    plan = plan_of(_Same(_graphql_schema(schema)), _Same(document), None)
    assert plan is not None
    assert "Amél" in _literals(plan.document)
    assert "Ame\u0301l" in _literals(document)
    assert plan_of(_Same(_graphql_schema(schema)), _Same(document), None) is plan


def test_variables_reach_execution_in_nfc_at_every_depth(schema: Any) -> None:
    document = parse("mutation($i: LodgeRequestInput!) { lodgeRequest(input: $i) { id } }")
    plan = plan_of(_Same(_graphql_schema(schema)), _Same(document), None)
    assert plan is not None
    given_input = {"commandId": "k", "documents": ["Re\u0301ce\u0301pisse\u0301"], "extra": 1}
    cleaned = plan.clean_variables({"i": given_input})
    assert cleaned["i"]["documents"] == ["Récépissé"]
    assert cleaned["i"]["extra"] == 1  # coercion refuses what the type does not know


def test_the_limits_document_is_current(schema: Any) -> None:
    assert LIMITS_FILE.read_text(encoding="utf-8") == limits_document(_graphql_schema(schema)), (
        "docs/text.md is stale: run `dar text-limits --write`"
    )


def test_dar_text_limits_prints_the_document(schema: Any) -> None:
    result = CliRunner().invoke(app, ["text-limits"])
    assert result.exit_code == 0, result.output
    assert result.output == limits_document(_graphql_schema(schema))
