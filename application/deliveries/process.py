"""The delivery process: every item taken for a partner reaches its system, confirmed once.

A process manager driven by the event log through its work list (the deliveries read model,
which the projection runner keeps with its own tracking position, like every read model): each
round it reads the items still waiting, in the order they became due, and hands each to its
partner with the item's idempotency key. Items of a partner reported unreachable wait; a call
that fails makes the item wait longer after each failure (exponential back-off, capped), and the
partner's other items wait for the next round. The partner's receipt is recorded as an event
through the command runner under a key derived from the item's, so a confirmation is recorded
once even if the process stops between the partner's reply and the append: the next process
sends the item again (the partner answers a key it knows with its first receipt) and the
command, already recorded, is answered with its first outcome.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from application.deliveries.confirmations import (
    DELIVERY_ACTOR,
    ConfirmFileDelivery,
    ConfirmPaymentByPartner,
    ConfirmRefundByPartner,
    DeliveryConfirmations,
    confirmation_key,
)
from application.deliveries.ports import (
    Deliverable,
    ItemKind,
    PartnerPort,
    PartnerUnreachableError,
    Worklist,
)
from application.errors import ConflictError, OutcomeUnknownError, StoreBusyError

log = logging.getLogger(__name__)
PAGE = 200


@dataclass(frozen=True)
class Backoff:
    """The wait after the n-th failure in a row: first, 2x first, 4x … up to the cap."""

    first_seconds: float = 1.0
    cap_seconds: float = 300.0

    def delay(self, failures: int) -> timedelta:
        """The wait after `failures` failures in a row (1 for the first)."""
        exponent = min(max(failures, 1) - 1, 62)
        return timedelta(seconds=min(self.cap_seconds, self.first_seconds * 2.0**exponent))


@dataclass
class _Retry:
    partner_code: str
    failures: int
    next_at: datetime
    error: str


@dataclass
class Round:
    """What one round did."""

    confirmed: int = 0
    failed: int = 0
    waiting: int = 0  # seen waiting and not sent: partner down, retry not due, or just confirmed


@dataclass
class DeliveryState:
    """Where the process stands (for readiness and the operator)."""

    rounds: int = 0
    confirmed: int = 0
    last_round_at: datetime | None = None
    last_error: str | None = None
    retrying: dict[str, int] = field(default_factory=dict)  # partner code: items in back-off


class DeliveryProcess:
    """Sends waiting items to their partners and records each confirmation once."""

    def __init__(  # noqa: PLR0913 - the process's collaborators
        self,
        worklist: Worklist,
        partners: PartnerPort,
        confirmations: DeliveryConfirmations,
        now: Callable[[], datetime],
        *,
        backoff: Backoff | None = None,
        page: int = PAGE,
    ) -> None:
        self._worklist = worklist
        self._partners = partners
        self._confirmations = confirmations
        self._now = now
        self._backoff = backoff or Backoff()
        self._page = page
        self._retries: dict[str, _Retry] = {}
        self._recorded: dict[str, int] = {}  # confirmed here, until the work list shows it
        self.state = DeliveryState()

    def run_round(self) -> Round:
        """Send every waiting item that may be sent now; what the round did."""
        known = self._worklist.position()
        self._recorded = {k: p for k, p in self._recorded.items() if p > known}
        down = self._worklist.unreachable()
        # only the partners the port can reach: the others' items wait unread, whatever their number
        reachable = self._partners.partners()
        failing: set[str] = set()  # partners that failed this round: their items wait
        done = Round()
        seen: set[str] = set()
        after = 0
        while True:
            items = self._worklist.waiting(
                limit=self._page, partners=reachable, after_position=after
            )
            for item in items:
                seen.add(item.key)
                self._one(item, down, failing, done)
            if len(items) < self._page:
                break
            after = items[-1].position
        self._retries = {k: r for k, r in self._retries.items() if k in seen}
        self._note(done)
        return done

    def _one(self, item: Deliverable, down: frozenset[str], failing: set[str], done: Round) -> None:
        """Send one item unless it must wait, and count what became of it."""
        retry = self._retries.get(item.key)
        if (
            item.partner_code in down
            or item.partner_code in failing
            or item.key in self._recorded
            or (retry is not None and retry.next_at > self._now())
        ):
            done.waiting += 1
            return
        try:
            receipt = self._partners.deliver(item)
        except PartnerUnreachableError as error:
            failing.add(item.partner_code)  # its other items wait for the next round
            self._failed(item, str(error))
            done.failed += 1
            return
        try:
            position = self._confirm(item, receipt)
        except (ConflictError, OutcomeUnknownError, StoreBusyError) as error:
            # not known to be recorded: the item stays waiting and is sent again (same key)
            self._failed(item, str(error))
            done.failed += 1
            return
        self._retries.pop(item.key, None)
        # until the work list has applied the confirmation, it still lists the item
        self._recorded[item.key] = position or self._worklist.position() + 1
        done.confirmed += 1

    def _confirm(self, item: Deliverable, receipt: str) -> int:
        key = confirmation_key(item.key)
        match item.kind:
            case ItemKind.PAYMENT:
                return self._confirmations.payment(
                    ConfirmPaymentByPartner(key, DELIVERY_ACTOR, item.subject_id, receipt)
                )
            case ItemKind.REFUND:
                return self._confirmations.refund(
                    ConfirmRefundByPartner(
                        key, DELIVERY_ACTOR, item.subject_id, item.refund_id or "", receipt
                    )
                )
            case ItemKind.FILE:
                return self._confirmations.file(
                    ConfirmFileDelivery(
                        key, DELIVERY_ACTOR, item.subject_id, item.submission, receipt
                    )
                )

    def _failed(self, item: Deliverable, error: str) -> None:
        previous = self._retries.get(item.key)
        failures = 1 if previous is None else previous.failures + 1
        wait = self._backoff.delay(failures)
        self._retries[item.key] = _Retry(item.partner_code, failures, self._now() + wait, error)
        self.state.last_error = f"{item.partner_code}: {error}"
        log.info(
            "%s not delivered to %s (attempt %d): %s; again in %.0f s",
            item.key,
            item.partner_code,
            failures,
            error,
            wait.total_seconds(),
        )

    def _note(self, done: Round) -> None:
        state = self.state
        state.rounds += 1
        state.confirmed += done.confirmed
        state.last_round_at = self._now()
        retrying: dict[str, int] = {}
        for retry in self._retries.values():
            retrying[retry.partner_code] = retrying.get(retry.partner_code, 0) + 1
        state.retrying = retrying

    def follow(self, stop: threading.Event, wake: threading.Event, poll_seconds: float) -> None:
        """Run rounds until stopped: at once when woken (the work list changed), else each poll."""
        errors_in_a_row = 0
        while not stop.is_set():
            wake.clear()
            try:
                self.run_round()
            except Exception as error:
                errors_in_a_row += 1
                self.state.last_error = f"{type(error).__name__}: {error}"
                log.exception("delivery round failed")
                stop.wait(self._backoff.delay(errors_in_a_row).total_seconds())
                continue
            errors_in_a_row = 0
            wake.wait(poll_seconds)
