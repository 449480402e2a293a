"""Errors as a contract: every refusal reaches the client with a stable code; nothing else leaks.

Applied in the schema's `process_errors`, which strawberry calls on every path (parse,
validation, execution, subscriptions) before the response is formatted.

A Dar error keeps its message and gets its code, and `retryable: true` when the same request may
succeed later (`STORE_BUSY`, `CONFLICT`, `OUTCOME_UNKNOWN`, `STALE`). A malformed or over-limit
query gets `BAD_QUERY` or `QUERY_TOO_COMPLEX`, and so does a value of the document that cannot
even be read (an error located in the document, outside any field, whatever raised it).
Anything unexpected is logged with a reference, and the client receives only `INTERNAL` with
that reference: no message, no stack trace.

In production no message suggests a name ("Did you mean …?"): graphql-core adds suggestions for
unknown fields, arguments, types, input fields and enum values, which would reveal the schema
that introspection hides. They are cut here, in one place, whatever rule added them.
"""

from __future__ import annotations

import logging
import re
import uuid

from graphql.error import GraphQLError

from domain.shared.errors import DarError

log = logging.getLogger("dar.api")

INTERNAL = "INTERNAL"
BAD_QUERY = "BAD_QUERY"
QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
UNREADABLE_VALUE = "a value in the query cannot be read"
_LIMIT_WORDS = ("exceeds maximum operation depth", "aliases found", "tokens. Parsing aborted")
# graphql-core's suggestion: " Did you mean 'x'?", "… 'x' or 'y'?", "… the enum value 'X'?"
_SUGGESTION = re.compile(r"\s*Did you mean\b.*?\?(?=\s|$)", re.DOTALL)


class TooManySubscribersError(DarError):
    """As many screens as allowed follow this house already (per API process): retry later."""

    code = "TOO_MANY_SUBSCRIBERS"
    retryable = True


def without_suggestions(message: str) -> str:
    """The message with every "Did you mean …?" removed."""
    return _SUGGESTION.sub("", message)


def root_cause(error: BaseException | None) -> BaseException | None:
    """The innermost original error (graphql-core wraps scalar errors in other errors)."""
    seen: set[int] = set()
    while isinstance(error, GraphQLError) and error.original_error is not None:
        if id(error) in seen:
            break
        seen.add(id(error))
        error = error.original_error
    return error


def apply_contract(error: GraphQLError, *, suggestions: bool = True) -> None:
    """Rewrite the error, in place, into what the client may see (without suggestions if asked)."""
    if not suggestions:
        error.message = without_suggestions(error.message)
    if (error.extensions or {}).get("code"):
        return  # already in the contract's form
    cause = root_cause(error)
    if isinstance(cause, DarError):
        extensions: dict[str, object] = {"code": cause.code}
        if cause.retryable:
            extensions["retryable"] = True  # the same request may succeed later, unchanged
        field = getattr(cause, "field", None)
        if field:
            extensions["field"] = field
        extensions.update(getattr(cause, "details", None) or {})  # e.g. the failed projection
        _set(error, cause.message, extensions)
    elif cause is None or isinstance(cause, GraphQLError):
        words = error.message
        code = QUERY_TOO_COMPLEX if any(w in words for w in _LIMIT_WORDS) else BAD_QUERY
        _set(error, words, {"code": code})
    elif error.path is None and error.nodes:
        # a value written in the document could not be read (an integer literal of 5,000 digits):
        # found while validating, before any resolver ran, so the request's fault, not Dar's
        _set(error, UNREADABLE_VALUE, {"code": BAD_QUERY})
    else:
        reference = uuid.uuid4().hex[:12]
        log.error("unexpected error %s", reference, exc_info=cause)
        message = f"internal error (reference {reference})"
        _set(error, message, {"code": INTERNAL, "reference": reference})


def _set(error: GraphQLError, message: str, extensions: dict[str, object]) -> None:
    error.message = message
    error.extensions = extensions
    error.original_error = None
    error.__cause__ = None
