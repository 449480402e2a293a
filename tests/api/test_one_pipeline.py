"""Every mutation goes through the one pipeline (`api.graphql.pipeline`), enumerated from the schema.

A mutation's resolver must be the one `mutation(...)` built: roles declared on the operation,
the caller resolved once, the input's own command, `execute`, typed answer. A resolver written by
hand fails here.
"""

from __future__ import annotations

from typing import cast

import pytest
import strawberry

from api.auth import Principal, Role, TokenService, UnauthenticatedError
from api.bootstrap import Dar
from api.graphql.context import Context
from api.graphql.pipeline import BUILT
from api.graphql.schema import build_schema
from api.metrics import Metrics
from infrastructure.settings import Settings


def off_the_pipeline(schema: strawberry.Schema) -> set[str]:
    """The schema's mutations whose resolver the pipeline did not build."""
    mutation = schema.get_type_by_name("Mutation")
    assert mutation is not None
    names = schema.config.name_converter
    return {
        names.get_graphql_name(field)
        for field in mutation.fields  # type: ignore[union-attr]
        if field.base_resolver is None or field.base_resolver.wrapped_func not in BUILT
    }


def test_every_mutation_goes_through_the_one_pipeline() -> None:
    assert off_the_pipeline(build_schema(Settings())) == set(), "write it with api.graphql.pipeline"


def test_a_mutation_written_by_hand_is_seen_off_the_pipeline() -> None:
    @strawberry.type
    class Query:
        ping: bool = True

    @strawberry.type
    class Mutation:
        @strawberry.mutation
        def by_hand(self) -> bool:
            return True

    assert off_the_pipeline(strawberry.Schema(query=Query, mutation=Mutation)) == {"byHand"}


def test_the_caller_is_resolved_once_per_request() -> None:
    context = Context(
        dar=cast("Dar", object()),
        tokens=cast("TokenService", object()),
        metrics=cast("Metrics", object()),
        principal=Principal(subject="A17", role=Role.AGENT, house="haidra"),
    )
    first = context.caller()
    assert context.caller() is first
    assert (first.actor, first.house_code, first.employee, first.partner) == (
        "agent:A17",
        "haidra",
        "A17",
        None,
    )


def test_an_anonymous_request_has_no_caller() -> None:
    context = Context(
        dar=cast("Dar", object()),
        tokens=cast("TokenService", object()),
        metrics=cast("Metrics", object()),
    )
    with pytest.raises(UnauthenticatedError):
        context.caller()
