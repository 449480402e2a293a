"""The schema's caches hold: an operation seen before is neither parsed nor validated again."""

from __future__ import annotations

import asyncio

import pytest
import strawberry.schema.schema as strawberry_schema
from graphql import GraphQLError
from graphql import validate as graphql_validate

from api.graphql.schema import build_schema
from infrastructure.settings import Settings

QUERY = "query Again { __typename }"


def test_a_repeated_operation_is_validated_once(monkeypatch: pytest.MonkeyPatch) -> None:
    schema = build_schema(Settings())
    validated: list[str] = []

    def counted(*args: object, **kwargs: object) -> list[GraphQLError]:
        validated.append(QUERY)
        return graphql_validate(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(strawberry_schema, "validate", counted)

    async def three_times() -> None:
        for _ in range(3):
            result = await schema.execute(QUERY)
            assert result.errors is None
            assert result.data == {"__typename": "Query"}

    asyncio.run(three_times())
    assert len(validated) == 1


def test_the_depth_limit_still_refuses_a_deep_operation() -> None:
    schema = build_schema(Settings(max_query_depth=1))
    deep = "{ houses { counters { number } } }"
    result = asyncio.run(schema.execute(deep))
    assert result.errors is not None
    assert "exceeds maximum operation depth" in str(result.errors[0])
