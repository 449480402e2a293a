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
from collections.abc import Mapping
from functools import lru_cache
from types import MappingProxyType

from fastapi.responses import JSONResponse

from domain.shared.errors import ValidationError

DEFAULT_LIMIT = 200

# By field or argument name, wherever it appears (GraphQL or HTTP): free text is longer.
LIMITS: Mapping[str, int] = MappingProxyType(
    {
        "commandId": 100,
        "reason": 500,
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
