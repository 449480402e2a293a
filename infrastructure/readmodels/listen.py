"""PostgreSQL tells other processes what was committed: LISTEN on the channels commits NOTIFY.

Two channels, each heard through one connection (a thread) per process however many wait on it:
- the event log's (`PostgresWakeUp`): the recorder NOTIFYs when a command commits events; the
  projection runner's followers wake at once instead of polling;
- the read models' (`ReadModelListener`): a projection runner NOTIFYs, in the transaction that
  records a batch's position, the projection key and position (`change_payload`); PostgreSQL
  delivers it only if and when that transaction commits. The API process's listener announces it
  on its `ReadModelChanges`, which wakes the subscriptions waiting on that read model.

A notification lost while a connection was down is not replayed: the followers catch up when the
connection comes back, and the subscriptions' slow poll (`api.graphql.watch`) sees the change.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import psycopg
from psycopg import sql

from infrastructure.readmodels.database import parse_change
from infrastructure.readmodels.runner import NewEvents, ReadModelChanges

log = logging.getLogger(__name__)
READ_LISTENER = "dar-read-listener"  # its thread's name and its connection's application_name
STOP_WITHIN = 0.1  # seconds: how soon the listener sees it is stopped


def _listen(  # noqa: PLR0913 - where, what to do on each notification and on (re)connecting
    url: str,
    channel: str,
    *,
    on_notify: Callable[[str], None],
    on_connect: Callable[[], None],
    stop: threading.Event,
    name: str,
    wait: float = 1.0,
) -> None:
    """LISTEN on `channel` until `stop` is set (seen within `wait` s); reconnect after a failure."""
    while not stop.is_set():
        try:
            with psycopg.connect(url, autocommit=True, application_name=name) as conn:
                conn.execute(sql.SQL("LISTEN {0}").format(sql.Identifier(channel)))
                on_connect()
                while not stop.is_set():
                    for notify in conn.notifies(timeout=wait):
                        on_notify(notify.payload)
        except psycopg.Error as error:
            if stop.is_set():
                return  # stopped while the database went away (a test drops it): nothing to say
            log.warning("listening on %s failed, retrying: %s", channel, error)
            stop.wait(1.0)


class PostgresWakeUp:
    """Signals `NewEvents` in this process whenever any process commits events."""

    def __init__(self, url: str, channel: str) -> None:
        self._url = url
        self._channel = channel
        self._thread: threading.Thread | None = None

    def start(self, signal: NewEvents, stop: threading.Event) -> None:
        """Listen in a background thread until `stop` is set."""
        self._thread = threading.Thread(
            target=_listen,
            args=(self._url, self._channel),
            kwargs={
                "on_notify": lambda _: signal.signal(),
                "on_connect": signal.signal,  # catch up on what was committed while not listening
                "stop": stop,
                "name": "dar-listen",
            },
            name="dar-listen",
            daemon=True,
        )
        self._thread.start()


class ReadModelListener:
    """Announces on `changes` every read-model change any process's runner commits."""

    def __init__(self, url: str, channel: str, changes: ReadModelChanges) -> None:
        self._url = url
        self._channel = channel
        self._changes = changes
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Listen in one background thread until `stop`."""
        self._thread = threading.Thread(
            target=_listen,
            args=(self._url, self._channel),
            kwargs={
                "on_notify": self._heard,
                "on_connect": _nothing,
                "stop": self._stop,
                "name": READ_LISTENER,
                "wait": STOP_WITHIN,
            },
            name=READ_LISTENER,
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop listening: the thread closes its connection and ends within `STOP_WITHIN`."""
        self._stop.set()

    def _heard(self, payload: str) -> None:
        change = parse_change(payload)
        if change is not None:
            self._changes.announce(*change)


def _nothing() -> None:
    """Nothing to catch up on connecting: the subscriptions' slow poll covers the gap."""
