"""Each read-model table comes from one spec: its DDL is the stored schema, and rows round-trip.

The expected DDL below is the schema the stores already hold (as written by hand before the
specs): a spec that drifts from it would leave existing databases with tables its statements
do not fit.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from infrastructure.readmodels import access_log, directory, partners, payments, queue, requests
from infrastructure.readmodels.database import ReadDatabase
from infrastructure.readmodels.setup import open_read_database
from infrastructure.readmodels.tables import Table, create_tables
from infrastructure.readmodels.working_set import WorkingSet
from infrastructure.settings import Settings

TABLES: list[Table[Any]] = [
    *partners.ALL,
    *directory.ALL,
    *access_log.ALL,
    *queue.ALL,
    *requests.ALL,
    *payments.ALL,
]
# "@" stands for the table's name; "{...}" are the dialect's type names, as ReadDatabase.ddl has them
STORED = {
    partners.PARTNERS: [
        (
            "CREATE TABLE {schema}@ (partner_id {uuid} PRIMARY KEY, code {text} NOT NULL UNIQUE, "
            "name_ar {text} NOT NULL, name_fr {text} NOT NULL, registered_at {time} NOT NULL, "
            "position {bigint} NOT NULL)"
        )
    ],
    directory.HOUSES: [
        (
            "CREATE TABLE {schema}@ (house_id {uuid} PRIMARY KEY, code {text} NOT NULL UNIQUE, "
            "name_ar {text} NOT NULL, name_fr {text} NOT NULL, municipality {text} NOT NULL, "
            "governorate {text} NOT NULL)"
        )
    ],
    directory.COUNTERS: [
        (
            "CREATE TABLE {schema}@ (house_id {uuid} NOT NULL, number {bigint} NOT NULL, "
            "label {text} NOT NULL, agent_id {uuid}, PRIMARY KEY (house_id, number))"
        )
    ],
    directory.LINES: [
        (
            "CREATE TABLE {schema}@ (house_id {uuid} NOT NULL, prefix {text} NOT NULL, "
            "name {text} NOT NULL, services {text} NOT NULL, priority {bigint} NOT NULL, "
            "PRIMARY KEY (house_id, prefix))"
        )
    ],
    directory.AGENTS: [
        (
            "CREATE TABLE {schema}@ (agent_id {uuid} PRIMARY KEY, employee_number {text} NOT NULL, "
            "house_id {uuid} NOT NULL, display_name {text} NOT NULL, active {bigint} NOT NULL)"
        )
    ],
    directory.ACCREDITATIONS: [
        (
            "CREATE TABLE {schema}@ (agent_id {uuid} NOT NULL, partner_id {uuid} NOT NULL, "
            "expires_on {text} NOT NULL, PRIMARY KEY (agent_id, partner_id))"
        )
    ],
    directory.GRANTS: [
        (
            "CREATE TABLE {schema}@ (grant_id {uuid} PRIMARY KEY, house_id {uuid} NOT NULL, "
            "partner_id {uuid} NOT NULL, convention_reference {text} NOT NULL, "
            "convention_version {text} NOT NULL, services {text} NOT NULL, starts_on {text} NOT NULL, "
            "ends_on {text} NOT NULL, may_collect {bigint} NOT NULL, ceiling_millimes {bigint}, "
            "state {text} NOT NULL)"
        )
    ],
    directory.CATALOGUE: [
        (
            "CREATE TABLE {schema}@ (service_id {uuid} PRIMARY KEY, partner_code {text} NOT NULL, "
            "code {text} NOT NULL, name_ar {text} NOT NULL, name_fr {text} NOT NULL, "
            "mode {text} NOT NULL, fee_rule {text} NOT NULL, fee_millimes {bigint}, "
            "deadline_days {bigint}, withdrawn {bigint} NOT NULL)"
        )
    ],
    access_log.ACCESS_LOG: [
        (
            "CREATE TABLE {schema}@ (access_id {uuid} PRIMARY KEY, citizen_id {uuid} NOT NULL, "
            "actor {text} NOT NULL, at {time} NOT NULL, purpose {text} NOT NULL, "
            "operation {text} NOT NULL, fields {text} NOT NULL, house_id {uuid}, "
            "position {bigint} NOT NULL)"
        ),
        "CREATE INDEX @_citizen ON {schema}@ (citizen_id, position)",
        "CREATE INDEX @_actor ON {schema}@ (actor, position)",
        "CREATE INDEX @_at ON {schema}@ (at)",
    ],
    queue.QUEUES_TABLE: [
        (
            "CREATE TABLE {schema}@ (queue_id {uuid} PRIMARY KEY, house_id {uuid} NOT NULL, "
            "prefix {text} NOT NULL, day {text} NOT NULL)"
        )
    ],
    queue.TICKETS_TABLE: [
        (
            "CREATE TABLE {schema}@ (house_id {uuid} NOT NULL, day {text} NOT NULL, "
            "label {text} NOT NULL, line {text} NOT NULL, visit_id {uuid} NOT NULL, priority {text}, "
            "status {text} NOT NULL, counter {bigint}, for_counter {bigint}, "
            "issued_at {time} NOT NULL, waiting_since {time} NOT NULL, first_called_at {time}, "
            "called_at {time}, ended_at {time}, position {bigint} NOT NULL, "
            "PRIMARY KEY (house_id, day, label))"
        )
    ],
    requests.REQUESTS_TABLE: [
        (
            "CREATE TABLE {schema}@ (request_id {uuid} PRIMARY KEY, house_id {uuid} NOT NULL, "
            "visit_id {uuid} NOT NULL, citizen_id {uuid} NOT NULL, partner_code {text} NOT NULL, "
            "service_code {text} NOT NULL, mode {text} NOT NULL, status {text} NOT NULL, "
            "receipt {text} NOT NULL UNIQUE, documents {text} NOT NULL, lodged_at {time} NOT NULL, "
            "due_on {text}, partner_reference {text}, note {text}, updated_at {time} NOT NULL, "
            "lodged_position {bigint} NOT NULL, position {bigint} NOT NULL, "
            # new in requests v3: when the file last went to the partner, and its decision
            "sent_position {bigint}, decided_at {time}, decided_on {text}, "
            "decided_position {bigint})"
        ),
        "CREATE INDEX @_house ON {schema}@ (house_id, lodged_position)",
        "CREATE INDEX @_partner ON {schema}@ (partner_code, status)",
        "CREATE INDEX @_citizen ON {schema}@ (citizen_id)",
        "CREATE INDEX @_decided ON {schema}@ (partner_code, decided_position)",
        "CREATE INDEX @_sent ON {schema}@ (partner_code, sent_position)",
        "CREATE INDEX @_last_sent ON {schema}@ (sent_position)",
    ],
    requests.VISITS_TABLE: [
        "CREATE TABLE {schema}@ (visit_id {uuid} PRIMARY KEY, house_id {uuid} NOT NULL)"
    ],
    requests.CONTACTS_TABLE: [
        (
            "CREATE TABLE {schema}@ (position {bigint} PRIMARY KEY, visit_id {uuid} NOT NULL, "
            "house_id {uuid} NOT NULL, kind {text} NOT NULL, partner_code {text} NOT NULL, "
            "topic {text} NOT NULL, at {time} NOT NULL)"
        )
    ],
    requests.HOLIDAYS_TABLE: [  # new in requests v2
        (
            "CREATE TABLE {schema}@ (house_id {uuid} NOT NULL, day {text} NOT NULL, "
            "PRIMARY KEY (house_id, day))"
        )
    ],
    payments.PAYMENTS_TABLE: [
        (
            "CREATE TABLE {schema}@ (payment_id {uuid} PRIMARY KEY, request_id {uuid} NOT NULL, "
            "house_id {uuid} NOT NULL, house_code {text} NOT NULL, partner_code {text} NOT NULL, "
            "service_code {text} NOT NULL, method {text} NOT NULL, amount_millimes {bigint} NOT NULL, "
            "status {text} NOT NULL, captured_millimes {bigint} NOT NULL, "
            "refunded_millimes {bigint} NOT NULL, refunds_pending_millimes {bigint} NOT NULL, "
            "receipt {text}, bill_reference {text}, initiated_at {time} NOT NULL, "
            "captured_at {time}, business_date {text}, note {text}, updated_at {time} NOT NULL, "
            "initiated_position {bigint} NOT NULL, position {bigint} NOT NULL)"
        ),
        "CREATE INDEX @_request ON {schema}@ (request_id, initiated_position)",
        "CREATE INDEX @_house_day ON {schema}@ (house_id, business_date)",
        "CREATE INDEX @_house_status ON {schema}@ (house_id, status, initiated_position)",
        "CREATE UNIQUE INDEX @_receipt ON {schema}@ (receipt)",
    ],
    payments.REFUNDS_TABLE: [
        (
            "CREATE TABLE {schema}@ (payment_id {uuid} NOT NULL, refund_id {text} NOT NULL, "
            "house_id {uuid} NOT NULL, partner_code {text} NOT NULL, method {text} NOT NULL, "
            "amount_millimes {bigint} NOT NULL, status {text} NOT NULL, requested_by {text} NOT NULL, "
            "approved_by {text}, business_date {text}, position {bigint} NOT NULL, "
            "PRIMARY KEY (payment_id, refund_id))"
        ),
        "CREATE INDEX @_house_day ON {schema}@ (house_id, business_date)",
    ],
}
OLD = "stored_"  # the hand-written tables are created under this prefix, beside the specs'
Shape = tuple[frozenset[tuple[object, ...]], frozenset[tuple[object, ...]]]


@pytest.fixture
def db(store_settings: Settings) -> Iterator[ReadDatabase]:
    """The read-model database of a fresh store, writable."""
    database = open_read_database(store_settings, projector=True)
    yield database
    database.close()


def _shape(db: ReadDatabase, name: str) -> Shape:
    """The table's columns (name, type, not null) and indexes (name, unique, columns)."""
    with db.read() as cur:
        if db.kind == "sqlite":
            cur.execute(f"SELECT name, type, \"notnull\", pk FROM pragma_table_info('{name}')")
            columns = frozenset(cur.fetchall())
            cur.execute(
                "SELECT l.name, l.\"unique\", group_concat(i.name, ',') FROM "
                f"pragma_index_list('{name}') AS l, pragma_index_info(l.name) AS i "
                'GROUP BY l.name, l."unique"'
            )
        else:
            schema = db.prefix.strip('".')
            cur.execute(
                "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
                "WHERE table_schema = ? AND table_name = ?",
                (schema, name),
            )
            columns = frozenset(cur.fetchall())
            cur.execute(
                "SELECT ci.relname, i.indisunique, string_agg(a.attname, ',' ORDER BY k.ord) "
                "FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid "
                "JOIN pg_class ci ON ci.oid = i.indexrelid "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) "
                "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum "
                "WHERE n.nspname = ? AND c.relname = ? GROUP BY ci.relname, i.indisunique",
                (schema, name),
            )
        indexes = frozenset(
            (str(n).replace(name, "@"), bool(u), str(c)) for n, u, c in cur.fetchall()
        )
    return columns, indexes


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_a_tables_spec_creates_the_table_the_store_already_holds(
    db: ReadDatabase, table: Table[Any]
) -> None:
    create_tables(db, table)
    with db.write() as cur:
        for statement in STORED[table]:
            cur.execute(db.ddl(statement.replace("@", OLD + table.name)))
    columns, indexes = _shape(db, table.name)
    assert columns  # the table exists
    assert (columns, indexes) == _shape(db, OLD + table.name)


