"""Prometheus metrics of one API process."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class Metrics:
    """Request counts and latencies, commands by outcome, projection lag and failures."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "dar_http_requests",
            "HTTP requests by route and status",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "dar_http_request_seconds",
            "HTTP request latency",
            ["route"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.commands = Counter(
            "dar_commands",
            "Commands by name and outcome (recorded, replayed, or the refusal's code)",
            ["command", "outcome"],
            registry=self.registry,
        )
        self.lag_positions = self._per_projection(
            "dar_projection_lag_positions", "Events not yet applied by each projection"
        )
        self.lag_seconds = self._per_projection(
            "dar_projection_lag_seconds",
            "Age of the oldest event not yet applied by each projection",
        )
        self.projection_failed = self._per_projection(
            "dar_projection_failed",
            "1 while a projection is stopped at an event it cannot apply, else 0",
        )
        self.projection_failed_position = self._per_projection(
            "dar_projection_failed_position",
            "The log position of the event a projection is stopped at (0 when none)",
        )

    def _per_projection(self, name: str, documentation: str) -> Gauge:
        """A gauge with one value per projection."""
        return Gauge(name, documentation, ["projection"], registry=self.registry)
