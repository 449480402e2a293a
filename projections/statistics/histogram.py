"""Mergeable histograms: fixed buckets, so the cells of any houses and days add up.

A histogram counts samples per bucket of a fixed width; the last bucket is open (every sample at
or above `width x count`). Two histograms of the same buckets merge by adding their counts, so
a governorate's month is the sum of its houses' days. A percentile read from a histogram is the
bucket holding the sample of that rank (nearest rank), told by the bucket's middle: it is within
half a bucket width of the exact percentile of the samples (for a sample in the open bucket, the
bucket's lower bound is told, and the value is at least that). Whole-number samples in buckets
one unit wide are told exactly.

A histogram is stored whole as text: its non-empty buckets and their counts in bucket order, as
a flat JSON array (`"[3,2,7,1]"`: two samples in bucket 3, one in bucket 7), which a reader parses
at C speed (orjson) and walks without building a map when it merges nothing.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import orjson

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
HOUR = Buckets("hour", width=1, count=24, whole=True)  # tickets issued per hour of the day (Tunis)


@dataclass
class Histogram:
    """Counts per bucket of one kind of sample."""

    buckets: Buckets
    counts: dict[int, int] = field(default_factory=dict)

    @classmethod
    def decode(cls, buckets: Buckets, text: str) -> Histogram:
        """A histogram from its stored text."""
        flat = pairs(text)
        return cls(buckets, dict(zip(flat[::2], flat[1::2], strict=True)))

    def encode(self) -> str:
        """The stored text: non-empty buckets in order."""
        return encode_counts(self.counts)

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


def encode_counts(counts: Mapping[int, int]) -> str:
    """Stored text of bucket counts: `[bucket, count, ...]`, non-empty buckets in order."""
    return orjson.dumps(flatten(counts)).decode()


def pairs(text: str) -> list[int]:
    """The flat `[bucket, count, ...]` list of a stored histogram (empty text: none)."""
    return orjson.loads(text) if text else []


def add_counts(into: dict[int, int], flat: list[int]) -> None:
    """Add a stored histogram's flat pairs to bucket counts."""
    get = into.get
    for i in range(0, len(flat), 2):
        bucket = flat[i]
        into[bucket] = get(bucket, 0) + flat[i + 1]


def flatten(counts: Mapping[int, int]) -> list[int]:
    """Bucket counts as a flat `[bucket, count, ...]` list in bucket order, empty buckets out."""
    flat: list[int] = []
    for bucket in sorted(counts):
        count = counts[bucket]
        if count:
            flat += (bucket, count)
    return flat


Reading = tuple[int, int, int, int]
"""What the figures need of a merged histogram: its samples, the buckets of its nearest-rank
median and 90th percentile, and its samples in the buckets under a limit (a plain tuple: a report
reads thousands of histograms)."""


def read_flat(flat: list[int], below_bucket: int) -> Reading | None:
    """A flat `[bucket, count, ...]` histogram in bucket order read; None without samples.

    The p-th percentile's bucket is the first where the running count reaches p% of the
    samples (`cum x 100 >= p x total`); `below` counts the samples in buckets under
    `below_bucket`.
    """
    if len(flat) == 2:  # one bucket: a house's day often holds one sample
        bucket, total = flat
        if total <= 0:
            return None
        return total, bucket, bucket, total if bucket < below_bucket else 0
    counts = flat[1::2]
    total = sum(counts)
    if total <= 0:
        return None
    half, ninety = 50 * total, 90 * total
    median = p90 = -1
    cum = 0
    for i, count in enumerate(counts):
        cum += count
        if median < 0 and cum * 100 >= half:
            median = flat[2 * i]
        if cum * 100 >= ninety:
            p90 = flat[2 * i]
            break
    edge = bisect_left(flat[::2], below_bucket)
    return total, median, p90, sum(counts[:edge])
