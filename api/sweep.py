"""The settling sweep: gateway payments still waiting after a while are settled by status query.

A callback may never arrive. Every `DAR_SETTLE_EVERY_SECONDS` the process that runs the projections
(the API with embedded projections, else `dar project`) asks the gateway
about each card, e-Dinar or D17 payment pending (or with an approved refund not yet paid back) for
more than `DAR_SETTLE_AFTER_SECONDS`, and applies the answer. A payment the citizen never paid on
the hosted page is cancelled after `DAR_ABANDON_AFTER_SECONDS`: its bill is free again and the
page closed. Settling is idempotent, so several processes sweeping at once do no harm; one
payment's failure does not stop the others.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from api.bootstrap import Dar
from application.payments.commands import CancelPayment
from domain.payments.payment import Method, PaymentStatus
from domain.shared.errors import DarError
from infrastructure.settings import Settings

log = logging.getLogger(__name__)
SWEEP_ACTOR = "system:sweep"
MAX_PER_SWEEP = 200  # the oldest first; the next sweep takes the rest


@dataclass(frozen=True)
class SweepReport:
    """What one sweep did."""

    asked: int
    unanswered: int
    abandoned: int = 0


def settle_overdue(
    dar: Dar, now: datetime, after: timedelta, abandon_after: timedelta | None = None
) -> SweepReport:
    """Settle every gateway payment waiting since before `now - after`; cancel abandoned ones."""
    asked = unanswered = abandoned = 0
    for row in dar.read.payments.pending_everywhere():
        if row.method == Method.CASH.value or row.updated_at > now - after:
            continue
        if asked == MAX_PER_SWEEP:
            break
        asked += 1
        try:
            dar.follow_up.settle(row.payment_id)
            payment = dar.payments.current(row.payment_id)
            if (
                abandon_after is not None
                and payment.status is PaymentStatus.INITIATED
                and row.initiated_at <= now - abandon_after
            ):
                reason = "not paid on the gateway's page in time: abandoned"
                dar.payments.cancel(
                    CancelPayment(
                        f"abandon:{row.payment_id}",
                        SWEEP_ACTOR,
                        row.house_code,
                        row.payment_id,
                        reason,
                    )
                )
                abandoned += 1
        except DarError as error:
            unanswered += 1
            log.warning("payment %s not settled: %s", row.payment_id, error.code)
        except Exception:  # one payment's trouble must not stop the sweep of the others
            unanswered += 1
            log.exception("payment %s not settled", row.payment_id)
    return SweepReport(asked, unanswered, abandoned)


def start_sweeping(dar: Dar, settings: Settings) -> Callable[[], None] | None:
    """Sweep on a thread until the returned function is called (it waits for a round to end).

    None when there is nothing to sweep: no gateway connected, or sweeping turned off.
    """
    if settings.settle_every_seconds <= 0 or not dar.follow_up.gateway_connected:
        return None
    after = timedelta(seconds=settings.settle_after_seconds)
    abandon = timedelta(seconds=settings.abandon_after_seconds)
    stop = threading.Event()

    def sweep() -> None:
        while not stop.wait(settings.settle_every_seconds):
            try:
                settle_overdue(dar, dar.clock.now(), after, abandon)
            except Exception:  # the store may be down a while: the next round tries again
                log.exception("the settling sweep failed")

    thread = threading.Thread(target=sweep, name="dar-settling-sweep", daemon=True)
    thread.start()

    def halt() -> None:
        stop.set()
        thread.join()

    return halt
