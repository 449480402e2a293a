"""Repeated samples of one figure, and the rows of the report that compare them to a baseline."""

from __future__ import annotations

import statistics
from dataclasses import dataclass


@dataclass(frozen=True)
class Measurement:
    """The samples of one figure (one per repetition) at one client count."""

    name: str
    clients: int
    unit: str
    samples: tuple[float, ...]

    @property
    def median(self) -> float:
        """The median of the samples: the figure reported."""
        return statistics.median(self.samples)

    @property
    def low(self) -> float:
        """The smallest sample."""
        return min(self.samples)

    @property
    def high(self) -> float:
        """The largest sample."""
        return max(self.samples)

    @property
    def spread_percent(self) -> float:
        """The range of the samples as a percentage of their median."""
        median = self.median
        return 100.0 * (self.high - self.low) / median if median else 0.0


@dataclass(frozen=True)
class Row:
    """One line of the report: a figure and the baseline measured beside it in the same run.

    A baseline row is its own baseline.
    """

    measurement: Measurement
    baseline: Measurement

    @classmethod
    def of_baseline(cls, measurement: Measurement) -> Row:
        """A row for a baseline figure itself (ratio 1.0)."""
        return cls(measurement=measurement, baseline=measurement)

    @property
    def ratio(self) -> float:
        """The figure's median over the baseline's median."""
        base = self.baseline.median
        return self.measurement.median / base if base else 0.0

    def as_json(self) -> dict[str, object]:
        """The row as written to results.json (exactly these keys)."""
        m = self.measurement
        return {
            "name": m.name,
            "clients": m.clients,
            "value": round(m.median, 1),
            "baseline": round(self.baseline.median, 1),
            "ratio": round(self.ratio, 3),
            "unit": m.unit,
        }
