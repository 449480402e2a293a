"""The log read by notification on PostgreSQL: the library's query, its rows made at less cost.

The library reads each page as dictionaries in the text protocol (each state sent as hexadecimal
text and decoded back, each row a dictionary, then a `Notification` built field by field). Here
the same statement's rows come in the binary protocol as tuples, and each `Notification` is made
from its tuple at once. Same rows, same objects, in the same order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from eventsourcing.persistence import Notification
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg.sql import SQL, Composed, Identifier


def _notification(values: Sequence[Any]) -> Notification:
    """A `Notification` of one row (a frozen dataclass: its fields set as its __init__ would)."""
    notification = object.__new__(Notification)
    position, originator_id, originator_version, topic, state = values
    object.__setattr__(
        notification,
        "__dict__",
        {
            "id": position,
            "originator_id": originator_id,
            "originator_version": originator_version,
            "topic": topic,
            "state": state,
        },
    )
    return notification


def _notification_rows(_: object) -> Callable[[Sequence[Any]], Notification]:
    return _notification


def select_notifications(  # noqa: PLR0913 - the library's signature
    recorder: PostgresApplicationRecorder,
    start: int | None,
    limit: int,
    stop: int | None = None,
    topics: Sequence[str] = (),
    *,
    inclusive_of_start: bool = True,
) -> Sequence[Notification]:
    """The library's `select_notifications`, read in binary into `Notification`s directly."""
    conditions: list[Composed | SQL] = []
    params: list[object] = []
    if start is not None:
        conditions.append(
            SQL("notification_id >= %s" if inclusive_of_start else "notification_id > %s")
        )
        params.append(start)
    if stop is not None:
        conditions.append(SQL("notification_id <= %s"))
        params.append(stop)
    if topics:
        conditions.append(SQL("topic = ANY(%s)"))
        params.append(list(topics))
    where = SQL(" WHERE ") + SQL(" AND ").join(conditions) if conditions else SQL("")
    statement = SQL(
        "SELECT notification_id, originator_id, originator_version, topic, state "
        "FROM {0}.{1}{2} ORDER BY notification_id LIMIT %s"
    ).format(Identifier(recorder.datastore.schema), Identifier(recorder.events_table_name), where)
    params.append(limit)
    with (
        recorder.datastore.get_connection() as conn,
        conn.cursor(row_factory=_notification_rows, binary=True) as cursor,
    ):
        return cursor.execute(statement, params).fetchall()
