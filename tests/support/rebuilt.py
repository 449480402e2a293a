"""A read model built event by event equals the same read model rebuilt from zero.

Shared by the statistics' property tests (service figures and inclusion figures): a generated
history is appended chunk by chunk, the read models catching up after each chunk; then the named
read models are rebuilt from zero and every row of their tables must be the same.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from api.bootstrap import Dar, bootstrap, projections
from infrastructure.readmodels.rebuild import rebuild
from infrastructure.readmodels.tables import Table
from infrastructure.settings import Settings

_memory = itertools.count(1)


def table_rows(dar: Dar, tables: Sequence[Table[Any]]) -> dict[str, list[tuple[str, ...]]]:
    """Every row of these tables, in key order, as text."""
    db = dar.read.db
    found = {}
    with db.read() as cur:
        for table in tables:
            cur.execute(table.select(db, order=", ".join(table.key)))
            found[table.name] = [tuple(str(v) for v in row) for row in cur.fetchall()]
    return found


def assert_incremental_equals_rebuilt(
    dar: Dar, events: list[Any], sizes: list[int], tables: Sequence[Table[Any]], key_prefix: str
) -> None:
    """Appended chunk by chunk, caught up after each, then rebuilt: the same tables."""
    start = 0
    for size in itertools.cycle(sizes):
        if start >= len(events):
            break
        dar.store.save(*events[start : start + size])
        start += size
        dar.projections.catch_up()
    incremental = table_rows(dar, tables)
    chosen = [r for r in projections() if r.key.startswith(key_prefix)]
    rebuild(dar.store, dar.read.db, chosen, now=lambda: datetime.now(tz=UTC))
    assert table_rows(dar, tables) == incremental
    assert any(incremental.values())


def memory_dar(name: str) -> Iterator[Dar]:
    """A Dar on a fresh in-memory SQLite store, its read models prepared; closed afterwards."""
    url = f"sqlite:///file:dar_{name}_{next(_memory)}?mode=memory&cache=shared"
    dar = bootstrap(Settings(database_url=url))
    dar.projections.prepare()
    try:
        yield dar
    finally:
        dar.close()
