"""Opaque cursors of paginated lists: a list's name and the position of its last item shown.

A cursor names its list, so one list's cursor handed to another is refused rather than misread.
"""

from __future__ import annotations

import base64

from api.graphql.scalars import MAX_POSITION
from domain.shared.errors import ValidationError


def cursor(kind: str, position: int) -> str:
    """The cursor after the item at `position` of the list `kind`."""
    return base64.urlsafe_b64encode(f"{kind}:{position}".encode()).decode()


def position_after(kind: str, given: str | None) -> int | None:
    """The position a cursor of the list `kind` names (None without one), else VALIDATION."""
    if given is None:
        return None
    try:
        _, _, value = base64.urlsafe_b64decode(given.encode()).decode().partition(":")
        position = int(value)
    except ValueError:
        position = -1
    if 0 <= position <= MAX_POSITION and given == cursor(kind, position):
        return position
    raise ValidationError("after", "not a cursor of this list")
