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
        self.lag_positions = Gauge(
            "dar_projection_lag_positions",
            "Events not yet applied by each projection",
            ["projection"],
            registry=self.registry,
        )
        self.lag_seconds = Gauge(
            "dar_projection_lag_seconds",
            "Age of the oldest event not yet applied by each projection",
            ["projection"],
            registry=self.registry,
        )
        self.projection_failed = Gauge(
            "dar_projection_failed",
            "1 while a projection is stopped at an event it cannot apply, else 0",
            ["projection"],
            registry=self.registry,
        )
        self.projection_failed_position = Gauge(
            "dar_projection_failed_position",
            "The log position of the event a projection is stopped at (0 when none)",
            ["projection"],
            registry=self.registry,
        )
