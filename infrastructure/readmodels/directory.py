"""The directory read model's tables, on either store."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import fields
from datetime import date
from typing import Any, TypeVar
from uuid import UUID

from infrastructure.readmodels.database import ReadDatabase, SqlCursor, as_uuid
from infrastructure.readmodels.working_set import TableSpec, WorkingSet
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
TABLES = {
    "houses": "house_id {uuid} PRIMARY KEY, code {text} NOT NULL UNIQUE, name_ar {text} NOT NULL, "
    "name_fr {text} NOT NULL, municipality {text} NOT NULL, governorate {text} NOT NULL",
    "counters": "house_id {uuid} NOT NULL, number {bigint} NOT NULL, label {text} NOT NULL, "
    "agent_id {uuid}, PRIMARY KEY (house_id, number)",
    "lines": "house_id {uuid} NOT NULL, prefix {text} NOT NULL, name {text} NOT NULL, "
    "services {text} NOT NULL, priority {bigint} NOT NULL, PRIMARY KEY (house_id, prefix)",
    "agents": "agent_id {uuid} PRIMARY KEY, employee_number {text} NOT NULL, house_id {uuid} "
    "NOT NULL, display_name {text} NOT NULL, active {bigint} NOT NULL",
    "accreditations": "agent_id {uuid} NOT NULL, partner_id {uuid} NOT NULL, expires_on {text} "
    "NOT NULL, PRIMARY KEY (agent_id, partner_id)",
    "grants": "grant_id {uuid} PRIMARY KEY, house_id {uuid} NOT NULL, partner_id {uuid} NOT NULL, "
    "convention_reference {text} NOT NULL, convention_version {text} NOT NULL, services {text} "
    "NOT NULL, starts_on {text} NOT NULL, ends_on {text} NOT NULL, may_collect {bigint} NOT NULL, "
    "ceiling_millimes {bigint}, state {text} NOT NULL",
    "catalogue": "service_id {uuid} PRIMARY KEY, partner_code {text} NOT NULL, code {text} "
    "NOT NULL, name_ar {text} NOT NULL, name_fr {text} NOT NULL, mode {text} NOT NULL, fee_rule "
    "{text} NOT NULL, fee_millimes {bigint}, deadline_days {bigint}, withdrawn {bigint} NOT NULL",
}
KEYS = {
    "houses": ("house_id",),
    "counters": ("house_id", "number"),
    "lines": ("house_id", "prefix"),
    "agents": ("agent_id",),
    "accreditations": ("agent_id", "partner_id"),
    "grants": ("grant_id",),
    "catalogue": ("service_id",),
}
ROWS: dict[str, type] = {
    "houses": HouseRow,
    "counters": CounterRow,
    "lines": LineRow,
    "agents": AgentRow,
    "accreditations": AccreditationRow,
    "grants": GrantRow,
    "catalogue": CatalogueRow,
}
COLUMNS = {table: tuple(f.name for f in fields(row)) for table, row in ROWS.items()}


def create_directory_tables(db: ReadDatabase) -> None:
    """The tables of this projection version."""
    with db.write() as cur:
        for name, spec in TABLES.items():
            cur.execute(
                db.ddl("CREATE TABLE IF NOT EXISTS {schema}" + name + V + " (" + spec + ")")
            )


def _services(text: str) -> tuple[str, ...]:
    return tuple(s for s in text.split(",") if s)


def _row_values(row: object) -> tuple[object, ...]:
    values: list[object] = []
    for value in vars(row).values():
        if isinstance(value, tuple):
            values.append(",".join(value))
        elif isinstance(value, bool):
            values.append(int(value))
        elif isinstance(value, date):
            values.append(value.isoformat())
        else:
            values.append(value)
    return tuple(values)


class DirectoryTables:
    """The directory's writer: upserts and point reads through the batch's working set."""

    def __init__(self, db: ReadDatabase, cur: SqlCursor) -> None:
        self._sets: dict[str, WorkingSet[Any]] = {
            table: WorkingSet(db, cur, spec) for table, spec in SPECS.items()
        }

    def _put(self, table: str, row: object) -> None:
        values = vars(row)
        self._sets[table].put(row, *(values[k] for k in KEYS[table]))

    def put_house(self, row: HouseRow) -> None:
        """See DirectoryWriter."""
        self._put("houses", row)

    def put_counter(self, row: CounterRow) -> None:
        """See DirectoryWriter."""
        self._put("counters", row)

    def put_line(self, row: LineRow) -> None:
        """See DirectoryWriter."""
        self._put("lines", row)

    def put_agent(self, row: AgentRow) -> None:
        """See DirectoryWriter."""
        self._put("agents", row)

    def put_accreditation(self, row: AccreditationRow) -> None:
        """See DirectoryWriter."""
        self._put("accreditations", row)

    def drop_accreditation(self, agent_id: UUID, partner_id: UUID) -> None:
        """See DirectoryWriter."""
        self._sets["accreditations"].delete(agent_id, partner_id)

    def put_grant(self, row: GrantRow) -> None:
        """See DirectoryWriter."""
        self._put("grants", row)

    def put_service(self, row: CatalogueRow) -> None:
        """See DirectoryWriter."""
        self._put("catalogue", row)

    def counter(self, house_id: UUID, number: int) -> CounterRow | None:
        """See DirectoryWriter."""
        found: CounterRow | None = self._sets["counters"].get(house_id, number)
        return found

    def line(self, house_id: UUID, prefix: str) -> LineRow | None:
        """See DirectoryWriter."""
        found: LineRow | None = self._sets["lines"].get(house_id, prefix)
        return found

    def agent(self, agent_id: UUID) -> AgentRow | None:
        """See DirectoryWriter."""
        found: AgentRow | None = self._sets["agents"].get(agent_id)
        return found

    def grant(self, grant_id: UUID) -> GrantRow | None:
        """See DirectoryWriter."""
        found: GrantRow | None = self._sets["grants"].get(grant_id)
        return found

    def service(self, service_id: UUID) -> CatalogueRow | None:
        """See DirectoryWriter."""
        found: CatalogueRow | None = self._sets["catalogue"].get(service_id)
        return found

    def flush(self) -> None:
        """Write the batch's directory rows."""
        for rows in self._sets.values():
            rows.flush()


