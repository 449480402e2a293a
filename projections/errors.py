"""Errors of the read side."""

from __future__ import annotations

from domain.shared.errors import DarError


class StaleError(DarError):
    """The read models have not reached what was asked (or are not built yet); retry shortly."""

    code = "STALE"
    retryable = True


class ProjectionFailedError(DarError):
    """A read model the query needs is stopped at an event it cannot apply; an operator must act."""

    code = "PROJECTION_FAILED"

    def __init__(self, projection: str, position: int, error: str) -> None:
        super().__init__(
            f"the read model {projection} is stopped before position {position}, an event it "
            f"cannot apply ({error}); it retries by itself, and an operator can act on it "
            "(dar projections status)"
        )
        self.details: dict[str, object] = {"projection": projection, "position": position}
