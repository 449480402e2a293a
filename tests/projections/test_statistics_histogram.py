"""Percentiles read from the statistics' histograms are exact within half a bucket width.

Both as the histogram class reads them and as the report reads them from the stored histograms
(merged over days, on both stores: the path `serviceStatistics` takes). Against the exact nearest-rank percentiles of the raw samples, for waits (one-minute buckets),
handling times (half-minute buckets) and turnarounds (whole working days: exact), whatever the
split of the samples into cells that are merged afterwards.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from uuid import uuid4

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from api.bootstrap import Dar, bootstrap
from infrastructure.readmodels.statistics import Selection, StatisticsTables
from infrastructure.settings import Settings
from projections.statistics.figures import Period, Summary
from projections.statistics.histogram import (
    HANDLING,
    MINUTE_MS,
    TURNAROUND,
    WAIT,
    Buckets,
    Histogram,
    exact_percentile,
    merged,
)
from tests.support.rebuilt import memory_dar

PERCENTS = st.sampled_from([1, 10, 25, 50, 75, 90, 95, 99, 100])


def cells_of(buckets: Buckets, samples: list[int], cuts: list[int]) -> list[str]:
    """The samples split into cells at `cuts`, each stored as text."""
    bounds = sorted({0, len(samples), *(c % (len(samples) + 1) for c in cuts)})
    texts = []
    for start, end in itertools.pairwise(bounds):
        cell = Histogram(buckets)
        for sample in samples[start:end]:
            cell.add(sample)
        texts.append(cell.encode())
    return texts


def within_range(buckets: Buckets) -> st.SearchStrategy[list[int]]:
    return st.lists(st.integers(0, buckets.width * buckets.count - 1), min_size=1, max_size=300)


@given(within_range(WAIT), st.lists(st.integers(0, 400), max_size=6), PERCENTS)
def test_a_wait_percentile_is_within_half_a_minute(
    samples: list[int], cuts: list[int], percent: int
) -> None:
    told = merged(WAIT, cells_of(WAIT, samples, cuts)).percentile(percent)
    exact = exact_percentile(samples, percent)
    assert told is not None
    assert exact is not None
    assert abs(told - exact) <= WAIT.width / 2


@given(within_range(HANDLING), st.lists(st.integers(0, 400), max_size=6), PERCENTS)
def test_a_handling_percentile_is_within_a_quarter_minute(
    samples: list[int], cuts: list[int], percent: int
) -> None:
    told = merged(HANDLING, cells_of(HANDLING, samples, cuts)).percentile(percent)
    exact = exact_percentile(samples, percent)
    assert told is not None
    assert exact is not None
    assert abs(told - exact) <= HANDLING.width / 2


@given(st.lists(st.integers(0, 364), min_size=1, max_size=200), PERCENTS)
def test_a_turnaround_percentile_in_whole_days_is_exact(samples: list[int], percent: int) -> None:
    histogram = Histogram(TURNAROUND)
    for sample in samples:
        histogram.add(sample)
    assert histogram.percentile(percent) == exact_percentile(samples, percent)


@given(within_range(WAIT), st.integers(1, 600))
def test_the_share_under_a_target_in_whole_minutes_is_exact(
    samples: list[int], target_minutes: int
) -> None:
    histogram = merged(WAIT, cells_of(WAIT, samples, [len(samples) // 2]))
    target = target_minutes * MINUTE_MS
    assert histogram.below(target) == sum(s < target for s in samples)


@given(within_range(WAIT), st.lists(st.integers(0, 400), max_size=6))
def test_merging_cells_equals_counting_all_samples_at_once(
    samples: list[int], cuts: list[int]
) -> None:
    whole = Histogram(WAIT)
    for sample in samples:
        whole.add(sample)
    assert merged(WAIT, cells_of(WAIT, samples, cuts)).counts == whole.counts
    assert Histogram.decode(WAIT, whole.encode()).counts == whole.counts


def test_a_sample_taken_back_leaves_the_cell_as_before() -> None:
    histogram = Histogram(WAIT)
    histogram.add(25 * MINUTE_MS)
    histogram.add(40 * MINUTE_MS)
    histogram.add(25 * MINUTE_MS, -1)
    assert histogram.encode() == "[40,1]"


def test_a_sample_beyond_the_last_bucket_is_told_by_its_lower_bound() -> None:
    histogram = Histogram(WAIT)
    histogram.add(11 * 60 * MINUTE_MS)
    assert histogram.percentile(50) == WAIT.count * WAIT.width


# --- the same, read from the stored histograms (the path serviceStatistics takes) -----------------

DAY_ONE = date(2026, 3, 2)


def database_summary(
    dar: Dar, samples: list[int], spread: int, target: int, *, whole: bool
) -> Summary:
    """The samples stored as a house's wait histograms over `spread` days, merged for March.

    `whole`: the range is the whole month (read from the month's cells), else part of it (read
    from the days' cells).
    """
    house, area = uuid4(), uuid4()
    with dar.read.db.write() as cur:
        writer = StatisticsTables(dar.read.db, cur)
        for n, sample in enumerate(samples):
            day = DAY_ONE + timedelta(days=n % spread)
            writer.sample(house, day, WAIT.name, ("", ""), WAIT.of(sample), 1)
        writer.flush()
    selection = Selection(
        date(2026, 3, 1) if whole else DAY_ONE,
        date(2026, 3, 31) if whole else DAY_ONE + timedelta(days=27),
    )
    edge = target * MINUTE_MS // WAIT.width
    (summary,) = dar.read.statistics.cells(selection, {house: area}, Period.MONTH, edge).summaries
    return summary


def assert_exact_within_half_a_bucket(summary: Summary, samples: list[int], target: int) -> None:
    assert summary.count == len(samples)
    for percent, bucket in ((50, summary.median_bucket), (90, summary.p90_bucket)):
        exact = exact_percentile(samples, percent)
        assert exact is not None
        assert abs(WAIT.told(bucket) - exact) <= WAIT.width / 2
    assert summary.below_target == sum(s < target * MINUTE_MS for s in samples)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(within_range(WAIT), st.integers(1, 20), st.integers(1, 120), st.booleans())
def test_the_database_reads_percentiles_within_half_a_bucket_in_memory(
    samples: list[int],
    spread: int,
    target: int,
    whole: bool,  # noqa: FBT001
) -> None:
    for dar in memory_dar("hist"):
        summary = database_summary(dar, samples, spread, target, whole=whole)
        assert_exact_within_half_a_bucket(summary, samples, target)


@pytest.mark.usefixtures("postgres_server")
def test_the_database_reads_percentiles_within_half_a_bucket_on_postgres(
    pg_settings: Settings,
) -> None:
    dar = bootstrap(pg_settings)
    dar.projections.prepare()

    @settings(
        max_examples=10,
        deadline=None,
        phases=(Phase.explicit, Phase.reuse, Phase.generate),
        suppress_health_check=list(HealthCheck),
    )
    @given(within_range(WAIT), st.integers(1, 20), st.integers(1, 120), st.booleans())
    def example(samples: list[int], spread: int, target: int, whole: bool) -> None:  # noqa: FBT001
        summary = database_summary(dar, samples, spread, target, whole=whole)
        assert_exact_within_half_a_bucket(summary, samples, target)

    try:
        example()
    finally:
        dar.close()
