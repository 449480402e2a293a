"""The settling sweep: gateway payments still pending after a while are settled by status query.

A callback may never arrive. Every `DAR_SETTLE_EVERY_SECONDS` the API process asks the gateway
about each card, e-Dinar or D17 payment pending for more than `DAR_SETTLE_AFTER_SECONDS`, and
applies the answer. Settling is idempotent, so several processes sweeping at once do no harm.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from api.bootstrap import Dar
from domain.payments.payment import Method
from domain.shared.errors import DarError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SweepReport:
    """What one sweep did."""

    asked: int
    unanswered: int


def settle_overdue(dar: Dar, now: datetime, after: timedelta) -> SweepReport:
    """Settle every gateway payment pending since before `now - after`."""
    asked = unanswered = 0
    for row in dar.read.payments.pending_everywhere():
        if row.method == Method.CASH.value or row.initiated_at > now - after:
            continue
        asked += 1
        try:
            dar.payments.settle(row.payment_id)
        except DarError as error:
            unanswered += 1
            log.warning("payment %s not settled: %s", row.payment_id, error.code)
    return SweepReport(asked, unanswered)
