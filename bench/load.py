"""Drives clients from threads for a fixed time, and times fixed-size reads.

No timing is asserted anywhere: the harness only measures and reports.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

BARRIER_TIMEOUT_SECONDS = 60.0


class Client(Protocol):
    """One simulated client: it owns its connection (or shares a thread-safe store)."""

    def step(self) -> None:
        """Perform one operation (one committed transaction)."""
        ...

    def close(self) -> None:
        """Release what the client holds."""
        ...


ClientFactory = Callable[[int], Client]


def _run_once(clients: Sequence[Client], duration: float) -> float:
    """Run every client in its own thread for `duration` seconds; operations per second."""
    started: list[float] = []
    barrier = threading.Barrier(
        len(clients),
        action=lambda: started.append(time.perf_counter()),
        timeout=BARRIER_TIMEOUT_SECONDS,
    )

    def work(client: Client) -> tuple[int, float]:
        barrier.wait()
        deadline = started[0] + duration
        count = 0
        while time.perf_counter() < deadline:
            client.step()
            count += 1
        return count, time.perf_counter()

    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        futures = [pool.submit(work, client) for client in clients]
        results = [future.result() for future in futures]
    total = sum(count for count, _ in results)
    elapsed = max(end for _, end in results) - started[0]
    return total / elapsed


def measure_throughput(
    factory: ClientFactory, clients: int, duration: float, repetitions: int, warmup: float
) -> tuple[float, ...]:
    """Operations per second of `clients` concurrent clients, once per repetition.

    A discarded warm-up run of `warmup` seconds comes first (pools, prepared statements).
    """
    pool = [factory(index) for index in range(clients)]
    try:
        if warmup > 0:
            _run_once(pool, warmup)
        return tuple(_run_once(pool, duration) for _ in range(repetitions))
    finally:
        for client in pool:
            client.close()


def measure_rate(read: Callable[[], int], repetitions: int) -> tuple[float, ...]:
    """Items per second of `read` (which returns how many items it read), once per repetition.

    A discarded warm-up read comes first, so every repetition reads from a warm cache.
    """
    read()
    samples: list[float] = []
    for _ in range(repetitions):
        start = time.perf_counter()
        count = read()
        samples.append(count / (time.perf_counter() - start))
    return tuple(samples)
