"""Fields loaded per parent cost one read-model query per field, whatever the number of parents."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.auth import Role
from api.bootstrap import Dar
from api.http import create_app
from application.houses.commands import AccreditAgent, AddCounter, AddServiceLine, EnrollAgent
from application.partners.commands import RegisterPartner
from infrastructure.readmodels import directory as directory_tables
from infrastructure.readmodels.database import SqlCursor
from infrastructure.settings import Settings
from tests.support.api import graphql, token_for
from tests.support.staff import ensure_house

HOUSES_QUERY = """
query ($at: Position) {
  houses(atLeastPosition: $at) { code counters { number agentId } lines { prefix services } }
}
"""
AGENTS_QUERY = """
query ($house: ID!, $at: Position) {
  agents(houseId: $house, atLeastPosition: $at) { employeeNumber accreditations { partnerId } }
}
"""
DIRECTORY = tuple(table.name for table in directory_tables.ALL)


class _CountingCursor:
    """The read model's own cursor; counts the statements that read the directory's tables."""

    def __init__(self, cursor: SqlCursor, seen: list[str]) -> None:
        self._cursor = cursor
        self._seen = seen

    def execute(self, sql: str, params: Sequence[object] = ()) -> None:
        if any(table in sql for table in DIRECTORY):
            self._seen.append(sql)
        self._cursor.execute(sql, params)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


@pytest.fixture
def directory_reads(dar: Dar, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every statement the read side sends to the directory's tables from now on."""
    seen: list[str] = []
    db = dar.read.db
    read = db.read

    @contextmanager
    def counted() -> Iterator[SqlCursor]:
        with read() as cursor:
            yield _CountingCursor(cursor, seen)

    monkeypatch.setattr(db, "read", counted)
    return seen


def _house(dar: Dar, code: str) -> None:
    ensure_house(dar, code)
    for number in (1, 2):
        dar.houses.add_counter(
            AddCounter(
                command_id=f"counter-{code}-{number}",
                actor="admin:test",
                house_code=code,
                number=number,
                label=f"Guichet {number}",
            )
        )
    dar.houses.add_service_line(
        AddServiceLine(
            command_id=f"line-{code}",
            actor="admin:test",
            house_code=code,
            prefix="A",
            name="Accueil",
            services=("STEG:duplicate",),
            priority=False,
        )
    )


def _agent(dar: Dar, number: str) -> None:
    dar.houses.enroll_agent(
        EnrollAgent(
            command_id=f"enrol-{number}",
            actor="admin:test",
            employee_number=number,
            house_code="h0",
            display_name=number,
        )
    )
    dar.houses.accredit_agent(
        AccreditAgent(
            command_id=f"accredit-{number}",
            actor="admin:test",
            employee_number=number,
            partner_code="LOADER",
            expires_on=date(2030, 1, 1),
        )
    )


def _house_id(client: TestClient, settings: Settings, dar: Dar) -> str:
    query = "query ($at: Position) { houses(atLeastPosition: $at) { id } }"
    body = graphql(client, query, {"at": dar.store.position()}, token_for(settings, Role.ADMIN))
    house_id: str = body["data"]["houses"][0]["id"]
    return house_id


def _reads_of(
    client: TestClient, settings: Settings, dar: Dar, seen: list[str], query: str, **v: object
) -> tuple[int, dict[str, Any]]:
    """How many directory statements one operation sent, and its data."""
    variables = {"at": dar.store.position(), **v}
    graphql(client, query, variables, token_for(settings, Role.ADMIN))  # read models caught up
    seen.clear()
    body = graphql(client, query, variables, token_for(settings, Role.ADMIN))
    assert "errors" not in body, body
    return len(seen), body["data"]


def test_houses_with_counters_and_lines_cost_the_same_queries_for_one_house_or_six(
    dar: Dar, store_settings: Settings, directory_reads: list[str]
) -> None:
    _house(dar, "h0")
    with TestClient(create_app(store_settings, dar)) as client:
        one, data = _reads_of(client, store_settings, dar, directory_reads, HOUSES_QUERY)
        assert [len(h["counters"]) for h in data["houses"]] == [2]
        for n in range(1, 6):
            _house(dar, f"h{n}")
        six, data = _reads_of(client, store_settings, dar, directory_reads, HOUSES_QUERY)
    assert [len(h["counters"]) for h in data["houses"]] == [2] * 6
    assert [len(h["lines"]) for h in data["houses"]] == [1] * 6
    assert one == six == 3  # houses, then the counters and the lines of all of them


def test_agents_with_accreditations_cost_the_same_queries_for_one_agent_or_five(
    dar: Dar, store_settings: Settings, directory_reads: list[str]
) -> None:
    _house(dar, "h0")
    dar.partners.register_partner(
        RegisterPartner(command_id="p", actor="admin:test", code="LOADER", name_ar="ش", name_fr="L")
    )
    _agent(dar, "E1")
    with TestClient(create_app(store_settings, dar)) as client:
        house = {"house": _house_id(client, store_settings, dar)}
        one, data = _reads_of(client, store_settings, dar, directory_reads, AGENTS_QUERY, **house)
        for n in range(2, 6):
            _agent(dar, f"E{n}")
        five, data = _reads_of(client, store_settings, dar, directory_reads, AGENTS_QUERY, **house)
    assert [len(a["accreditations"]) for a in data["agents"]] == [1] * 5
    assert one == five == 2  # the agents, then the accreditations of all of them