def _optional_int(value: object) -> int | None:
    return None if value is None else int(str(value))


def house_row(r: tuple[object, ...]) -> HouseRow:
    """A house from its row."""
    return HouseRow(as_uuid(r[0]), *(str(v) for v in r[1:6]))


def counter_row(r: tuple[object, ...]) -> CounterRow:
    """A counter from its row."""
    return CounterRow(as_uuid(r[0]), int(str(r[1])), str(r[2]), as_uuid(r[3]) if r[3] else None)


def line_row(r: tuple[object, ...]) -> LineRow:
    """A line from its row."""
    return LineRow(as_uuid(r[0]), str(r[1]), str(r[2]), _services(str(r[3])), bool(r[4]))


def agent_row(r: tuple[object, ...]) -> AgentRow:
    """An agent from its row."""
    return AgentRow(as_uuid(r[0]), str(r[1]), as_uuid(r[2]), str(r[3]), active=bool(r[4]))


def accreditation_row(r: tuple[object, ...]) -> AccreditationRow:
    """An accreditation from its row."""
    return AccreditationRow(as_uuid(r[0]), as_uuid(r[1]), date.fromisoformat(str(r[2])))


def grant_row(r: tuple[object, ...]) -> GrantRow:
    """A grant from its row."""
    return GrantRow(
        as_uuid(r[0]),
        as_uuid(r[1]),
        as_uuid(r[2]),
        str(r[3]),
        str(r[4]),
        _services(str(r[5])),
        date.fromisoformat(str(r[6])),
        date.fromisoformat(str(r[7])),
        bool(r[8]),
        _optional_int(r[9]),
        str(r[10]),
    )


def catalogue_row(r: tuple[object, ...]) -> CatalogueRow:
    """A catalogue entry from its row."""
    return CatalogueRow(
        as_uuid(r[0]),
        str(r[1]),
        str(r[2]),
        str(r[3]),
        str(r[4]),
        str(r[5]),
        str(r[6]),
        _optional_int(r[7]),
        _optional_int(r[8]),
        withdrawn=bool(r[9]),
    )


_READ = {
    "houses": house_row,
    "counters": counter_row,
    "lines": line_row,
    "agents": agent_row,
    "accreditations": accreditation_row,
    "grants": grant_row,
    "catalogue": catalogue_row,
}
SPECS: dict[str, TableSpec[Any]] = {
    table: TableSpec(table + V, COLUMNS[table], KEYS[table], _row_values, read)
    for table, read in _READ.items()
}


