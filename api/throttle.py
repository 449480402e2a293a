"""A small in-process budget of refusals per key (token buckets), for the gateway callback.

Each key (the order a refused callback claims) holds up to `burst` tokens and earns one back
every `refill_seconds`. A refusal spends a token; with none left, the refusal is answered
429 with `Retry-After` instead, and not logged. A valid callback never spends and is never
held back. The budget lives in each API process (N processes allow N times the burst) and
remembers at most `max_keys` orders, forgetting the least recently refused first.

The order a refused callback claims is unverified: a sender rotating orderIds would never run
out, and would push the genuine orders' buckets out of memory. So one budget for every refusal
of the process stands in front (`CallbackRefusals`): past it, every refusal is 429, unlogged,
and no order's bucket is touched. It also bounds the refusal log lines to its rate.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    at: float


class RefusalBudget:
    """Token buckets keyed by order; thread-safe (callbacks are handled on worker threads)."""

    def __init__(
        self,
        *,
        burst: int = 10,
        refill_seconds: float = 6.0,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._burst = burst
        self._refill = refill_seconds
        self._max_keys = max_keys
        self._clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._lock = threading.Lock()

    def spend(self, key: str) -> int | None:
        """Spend one refusal of `key`'s budget: None if there was one, else seconds to wait."""
        with self._lock:
            now = self._clock()
            bucket = self._buckets.pop(key, None) or _Bucket(float(self._burst), now)
            earned = (now - bucket.at) / self._refill
            bucket.tokens, bucket.at = min(float(self._burst), bucket.tokens + earned), now
            self._buckets[key] = bucket
            while len(self._buckets) > self._max_keys:
                self._buckets.popitem(last=False)
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return None
            return max(1, math.ceil((1 - bucket.tokens) * self._refill))


OVERALL_BURST = 100
OVERALL_REFILL_SECONDS = 0.5  # two refusals a second, sustained, for the whole process


def overall_refusals() -> RefusalBudget:
    """The process's budget for all refused callbacks, whatever order they claim."""
    return RefusalBudget(burst=OVERALL_BURST, refill_seconds=OVERALL_REFILL_SECONDS, max_keys=1)


class CallbackRefusals:
    """The process's budget of refusals in front of the budget per order (module docstring)."""

    def __init__(self, overall: RefusalBudget, per_order: RefusalBudget) -> None:
        self.overall = overall
        self.per_order = per_order

    def spend(self, order: str) -> int | None:
        """Spend one refusal: None if both budgets had one, else seconds to wait."""
        wait = self.overall.spend("")
        return wait if wait is not None else self.per_order.spend(order)
