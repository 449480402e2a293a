"""A loopback TCP proxy in front of PostgreSQL that can lose the reply to a COMMIT.

When armed, it forwards the client's COMMIT, waits for the server's `CommandComplete COMMIT`
(the transaction is then durable), drops that reply and closes both connections: the client
sees a broken connection and cannot know whether its transaction committed.

A batch of the group committer is one statement in autocommit (its own transaction): there the
reply lost is the batch function's, once it ends with `ReadyForQuery`, which the server sends
only after it committed the statement's transaction.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from types import TracebackType
from typing import Self

COMMIT_COMPLETE = b"C\x00\x00\x00\x0bCOMMIT\x00"
BATCH_RESULT = b"statuses\x00"  # the first column of `dar_append_batch`'s row description
READY = b"Z\x00\x00\x00\x05"
CHUNK = 65536


class CommitCuttingProxy:
    """Forwards 127.0.0.1:<port> to the server; `arm()` makes it cut the next COMMIT's reply."""

    def __init__(self, upstream_port: int) -> None:
        self._upstream = ("127.0.0.1", upstream_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._armed = threading.Event()
        self.cuts = 0
        self._closed = False
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._closed = True
        self._listener.close()

    def arm(self) -> None:
        """Lose the reply to the next COMMIT that completes on the server."""
        self._armed.set()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(self._upstream)
            threading.Thread(
                target=self._pump, args=(client, server), kwargs={"from_server": False}, daemon=True
            ).start()
            threading.Thread(
                target=self._pump, args=(server, client), kwargs={"from_server": True}, daemon=True
            ).start()

    def _pump(self, source: socket.socket, sink: socket.socket, *, from_server: bool) -> None:
        tail = b""
        try:
            while data := source.recv(CHUNK):
                window = tail + data
                if from_server and self._armed.is_set() and _reports_a_commit(window):
                    self._armed.clear()
                    self.cuts += 1
                    _close(source, sink)
                    return
                tail = window[-len(COMMIT_COMPLETE) :]
                sink.sendall(data)
        except OSError:
            pass
        _close(source, sink)


def _reports_a_commit(reply: bytes) -> bool:
    """Whether this reply tells of a committed transaction: a COMMIT's, or a batch's."""
    if COMMIT_COMPLETE in reply:
        return True
    batch = reply.find(BATCH_RESULT)
    return batch >= 0 and READY in reply[batch:]


def _close(*sockets: socket.socket) -> None:
    for s in sockets:
        with contextlib.suppress(OSError):
            s.shutdown(socket.SHUT_RDWR)
        s.close()
