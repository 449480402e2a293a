"""Mergeable histograms: fixed buckets, so the cells of any houses and days add up.

A histogram counts samples per bucket of a fixed width; the last bucket is open (every sample at
or above `width x count`). Two histograms of the same buckets merge by adding their counts, so
a governorate's month is the sum of its houses' days. A percentile read from a histogram is the
bucket holding the sample of that rank (nearest rank), told by the bucket's middle: it is within
half a bucket width of the exact percentile of the samples (for a sample in the open bucket, the
bucket's lower bound is told, and the value is at least that). Whole-number samples in buckets
one unit wide are told exactly.

Stored as text, bucket:count pairs in bucket order (`"3:2,7:1"`), empty buckets left out.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

MINUTE_MS = 60_000


@dataclass(frozen=True)
class Buckets:
    """Buckets `width` wide from 0, `count` of them, then one open bucket."""

    name: str
    width: int  # in the samples' unit (milliseconds, working days)
    count: int
    whole: bool = False  # whole-number samples one unit wide: a bucket holds one value

    def of(self, value: int) -> int:
        """The bucket of a sample (negative samples count in the first bucket)."""
        return min(max(value, 0) // self.width, self.count)

    def told(self, bucket: int) -> float:
        """The value a percentile falling in `bucket` is told as."""
        low = bucket * self.width
        if bucket >= self.count or self.whole:
            return float(low)
        return low + self.width / 2


WAIT = Buckets("wait", width=MINUTE_MS, count=600)  # 1 minute wide up to 10 hours
HANDLING = Buckets("handling", width=MINUTE_MS // 2, count=600)  # 30 seconds up to 5 hours
TURNAROUND = Buckets("turnaround", width=1, count=365, whole=True)  # one working day


@dataclass
class Histogram:
    """Counts per bucket of one kind of sample."""

    buckets: Buckets
    counts: dict[int, int] = field(default_factory=dict)

    @classmethod
    def decode(cls, buckets: Buckets, text: str) -> Histogram:
        """A histogram from its stored text."""
        counts: dict[int, int] = {}
        for pair in text.split(",") if text else ():
            bucket, _, count = pair.partition(":")
            counts[int(bucket)] = int(count)
        return cls(buckets, counts)

    def encode(self) -> str:
        """The stored text: non-empty buckets in order."""
        return ",".join(f"{b}:{n}" for b, n in sorted(self.counts.items()) if n)

    def add(self, value: int, times: int = 1) -> None:
        """Count a sample (`times` = -1 takes one back)."""
        bucket = self.buckets.of(value)
        left = self.counts.get(bucket, 0) + times
        if left:
            self.counts[bucket] = left
        else:
            self.counts.pop(bucket, None)

    def merge(self, other: Histogram) -> None:
        """Add another histogram of the same buckets."""
        for bucket, count in other.counts.items():
            self.counts[bucket] = self.counts.get(bucket, 0) + count

    @property
    def total(self) -> int:
        """Samples counted."""
        return sum(self.counts.values())

    def percentile(self, percent: int) -> float | None:
        """The nearest-rank percentile (`percent` of the samples are at or below it), as told.

        None without samples.
        """
        total = self.total
        if total <= 0:
            return None
        rank = max(1, math.ceil(percent * total / 100))
        seen = 0
        for bucket in sorted(self.counts):
            seen += self.counts[bucket]
            if seen >= rank:
                return self.buckets.told(bucket)
        return self.buckets.told(max(self.counts))  # pragma: no cover - the ranks add up

    def below(self, limit: int) -> int:
        """Samples under `limit` (exact when `limit` is a whole number of bucket widths)."""
        edge = limit // self.buckets.width
        return sum(n for b, n in self.counts.items() if b < edge)


def merged(buckets: Buckets, texts: Iterable[str]) -> Histogram:
    """The merge of stored histograms."""
    total = Histogram(buckets)
    for text in texts:
        if text:
            total.merge(Histogram.decode(buckets, text))
    return total


def exact_percentile(samples: list[int], percent: int) -> int | None:
    """The nearest-rank percentile of raw samples (what a histogram's answer is compared with)."""
    if not samples:
        return None
    ordered = sorted(samples)
    return ordered[max(1, math.ceil(percent * len(ordered) / 100)) - 1]
