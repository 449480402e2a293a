"""One text policy for every text Dar reads from outside.

It covers every GraphQL argument and input field (inline, in variables, as a variable's
default) and the path parameters and body texts of the HTTP routes outside GraphQL. The headers
Dar reads are credentials, refused unless they verify, and the gateway's signature headers, read
only in their exact ASCII forms.

A text is refused, with `VALIDATION` naming where it was given, when it holds:
- a control character (Unicode category Cc: U+0000-U+001F, U+007F-U+009F) other than tab
  (U+0009) and newline (U+000A). NUL is one: PostgreSQL cannot store it, SQLite can, and the two
  stores must hold the same text. Carriage return (U+000D) is one too: Dar's line end is the
  newline alone (browsers' text areas give it), and a lone CR rewrites what a log line shows;
- a lone surrogate (U+D800-U+DFFF, which JSON can escape): no UTF-8 encoder, the databases'
  included, can write it;
- more characters than its limit (counted after normalisation; `LIMITS`, else `DEFAULT_LIMIT`).

What is accepted is normalised to NFC, so that the same words are the same text in both stores
and in every comparison. Arabic and French text, with diacritics and the direction marks
(RLM U+200F, LRM U+200E), pass unchanged but for NFC.

These limits are the edge's outer bound; an object's own rules may be narrower (an agent's
display name holds 100 characters). docs/text.md lists every field with its limit
(`dar text-limits --write`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from fastapi.responses import JSONResponse
from graphql import GraphQLField, GraphQLInputObjectType, GraphQLSchema, get_named_type

from domain.shared.errors import ValidationError

DEFAULT_LIMIT = 200
TEXT_TYPES = frozenset({"String", "ID"})
LIMITS_FILE = Path(__file__).resolve().parents[1] / "docs" / "text.md"

# By field or argument name, wherever it appears (GraphQL or HTTP): free text is longer.
LIMITS: Mapping[str, int] = MappingProxyType(
    {
        "commandId": 100,
        "reason": 500,
        "statement": 60_000,  # a statement's CSV text (larger ones: `dar settlement import`)
    }
)

# The texts Dar reads over HTTP outside GraphQL (route, field as refusals name it), for the docs.
HTTP_TEXTS: tuple[tuple[str, str], ...] = (
    ("GET /receipts/{number}", "number"),
    ("POST /payments/gateway/callback (signed JSON body)", "body.eventId"),
    ("POST /payments/gateway/callback (signed JSON body)", "body.refundId"),
    ("GET, POST /simulated-gateway/pay/{session} (development)", "session"),
)

_REFUSED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_INDEX = re.compile(r"\[\d+\]$")


@lru_cache(maxsize=4096)  # the same few paths come again and again
def limit_of(field: str) -> int:
    """The limit of a field given by its path (`input.documents[2]` is a `documents` item)."""
    name = _INDEX.sub("", field).rsplit(".", 1)[-1]
    return LIMITS.get(name, DEFAULT_LIMIT)


def refused_character(value: str) -> str | None:
    """The first character of `value` that no text may hold, or None."""
    found = _REFUSED.search(value)
    return None if found is None else found.group()


def nfc(value: str) -> str:
    """The text in Unicode normalisation form C (composed)."""
    return value if unicodedata.is_normalized("NFC", value) else unicodedata.normalize("NFC", value)


def clean(field: str, value: str) -> str:
    """`value` in NFC, or a ValidationError naming `field` (see the module's rules)."""
    bad = refused_character(value)
    if bad is not None:
        raise ValidationError(field, _why(bad))
    text = nfc(value)
    limit = limit_of(field)
    if len(text) > limit:
        raise ValidationError(field, f"is longer than {limit} characters")
    return text


def _why(character: str) -> str:
    code = f"U+{ord(character):04X}"
    if "\ud800" <= character <= "\udfff":
        return f"holds a lone surrogate ({code}), which is not text"
    return f"holds the control character {code}: only tab and newline are allowed"


def refusal(error: ValidationError) -> JSONResponse:
    """The HTTP answer to text refused outside GraphQL: 400, with the code and the field."""
    return JSONResponse(
        {"code": error.code, "message": error.message, "field": error.field}, status_code=400
    )


def text_fields(schema: GraphQLSchema) -> Iterator[tuple[str, str, str]]:
    """Every String and ID argument and input field: (where, field, type), in schema order."""
    for name in sorted(schema.type_map):
        type_ = schema.type_map[name]
        if name.startswith("__"):
            continue
        if isinstance(type_, GraphQLInputObjectType):
            yield from _texts(name, type_.fields.items())
        for field_name, definition in (getattr(type_, "fields", None) or {}).items():
            if isinstance(definition, GraphQLField):
                yield from _texts(f"{name}.{field_name}", definition.args.items())


def _texts(where: str, values: Iterable[tuple[str, Any]]) -> Iterator[tuple[str, str, str]]:
    for name, definition in values:
        named = get_named_type(definition.type)
        if named.name in TEXT_TYPES:
            listed = "[]" if "[" in str(definition.type) else ""
            yield where, f"{name}{listed}", named.name


def limits_document(schema: GraphQLSchema) -> str:
    """docs/text.md: the policy's rules and every text field's limit."""
    overrides = [f"| `{name}` | {limit} |" for name, limit in sorted(LIMITS.items())]
    graphql_rows = [
        f"| `{where}` | `{name}` | {kind} | {limit_of(name.removesuffix('[]'))} |"
        for where, name, kind in text_fields(schema)
    ]
    http_rows = [f"| {route} | `{name}` | {limit_of(name)} |" for route, name in HTTP_TEXTS]
    lines = [
        "# Text at the edge",
        "",
        "Every text Dar reads from outside (GraphQL arguments and input fields, given inline or",
        "through variables; HTTP path parameters and bodies) passes one policy, in",
        "`api/textpolicy.py`, before anything else reads it. It is refused with `VALIDATION`,",
        "naming the field (`input.topic`, `input.documents[1]`, `code`), and nothing is recorded,",
        "when it holds:",
        "",
        "- a control character (U+0000-U+001F, U+007F-U+009F) other than tab and newline: NUL,",
        "  which PostgreSQL cannot store, and carriage return too (send newlines alone);",
        "- a lone surrogate (U+D800-U+DFFF), which no UTF-8 encoder can write;",
        "- more characters than its limit, counted after normalisation.",
        "",
        "What is accepted is normalised to NFC before it reaches Dar, so both stores hold the same",
        "text. Arabic and French text, diacritics and direction marks (RLM, LRM) included, pass",
        "unchanged but for NFC. Scalars read from a string (`Date`, `DateTime`, `Money`) follow",
        "the same character rules. These limits are the edge's; an object's own rules may be",
        "narrower (an agent's display name holds 100 characters).",
        "",
        "Generated by `dar text-limits --write`; a test fails when it drifts.",
        "",
        "## Limits",
        "",
        f"Every text holds at most {DEFAULT_LIMIT} characters, except these fields (by name):",
        "",
        "| field | characters |",
        "|---|---|",
        *overrides,
        "",
        "## GraphQL arguments and input fields",
        "",
        "| where | field | type | characters |",
        "|---|---|---|---|",
        *graphql_rows,
        "",
        "## HTTP",
        "",
        "| route | field | characters |",
        "|---|---|---|",
        *http_rows,
        "",
        "The gateway's signature headers are read only when they match their exact ASCII forms;",
        "the `Authorization` header is a credential, refused (401) unless it verifies.",
    ]
    return "\n".join(lines) + "\n"
