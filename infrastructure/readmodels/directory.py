"""The directory read model's tables, on either store."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, TypeVar
from uuid import UUID

from infrastructure.readmodels.database import ReadDatabase, SqlCursor
from infrastructure.readmodels.tables import Table, create_tables
from infrastructure.readmodels.working_set import WorkingSet
from projections.directory.projection import DirectoryProjection
from projections.directory.view import (
    AccreditationRow,
    AgentRow,
    CatalogueRow,
    CounterRow,
    GrantRow,
    HouseRow,
    LineRow,
)
from projections.errors import StaleError

R = TypeVar("R")
V = f"_v{DirectoryProjection.version}"
HOUSES = Table("houses" + V, HouseRow, ("house_id",), unique=("code",))
COUNTERS = Table("counters" + V, CounterRow, ("house_id", "number"))
LINES = Table("lines" + V, LineRow, ("house_id", "prefix"))
AGENTS = Table("agents" + V, AgentRow, ("agent_id",))
ACCREDITATIONS = Table("accreditations" + V, AccreditationRow, ("agent_id", "partner_id"))
GRANTS = Table("grants" + V, GrantRow, ("grant_id",))
CATALOGUE = Table("catalogue" + V, CatalogueRow, ("service_id",))
ALL: tuple[Table[Any], ...] = (
    HOUSES,
    COUNTERS,
    LINES,
    AGENTS,
    ACCREDITATIONS,
    GRANTS,
    CATALOGUE,
)


def create_directory_tables(db: ReadDatabase) -> None:
    """The tables of this projection version."""
    create_tables(db, *ALL)


class DirectoryTables:
    """The directory's writer: upserts and point reads through the batch's working set."""

    def __init__(self, db: ReadDatabase, cur: SqlCursor) -> None:
        self._sets: dict[str, WorkingSet[Any]] = {
            table.name: WorkingSet(db, cur, table.spec) for table in ALL
        }

    def _put(self, table: Table[Any], row: object) -> None:
        self._sets[table.name].put(row, *table.key_of(row))

    def _get(self, table: Table[Any], *key: object) -> Any:  # noqa: ANN401 - the table's row
        return self._sets[table.name].get(*table.key_params(*key))

    def put_house(self, row: HouseRow) -> None:
        """See DirectoryWriter."""
        self._put(HOUSES, row)

    def put_counter(self, row: CounterRow) -> None:
        """See DirectoryWriter."""
        self._put(COUNTERS, row)

    def put_line(self, row: LineRow) -> None:
        """See DirectoryWriter."""
        self._put(LINES, row)

    def put_agent(self, row: AgentRow) -> None:
        """See DirectoryWriter."""
        self._put(AGENTS, row)

    def put_accreditation(self, row: AccreditationRow) -> None:
        """See DirectoryWriter."""
        self._put(ACCREDITATIONS, row)

    def drop_accreditation(self, agent_id: UUID, partner_id: UUID) -> None:
        """See DirectoryWriter."""
        self._sets[ACCREDITATIONS.name].delete(*ACCREDITATIONS.key_params(agent_id, partner_id))

    def put_grant(self, row: GrantRow) -> None:
        """See DirectoryWriter."""
        self._put(GRANTS, row)

    def put_service(self, row: CatalogueRow) -> None:
        """See DirectoryWriter."""
        self._put(CATALOGUE, row)

    def counter(self, house_id: UUID, number: int) -> CounterRow | None:
        """See DirectoryWriter."""
        found: CounterRow | None = self._get(COUNTERS, house_id, number)
        return found

    def line(self, house_id: UUID, prefix: str) -> LineRow | None:
        """See DirectoryWriter."""
        found: LineRow | None = self._get(LINES, house_id, prefix)
        return found

    def agent(self, agent_id: UUID) -> AgentRow | None:
        """See DirectoryWriter."""
        found: AgentRow | None = self._get(AGENTS, agent_id)
        return found

    def grant(self, grant_id: UUID) -> GrantRow | None:
        """See DirectoryWriter."""
        found: GrantRow | None = self._get(GRANTS, grant_id)
        return found

    def service(self, service_id: UUID) -> CatalogueRow | None:
        """See DirectoryWriter."""
        found: CatalogueRow | None = self._get(CATALOGUE, service_id)
        return found

    def flush(self) -> None:
        """Write the batch's directory rows."""
        for rows in self._sets.values():
            rows.flush()


