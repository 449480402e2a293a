"""Errors of the read side."""

from __future__ import annotations

from domain.shared.errors import DarError


class StaleError(DarError):
    """The read models have not reached what was asked (or are not built yet); retry shortly."""

    code = "STALE"
    retryable = True
