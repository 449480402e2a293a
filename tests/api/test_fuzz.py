"""Schema-driven fuzzing: no generated request, from any role, gets a server error from Dar.

Every query and mutation of the committed SDL, with generated arguments (hostile ones included),
sent through the real HTTP app on each store to one seeded house. The answer must be JSON, never a
5xx, and never carry an `INTERNAL` error: bad input is a typed refusal. The number of requests is the
Hypothesis profile's `max_examples` per store (`ci`: 1,000; `marathon`: 20,000).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from graphql import parse, validate
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from infrastructure.settings import Settings
from tests.support.fuzz import Call, Seed, calls, fuzzed_schema
from tests.support.fuzz_house import FuzzHouse, contract_broken, fuzz_house
from tests.support.fuzz_values import NOBODY


@pytest.fixture
def house(api_settings: Settings) -> Iterator[FuzzHouse]:
    with fuzz_house(api_settings) as seeded:
        yield seeded


@given(call=calls(Seed(ids={"house": [NOBODY]}), rates=(0,)))
def test_the_generated_documents_with_plausible_values_validate_against_the_schema(
    call: Call,
) -> None:
    document = json.loads(call.body)
    assert validate(fuzzed_schema(), parse(document["query"])) == [], call.describe()


@pytest.mark.timeout(3600)  # the marathon profile's 20,000 requests per store
# one house per store for every example: the fixture is built once, on purpose
@settings(
    suppress_health_check=[
        *settings().suppress_health_check,  # the loaded profile's
        HealthCheck.function_scoped_fixture,
    ]
)
@given(data=st.data())
def test_no_generated_request_gets_a_server_error_or_an_internal_code(
    house: FuzzHouse, data: st.DataObject
) -> None:
    call = data.draw(calls(house.seed), label="call")
    response = house.send(call)
    note(f"{response.status_code} {response.text[:2000]}")
    problem = contract_broken(response)
    assert problem is None, f"{problem}: {call.describe()}\n{response.text[:2000]}"
