"""PostgreSQL tells followers about new events: LISTEN on the channel the recorder NOTIFYs."""

from __future__ import annotations

import logging
import threading

import psycopg
from psycopg import sql

from infrastructure.readmodels.runner import NewEvents

log = logging.getLogger(__name__)


class PostgresWakeUp:
    """Signals `NewEvents` in this process whenever any process commits events."""

    def __init__(self, url: str, channel: str) -> None:
        self._url = url
        self._channel = channel
        self._thread: threading.Thread | None = None

    def start(self, signal: NewEvents, stop: threading.Event) -> None:
        """Listen in a background thread until `stop` is set."""
        self._thread = threading.Thread(
            target=self._listen, args=(signal, stop), name="dar-listen", daemon=True
        )
        self._thread.start()

    def _listen(self, signal: NewEvents, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                with psycopg.connect(self._url, autocommit=True) as conn:
                    conn.execute(sql.SQL("LISTEN {0}").format(sql.Identifier(self._channel)))
                    signal.signal()  # catch up on what was committed while not listening
                    while not stop.is_set():
                        for _ in conn.notifies(timeout=1.0):
                            signal.signal()
            except psycopg.Error as error:
                log.warning("listening for new events failed, retrying: %s", error)
                stop.wait(1.0)
