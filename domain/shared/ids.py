"""Ids: deterministic for natural keys (a house code, an employee number), random otherwise.

Random ids come from `new_id`. A process that must replay the same history twice (the simulator)
installs its own source with `ids_from`, for its own context only; everywhere else they are uuid4.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

_source: ContextVar[Callable[[], UUID]] = ContextVar("dar_id_source", default=uuid4)


def natural_id(kind: str, *key: str) -> UUID:
    """The id of the `kind` known by `key`: the same key always gives the same id."""
    return uuid5(NAMESPACE_URL, "urn:dar:" + kind + ":" + "/".join(key))


def new_id() -> UUID:
    """A new id for an object without a natural key (a citizen, a request, a payment)."""
    return _source.get()()


@contextmanager
def ids_from(source: Callable[[], UUID]) -> Iterator[None]:
    """New ids come from `source` within this block (of this thread or task only)."""
    token = _source.set(source)
    try:
        yield
    finally:
        _source.reset(token)
