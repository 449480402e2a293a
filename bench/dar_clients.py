"""Dar's side: RegisterPartner commands through the real pipeline, and reads of its log."""

from __future__ import annotations

import itertools
from uuid import uuid4

import psycopg
from psycopg import sql

from api.bootstrap import Dar
from application.partners.commands import RegisterPartner
from infrastructure.eventstore.pg_setup import EVENTS_TABLE
from infrastructure.settings import Settings

ACTOR = "bench"
NAME_AR = "شريك"

_COPY_FIRST_EVENT = (
    "INSERT INTO {table} (originator_id, originator_version, topic, state) "
    "SELECT gen_random_uuid(), 1, e.topic, e.state "
    "FROM {table} e CROSS JOIN generate_series(1, %s) "
    "WHERE e.notification_id = (SELECT min(notification_id) FROM {table})"
)


class DarCommandClient:
    """A client that registers a new partner per step, through Dar's command pipeline.

    Codes are unique per client (`P<thread>_<n>`), so every command records one event.
    """

    def __init__(self, dar: Dar, thread: int) -> None:
        self._dar = dar
        self._thread = thread
        self._numbers = itertools.count(1)

    def step(self) -> None:
        """Run one RegisterPartner command."""
        n = next(self._numbers)
        command = RegisterPartner(
            command_id=str(uuid4()),
            actor=ACTOR,
            code=f"P{self._thread}_{n}",
            name_ar=NAME_AR,
            name_fr=f"Partenaire {self._thread}-{n}",
        )
        if self._dar.partners.register_partner(command).replayed:
            msg = f"{command.code} was replayed: the benchmark expects new commands only"
            raise RuntimeError(msg)

    def close(self) -> None:
        """Nothing to release: the Dar instance is shared and closed by its owner."""


def fill_dar_log(dar: Dar, settings: Settings, rows: int) -> None:
    """A log of `rows` events: one real PartnerRegistered, copied by the owner role.

    The copies bypass the pipeline (it would take minutes); reading them needs no decoding.
    """
    DarCommandClient(dar, thread=0).step()
    if settings.owner_database_url is None:
        msg = "filling the log needs the owner role's URL"
        raise ValueError(msg)
    table = sql.Identifier(settings.postgres_schema, EVENTS_TABLE)
    with psycopg.connect(settings.owner_database_url, autocommit=True) as conn:
        conn.execute(sql.SQL(_COPY_FIRST_EVENT).format(table=table), (rows - 1,))
        conn.execute(sql.SQL("VACUUM ANALYZE {0}").format(table))


class DarReader:
    """Reads Dar's log in notification order through the recorder, a page at a time."""

    def __init__(self, dar: Dar, rows: int, page: int) -> None:
        self._dar = dar
        self._rows = rows
        self._page = page

    def read(self) -> int:
        """Read `rows` notifications from the start of the log; how many were read."""
        recorder = self._dar.store.recorder
        total, start = 0, 1
        while total < self._rows:
            batch = recorder.select_notifications(start=start, limit=self._page)
            if not batch:
                break
            total += len(batch)
            start = batch[-1].id + 1
        return total
