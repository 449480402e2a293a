"""`isinstance(event, (A, B, ...))` for the projections' hot paths, answered once per event type.

Domain event classes have the library's metaclass, so an `isinstance` against a tuple of them
walks the tuple at Python speed (microseconds, once per event of a rebuild). An event's type
decides the answer, so it is worked out the first time a type is seen and remembered.
"""

from __future__ import annotations

from typing import Any, TypeGuard


class Kinds:
    """A set of event classes; `of(event)` says whether the event is an instance of one."""

    def __init__(self, *classes: type) -> None:
        self.classes = classes
        self._seen: dict[type, bool] = {}

    def of(self, event: object) -> TypeGuard[Any]:
        """`isinstance(event, self.classes)` (one of them: its fields may be read)."""
        kind = type(event)
        seen = self._seen.get(kind)
        if seen is None:
            seen = self._seen[kind] = issubclass(kind, self.classes)
        return seen
