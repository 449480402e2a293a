"""How Dar refuses credentials over HTTP (RFC 6750).

A request that presents a credential which does not verify (a malformed `Authorization` header,
a token that is forged, of `alg=none`, expired, out of range, or of a subject that may not act)
is refused with 401, `WWW-Authenticate: Bearer error="invalid_token"` and a JSON error with the
code `UNAUTHENTICATED`, whatever it asks for. A request without a credential is anonymous: public
fields answer it, the others refuse it with `UNAUTHENTICATED` and the plain `Bearer` challenge.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from api.auth import UnauthenticatedError
from api.graphql.context import CredentialRefusedError

CHALLENGE = 'Bearer realm="dar"'
INVALID_TOKEN = 'Bearer realm="dar", error="invalid_token"'  # noqa: S105 - a challenge


def refused(error: UnauthenticatedError, *, presented: bool, graphql: bool) -> JSONResponse:
    """The 401 answer: GraphQL-shaped for /graphql, `{code, message}` elsewhere.

    The reason stays in the body: a header carries only fixed ASCII text.
    """
    body: dict[str, object] = {"code": error.code, "message": error.message}
    if graphql:
        body = {"errors": [{"message": error.message, "extensions": {"code": error.code}}]}
    challenge = INVALID_TOKEN if presented else CHALLENGE
    return JSONResponse(body, 401, headers={"WWW-Authenticate": challenge})


async def _refuse_credential(_: Request, error: Exception) -> Response:
    assert isinstance(error, CredentialRefusedError)  # noqa: S101 - registered for this class only
    return refused(error.error, presented=True, graphql=True)


def refuse_invalid_credentials(app: FastAPI) -> None:
    """GraphQL over HTTP: a credential that does not verify is refused before any resolver."""
    app.add_exception_handler(CredentialRefusedError, _refuse_credential)
