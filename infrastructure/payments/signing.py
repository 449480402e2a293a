"""Gateway callbacks are signed: HMAC-SHA-256 over the send time and the body.

Headers: `X-Gateway-Timestamp` (Unix seconds when the delivery was sent) and `X-Gateway-Signature`
(hex HMAC of `"<timestamp>." + body`). Dar checks the signature before reading anything, then the
age: a delivery older than 300 s (or more than 60 s in the future) at receipt is refused.

A body is bounded before any JSON parser sees it: at most 4 KiB and 4 levels of nesting (a
callback is one flat object), checked by a scan that never recurses.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from datetime import datetime
from uuid import UUID

from application.payments.ports import Notification
from application.store import Clock
from domain.payments.payment import Reported
from domain.shared.errors import DarError, ValidationError

TIMESTAMP_HEADER = "x-gateway-timestamp"
SIGNATURE_HEADER = "x-gateway-signature"
MAX_AGE_SECONDS = 300
MAX_AHEAD_SECONDS = 60
MAX_EVENT_ID = 60  # with the order id, it keys the command that applies it (100 characters)
MAX_CALLBACK_BYTES = 4096
MAX_CALLBACK_DEPTH = 4
# ASCII only: header bytes are read as Latin-1, where "²" is a digit to `str.isdigit`
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"[0-9a-f]{64}")


class BadSignatureError(DarError):
    """The callback's signature is missing or wrong: it is not read."""

    code = "BAD_SIGNATURE"


class StaleCallbackError(DarError):
    """The callback was sent more than 300 s ago (or claims a future time)."""

    code = "STALE_CALLBACK"


class CallbackRateLimitedError(DarError):
    """Too many refused callbacks named this order lately: retry after `Retry-After` seconds."""

    code = "RATE_LIMITED"

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many refused callbacks for this order: retry in {retry_after} s")
        self.retry_after = retry_after


def signature(secret: bytes, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA-256 of `"<timestamp>." + body`."""
    return hmac.new(secret, str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


def signed_headers(secret: bytes, moment: datetime, body: bytes) -> dict[str, str]:
    """The headers of a delivery sent at `moment`."""
    timestamp = int(moment.timestamp())
    return {
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret, timestamp, body),
    }


class CallbackVerifier:
    """Checks a delivery's signature, then its age, then reads it."""

    def __init__(self, secret: bytes, clock: Clock) -> None:
        self._secret = secret
        self._clock = clock

    def verify(
        self, body: bytes, timestamp: str | None, sent_signature: str | None
    ) -> Notification:
        """The notification, or BadSignatureError / StaleCallbackError / a validation error."""
        if not timestamp or not _TIMESTAMP.fullmatch(timestamp):
            raise BadSignatureError("the callback carries no valid timestamp")
        sent = (sent_signature or "").strip().lower()
        if not _SIGNATURE.fullmatch(sent):
            raise BadSignatureError("the callback is not signed")
        expected = signature(self._secret, int(timestamp), body)
        if not hmac.compare_digest(expected, sent):
            raise BadSignatureError("the callback's signature does not match")
        age = self._clock.now().timestamp() - int(timestamp)
        if age > MAX_AGE_SECONDS or age < -MAX_AHEAD_SECONDS:
            raise StaleCallbackError(f"the callback was sent {int(age)} s ago")
        return parse_notification(body)


def json_depth(body: bytes) -> int:
    """How deeply the JSON text nests arrays and objects, found by a flat scan (never recursing).

    Brackets inside strings do not count; the text need not be valid JSON.
    """
    depth = deepest = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # a backslash escapes the next character
                escaped = True
            elif byte == 0x22:  # an unescaped quote ends the string
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in {0x5B, 0x7B}:  # [ {
            depth += 1
            deepest = max(deepest, depth)
        elif byte in {0x5D, 0x7D}:  # ] }
            depth -= 1
    return deepest


def _bounded_json(body: bytes) -> object:
    """The parsed body, refused before parsing when over the size or depth bound."""
    if len(body) > MAX_CALLBACK_BYTES:
        raise ValidationError("body", f"a callback is at most {MAX_CALLBACK_BYTES} bytes")
    if json_depth(body) > MAX_CALLBACK_DEPTH:
        raise ValidationError("body", f"a callback nests at most {MAX_CALLBACK_DEPTH} levels")
    try:
        return json.loads(body)
    except ValueError:
        raise ValidationError("body", "not a callback Dar reads") from None


def parse_notification(body: bytes) -> Notification:
    """A signed body: `{"orderId", "eventId", "status"}` or `{"orderId", "eventId", "refundId"}`."""
    data = _bounded_json(body)
    try:
        if not isinstance(data, dict):
            raise TypeError  # noqa: TRY301 - one refusal for every wrong shape
        order_id = UUID(str(data["orderId"]))
        event_id = str(data["eventId"])
        refund_id = data.get("refundId")
        status = data.get("status")
        reported = Reported(status) if status is not None else None
    except (ValueError, KeyError, TypeError, AttributeError):
        raise ValidationError("body", "not a callback Dar reads") from None
    if not 1 <= len(event_id) <= MAX_EVENT_ID or (reported is None) == (refund_id is None):
        raise ValidationError("body", "a callback reports a status or a refund, with an event id")
    return Notification(order_id, event_id, reported, None if refund_id is None else str(refund_id))


def claimed_order(body: bytes) -> str:
    """The order a refused callback claims to be about, to count refusals per order.

    Unverified: it only chooses which budget a refusal spends (see `api.throttle`); an
    unreadable body spends the budget of the empty order "".
    """
    try:
        data = _bounded_json(body)
    except ValidationError:
        return ""
    order = data.get("orderId") if isinstance(data, dict) else None
    return order[:64] if isinstance(order, str) else ""
