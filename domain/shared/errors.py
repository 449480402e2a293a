"""The typed errors of Dar. Each carries a stable code that the API exposes as a contract."""

from __future__ import annotations

from typing import ClassVar


class DarError(Exception):
    """A refusal that Dar can explain to its caller. Nothing was recorded."""

    code: ClassVar[str] = "DAR_ERROR"
    retryable: ClassVar[bool] = False  # true: the same request may succeed later, unchanged

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationError(DarError):
    """The input breaks a rule of form (length, alphabet, format), named in the message."""

    code = "VALIDATION"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class InvalidTransitionError(DarError):
    """The object's state does not allow this step (the message says which state and why)."""

    code = "INVALID_TRANSITION"


class NotFoundError(DarError):
    """The object named does not exist (or is not visible to the caller)."""

    code = "NOT_FOUND"


class AlreadyExistsError(DarError):
    """The object the command would create exists already."""

    code = "ALREADY_EXISTS"


class UnchangedError(DarError):
    """The command would change nothing; nothing was recorded."""

    code = "UNCHANGED"


class ForbiddenError(DarError):
    """The caller's role may not do this (or the object belongs to another house)."""

    code = "FORBIDDEN"