class DirectoryQueries:
    """Reads the directory."""

    def __init__(self, db: ReadDatabase) -> None:
        self._db = db

    def _select(
        self, table: Table[Any], where: str = "", params: tuple[object, ...] = (), order: str = ""
    ) -> list[Any]:
        try:
            with self._db.read() as cur:
                cur.execute(table.select(self._db, where, order), params)
                return [table.row(r) for r in cur.fetchall()]
        except StaleError:
            return []

    def houses(self) -> list[HouseRow]:
        """Every house, by code."""
        return self._select(HOUSES, order="code")

    def house(self, house_id: UUID) -> HouseRow | None:
        """One house."""
        rows = self._select(HOUSES, "house_id = ?", (house_id,))
        return rows[0] if rows else None

    def counters(self, house_id: UUID) -> list[CounterRow]:
        """A house's counters."""
        return self._select(COUNTERS, "house_id = ?", (house_id,), "number")

    def lines(self, house_id: UUID) -> list[LineRow]:
        """A house's service lines."""
        return self._select(LINES, "house_id = ?", (house_id,), "prefix")

    def counters_by_house(self, house_ids: Sequence[UUID]) -> dict[UUID, list[CounterRow]]:
        """The counters of each of these houses, in one query (houses without any: absent)."""
        rows: list[CounterRow] = self._select_in(COUNTERS, "house_id", house_ids, "number")
        return _grouped(rows, lambda row: row.house_id)

    def lines_by_house(self, house_ids: Sequence[UUID]) -> dict[UUID, list[LineRow]]:
        """The service lines of each of these houses, in one query."""
        rows: list[LineRow] = self._select_in(LINES, "house_id", house_ids, "prefix")
        return _grouped(rows, lambda row: row.house_id)

    def accreditations_by_agent(
        self, agent_ids: Sequence[UUID]
    ) -> dict[UUID, list[AccreditationRow]]:
        """The accreditations of each of these agents, in one query."""
        rows: list[AccreditationRow] = self._select_in(ACCREDITATIONS, "agent_id", agent_ids)
        return _grouped(rows, lambda row: row.agent_id)

    def _select_in(
        self, table: Table[Any], column: str, keys: Sequence[UUID], order: str = ""
    ) -> list[Any]:
        if not keys:
            return []
        where = f"{column} IN ({', '.join('?' for _ in keys)})"
        return self._select(table, where, tuple(keys), order)

    def agents(self, house_id: UUID) -> list[AgentRow]:
        """A house's agents."""
        return self._select(AGENTS, "house_id = ?", (house_id,), "employee_number")

    def accreditations(self, agent_id: UUID) -> list[AccreditationRow]:
        """An agent's accreditations."""
        return self._select(ACCREDITATIONS, "agent_id = ?", (agent_id,))

    def grants(
        self, house_id: UUID, partner_id: UUID | None = None, state: str | None = None
    ) -> list[GrantRow]:
        """A house's grants, optionally of one partner or in one state."""
        where, params = "house_id = ?", [house_id]
        if partner_id is not None:
            where, params = where + " AND partner_id = ?", [*params, partner_id]
        if state is not None:
            where, params = where + " AND state = ?", [*params, state]  # type: ignore[list-item]
        return self._select(GRANTS, where, tuple(params), "starts_on")

    def expiring(self, today: date, days: int = 30) -> list[GrantRow]:
        """Grants not revoked whose last day falls within `days` of `today`."""
        until = date.fromordinal(today.toordinal() + days)
        where = "state <> 'revoked' AND ends_on >= ? AND ends_on <= ?"
        return self._select(GRANTS, where, (today.isoformat(), until.isoformat()), "ends_on")

    def catalogue(self, partner_code: str) -> list[CatalogueRow]:
        """A partner's services, withdrawn ones included (flagged)."""
        return self._select(CATALOGUE, "partner_code = ?", (partner_code,), "code")


def _grouped(rows: list[R], key: Callable[[R], UUID]) -> dict[UUID, list[R]]:
    """Rows by their parent's id, each parent's rows in the order read."""
    groups: dict[UUID, list[R]] = {}
    for row in rows:
        groups.setdefault(key(row), []).append(row)
    return groups
