"""Gateway callbacks are signed: HMAC-SHA-256 over the send time and the body.

Headers: `X-Gateway-Timestamp` (Unix seconds when the delivery was sent) and `X-Gateway-Signature`
(hex HMAC of `"<timestamp>." + body`). Dar checks the signature before reading anything, then the
age: a delivery older than 300 s (or more than 60 s in the future) at receipt is refused.
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
# ASCII only: header bytes are read as Latin-1, where "²" is a digit to `str.isdigit`
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"[0-9a-f]{64}")


class BadSignatureError(DarError):
    """The callback's signature is missing or wrong: it is not read."""

    code = "BAD_SIGNATURE"


class StaleCallbackError(DarError):
    """The callback was sent more than 300 s ago (or claims a future time)."""

    code = "STALE_CALLBACK"


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


def parse_notification(body: bytes) -> Notification:
    """A signed body: `{"orderId", "eventId", "status"}` or `{"orderId", "eventId", "refundId"}`."""
    try:
        data = json.loads(body)
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


def order_of(body: bytes) -> UUID | None:
    """The order a refused callback names, to settle it by a status query (nothing else is read)."""
    try:
        return UUID(str(json.loads(body)["orderId"]))
    except (ValueError, KeyError, TypeError):
        return None