def _value(hint: object, n: int) -> object:
    """A value of the field's type, different for each `n` (None for an optional field at 0)."""
    if isinstance(hint, types.UnionType):
        return None if n == 0 else _value(typing.get_args(hint)[0], n)
    samples: dict[object, object] = {
        UUID: uuid4(),
        str: f"نص {n} — text\x1f{n}" if n else "",
        bool: n % 2 == 1,
        int: 2**40 + n,
        datetime: datetime(2026, 3, 1, 8, 30, 15, 123456, tzinfo=UTC) + timedelta(days=n, hours=n),
        date: date(2026, 3, 1) + timedelta(days=n),
        tuple[str, ...]: ("Bulletin de soins", f"Ordonnance {n}") if n else (),
    }
    return samples[hint]


def _sample(table: Table[Any], n: int) -> Any:
    hints = typing.get_type_hints(table.row_type)
    return table.row_type(**{c: _value(hints[c], n) for c in table.columns})


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_a_row_written_through_its_spec_reads_back_equal(
    db: ReadDatabase, table: Table[Any]
) -> None:
    create_tables(db, table)
    sparse, full, batched = _sample(table, 0), _sample(table, 1), _sample(table, 2)
    with db.write() as cur:
        cur.execute(table.insert(db), table.params(sparse))  # one statement
        cur.execute(table.insert(db), table.params(full))
        rows = WorkingSet(db, cur, table.spec)  # the batch's multi-row path
        rows.put(batched, *table.key_of(batched))
        rows.flush()
    with db.write() as cur:
        loaded = WorkingSet(db, cur, table.spec)
        assert [loaded.get(*table.key_of(r)) for r in (sparse, full, batched)] == [
            sparse,
            full,
            batched,
        ]
    with db.read() as cur:
        cur.execute(table.select(db))
        assert {table.row(r) for r in cur.fetchall()} == {sparse, full, batched}