class DirectoryQueries:
    """Reads the directory."""

    def __init__(self, db: ReadDatabase) -> None:
        self._db = db

    def _select(
        self, table: str, where: str = "", params: tuple[object, ...] = (), order: str = ""
    ) -> list[tuple[object, ...]]:
        sql = f"SELECT {', '.join(COLUMNS[table])} FROM {self._db.table(table + V)}"
        sql += f" WHERE {where}" if where else ""
        sql += f" ORDER BY {order}" if order else ""
        try:
            with self._db.read() as cur:
                cur.execute(sql, params)
                return cur.fetchall()
        except StaleError:
            return []

    def houses(self) -> list[HouseRow]:
        """Every house, by code."""
        return [house_row(r) for r in self._select("houses", order="code")]

    def house(self, house_id: UUID) -> HouseRow | None:
        """One house."""
        rows = self._select("houses", "house_id = ?", (house_id,))
        return house_row(rows[0]) if rows else None

    def counters(self, house_id: UUID) -> list[CounterRow]:
        """A house's counters."""
        return [
            counter_row(r) for r in self._select("counters", "house_id = ?", (house_id,), "number")
        ]

    def lines(self, house_id: UUID) -> list[LineRow]:
        """A house's service lines."""
        return [line_row(r) for r in self._select("lines", "house_id = ?", (house_id,), "prefix")]

    def counters_by_house(self, house_ids: Sequence[UUID]) -> dict[UUID, list[CounterRow]]:
        """The counters of each of these houses, in one query (houses without any: absent)."""
        rows = self._select_in("counters", "house_id", house_ids, "number")
        return _grouped([counter_row(r) for r in rows], lambda row: row.house_id)

    def lines_by_house(self, house_ids: Sequence[UUID]) -> dict[UUID, list[LineRow]]:
        """The service lines of each of these houses, in one query."""
        rows = self._select_in("lines", "house_id", house_ids, "prefix")
        return _grouped([line_row(r) for r in rows], lambda row: row.house_id)

    def accreditations_by_agent(
        self, agent_ids: Sequence[UUID]
    ) -> dict[UUID, list[AccreditationRow]]:
        """The accreditations of each of these agents, in one query."""
        rows = self._select_in("accreditations", "agent_id", agent_ids)
        return _grouped([accreditation_row(r) for r in rows], lambda row: row.agent_id)

    def _select_in(
        self, table: str, column: str, keys: Sequence[UUID], order: str = ""
    ) -> list[tuple[object, ...]]:
        if not keys:
            return []
        where = f"{column} IN ({', '.join('?' for _ in keys)})"
        return self._select(table, where, tuple(keys), order)

    def agents(self, house_id: UUID) -> list[AgentRow]:
        """A house's agents."""
        return [
            agent_row(r)
            for r in self._select("agents", "house_id = ?", (house_id,), "employee_number")
        ]

    def accreditations(self, agent_id: UUID) -> list[AccreditationRow]:
        """An agent's accreditations."""
        return [
            accreditation_row(r)
            for r in self._select("accreditations", "agent_id = ?", (agent_id,))
        ]

    def grants(
        self, house_id: UUID, partner_id: UUID | None = None, state: str | None = None
    ) -> list[GrantRow]:
        """A house's grants, optionally of one partner or in one state."""
        where, params = "house_id = ?", [house_id]
        if partner_id is not None:
            where, params = where + " AND partner_id = ?", [*params, partner_id]
        if state is not None:
            where, params = where + " AND state = ?", [*params, state]  # type: ignore[list-item]
        return [grant_row(r) for r in self._select("grants", where, tuple(params), "starts_on")]

    def expiring(self, today: date, days: int = 30) -> list[GrantRow]:
        """Grants not revoked whose last day falls within `days` of `today`."""
        until = date.fromordinal(today.toordinal() + days)
        where = "state <> 'revoked' AND ends_on >= ? AND ends_on <= ?"
        return [
            grant_row(r)
            for r in self._select(
                "grants", where, (today.isoformat(), until.isoformat()), "ends_on"
            )
        ]

    def catalogue(self, partner_code: str) -> list[CatalogueRow]:
        """A partner's services, withdrawn ones included (flagged)."""
        return [
            catalogue_row(r)
            for r in self._select("catalogue", "partner_code = ?", (partner_code,), "code")
        ]


def _grouped(rows: list[R], key: Callable[[R], UUID]) -> dict[UUID, list[R]]:
    """Rows by their parent's id, each parent's rows in the order read."""
    groups: dict[UUID, list[R]] = {}
    for row in rows:
        groups.setdefault(key(row), []).append(row)
    return groups
