"""Errors as a contract: every refusal reaches the client with a stable code; nothing else leaks.

A Dar error keeps its message and gets its code. A malformed or over-limit query gets
`BAD_QUERY` or `QUERY_TOO_COMPLEX`. Anything unexpected is logged with a reference, and the
client receives only `INTERNAL` with that reference: no message, no stack trace.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql.error import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types.execution import ExecutionResult

from domain.shared.errors import DarError

log = logging.getLogger("dar.api")

INTERNAL = "INTERNAL"
BAD_QUERY = "BAD_QUERY"
QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
_LIMIT_WORDS = ("exceeds maximum operation depth", "aliases found", "maximum number of tokens")


def root_cause(error: BaseException | None) -> BaseException | None:
    """The innermost original error (graphql-core wraps scalar errors in other errors)."""
    seen: set[int] = set()
    while isinstance(error, GraphQLError) and error.original_error is not None:
        if id(error) in seen:
            break
        seen.add(id(error))
        error = error.original_error
    return error


def contract_error(error: GraphQLError) -> GraphQLError:
    """The error as the client may see it."""
    cause = root_cause(error)
    if isinstance(cause, DarError):
        extensions = {"code": cause.code}
        field = getattr(cause, "field", None)
        if field:
            extensions["field"] = field
        return _copy(error, cause.message, extensions)
    if cause is None or isinstance(cause, GraphQLError):
        message = error.message
        code = QUERY_TOO_COMPLEX if any(w in message for w in _LIMIT_WORDS) else BAD_QUERY
        return _copy(error, message, {"code": code})
    reference = uuid.uuid4().hex[:12]
    log.error("unexpected error %s", reference, exc_info=cause)
    return _copy(
        error, f"internal error (reference {reference})", {"code": INTERNAL, "reference": reference}
    )


def _copy(error: GraphQLError, message: str, extensions: dict[str, str]) -> GraphQLError:
    return GraphQLError(
        message=message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=None,
        extensions=extensions,
    )


class ErrorContract(SchemaExtension):
    """Rewrites every error of a result into the contract's form."""

    def on_operation(self) -> Iterator[None]:
        """After the operation, map its errors."""
        yield
        result = self.execution_context.result
        if isinstance(result, (GraphQLExecutionResult, ExecutionResult)) and result.errors:
            result.errors = [contract_error(e) for e in result.errors]
