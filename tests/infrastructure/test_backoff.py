"""A failed projection retries after 1 s, then twice as long each time, never more than 60 s."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from infrastructure.readmodels.failures import Backoff

ATTEMPTS = st.integers(min_value=1, max_value=10_000)


def test_the_default_schedule_doubles_from_one_second_up_to_a_minute() -> None:
    waits = [Backoff().delay(n).total_seconds() for n in range(1, 10)]
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60, 60]


@given(
    ATTEMPTS,
    st.floats(min_value=0.01, max_value=100),
    st.floats(min_value=0.01, max_value=10_000),
)
def test_each_wait_doubles_the_last_until_the_cap(attempts: int, first: float, cap: float) -> None:
    backoff = Backoff(first_seconds=first, cap_seconds=cap)
    assert backoff.delay(1) == timedelta(seconds=min(first, cap))
    before, after = backoff.delay(attempts), backoff.delay(attempts + 1)
    assert before <= after <= timedelta(seconds=cap)
    doubled = min(cap, 2 * before.total_seconds())
    assert after.total_seconds() == pytest.approx(doubled, abs=1e-5)  # to the microsecond
