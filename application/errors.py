"""Errors of the command pipeline, shared by every context."""

from __future__ import annotations

from domain.shared.errors import DarError


class ConflictError(DarError):
    """What the command read or wrote changed before it could be saved; nothing was recorded."""

    code = "CONFLICT"
    retryable = True


class IdempotencyKeyReusedError(DarError):
    """The commandId was already used by this actor for a different command or payload."""

    code = "IDEMPOTENCY_KEY_REUSED"


class OutcomeUnknownError(DarError):
    """The store could not be reached to learn whether the command was recorded.

    Retrying with the same commandId is safe: it returns the first outcome if there was one.
    """

    code = "OUTCOME_UNKNOWN"
    retryable = True


class CommandAlreadyRecordedError(Exception):
    """Raised by a recorder, inside the write transaction, when the command key is taken."""


class StaleReadError(Exception):
    """Raised by a recorder, inside the write transaction, when a declared read changed."""

    def __init__(self, aggregate_id: str) -> None:
        super().__init__(f"aggregate {aggregate_id} changed since it was read")
        self.aggregate_id = aggregate_id


class StoreBusyError(DarError):
    """The store could not serve this in time (a lock held elsewhere): nothing was recorded, retry.

    Raised by the stores when a lock or statement timeout is reached, on a read as on an append.
    Retrying is safe: a command with the same commandId, a query as it was.
    """

    code = "STORE_BUSY"
    retryable = True

    def __init__(
        self,
        message: str = (
            "the store is busy (another session holds what this needs); nothing was recorded: "
            "retry, with the same commandId for a command"
        ),
    ) -> None:
        super().__init__(message)
