"""Two runners on one read database: each event is still applied exactly once.

That happens with two workers, or an API left embedded beside the worker.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any
from uuid import NAMESPACE_URL, uuid5

from eventsourcing.domain import DomainEventProtocol

from api.bootstrap import Dar
from application.partners.commands import RegisterPartner
from infrastructure.readmodels.database import ReadDatabase, SqlCursor
from infrastructure.readmodels.runner import ProjectionRunner, Registered

EVENTS = 60


class Counter:
    """Counts the events it is given: a double application shows as a wrong count."""

    name = "counter"
    version = 1

    @property
    def key(self) -> str:
        return f"{self.name}_v{self.version}"

    def apply(self, _: DomainEventProtocol[Any], position: int, writer: SqlCursor) -> None:
        writer.execute("UPDATE counter_v1 SET n = n + 1, last = ?", (position,))


def create_counter(db: ReadDatabase) -> None:
    with db.write() as cur:
        cur.execute(
            db.ddl("CREATE TABLE IF NOT EXISTS {schema}counter_v1 (n {bigint}, last {bigint})")
        )
        cur.execute(f"DELETE FROM {db.table('counter_v1')}")
        cur.execute(f"INSERT INTO {db.table('counter_v1')} VALUES (0, 0)")


def counting_runner(dar: Dar) -> ProjectionRunner:
    counter: Registered[Any] = Registered(
        projection=Counter(),
        writer=_Qualified,
        create_tables=lambda _: None,
    )
    return ProjectionRunner(dar.store, dar.read.db, [counter])


class _Qualified:
    """Runs the counter's statement against the schema-qualified table."""

    def __init__(self, db: ReadDatabase, cur: SqlCursor) -> None:
        self._db = db
        self._cur = cur

    def execute(self, sql: str, params: tuple[object, ...]) -> None:
        self._cur.execute(sql.replace("counter_v1", self._db.table("counter_v1")), params)


def test_two_runners_apply_every_event_exactly_once(dar: Dar) -> None:
    for i in range(EVENTS):
        code = f"P{uuid5(NAMESPACE_URL, str(i)).hex[:8].upper()}"
        dar.partners.register_partner(
            RegisterPartner(
                command_id=f"c{i}", actor="admin:1", code=code, name_ar="شريك", name_fr=code
            )
        )
    dar.read.db.ensure_tracking()
    create_counter(dar.read.db)
    first, second = counting_runner(dar), counting_runner(dar)
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda runner: [runner.catch_up() for _ in range(5)], [first, second]))
    with dar.read.db.read() as cur:
        cur.execute(f"SELECT n, last FROM {dar.read.db.table('counter_v1')}")
        assert cur.fetchone() == (EVENTS, EVENTS)
    assert dar.read.db.tracked("counter_v1") == EVENTS
