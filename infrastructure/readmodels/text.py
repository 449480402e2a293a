"""Text the read-model stores can hold, the same on both.

The event log keeps any text a command was given (its state is JSON bytes), but PostgreSQL text
refuses NUL, and neither driver can encode a lone surrogate to UTF-8. A read model must never stop
on text the log holds, and both stores must hold the same text, so every string written to (or
looked up in) a read model goes through `storable`.
"""

from __future__ import annotations

import re

REPLACEMENT = "\ufffd"
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(text: str) -> str:
    """The text with NUL and lone surrogates replaced by U+FFFD; anything else kept as it is."""
    if text.isascii() and "\x00" not in text:  # most text: a check at C speed, no copy
        return text
    return _UNSTORABLE.sub(REPLACEMENT, text) if _UNSTORABLE.search(text) else text


def storable_param(value: object) -> object:
    """A statement parameter made storable: strings are cleaned, other values pass through."""
    return storable(value) if isinstance(value, str) else value
