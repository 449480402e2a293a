"""Where a command's time goes: timers wrapped around the stages of Dar's command path.

Each stage is a method of the running objects (the runner, the store's repository, mapper,
transcoder and recorder, the vault) wrapped, on that object only, by a timer. Stages nest
(decoding runs inside a load, a load inside a decision): each call's wall-clock time is counted
to its stage less the time of the stages called inside it, so that the stages add up to the
command's time. Only the benchmark wraps anything.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from api.bootstrap import Dar
from application import store as store_module


class _Box:
    """Holds a command's decide function, so that it can be wrapped like a method."""

    def __init__(self, decide: Callable[..., Any]) -> None:
        self.decide = decide


@dataclass
class StageTimes:
    """Seconds spent in each stage, and how many commands ran while it was switched on."""

    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    cpu: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    calls: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    commands: int = 0
    on: bool = False
    # per open call: its inner stages' wall-clock and CPU time
    _inner: list[list[float]] = field(default_factory=list)

    def wrap(self, owner: object, method: str, stage: str) -> None:
        """Time every call of `owner.method` under `stage` (while switched on)."""
        inner: Callable[..., Any] = getattr(owner, method)

        def timed(*args: Any, **kwargs: Any) -> Any:  # noqa: ANN401 - any method
            if not self.on:
                return inner(*args, **kwargs)
            self._inner.append([0.0, 0.0])
            started, used = time.perf_counter(), time.thread_time()
            try:
                return inner(*args, **kwargs)
            finally:
                self._close(stage, time.perf_counter() - started, time.thread_time() - used)

        setattr(owner, method, timed)

    def _close(self, stage: str, elapsed: float, used: float) -> None:
        """Count a call's time, less its inner stages', to its stage; all of it to its caller's."""
        inner_elapsed, inner_used = self._inner.pop()
        self.seconds[stage] += elapsed - inner_elapsed
        self.cpu[stage] += used - inner_used
        self.calls[stage] += 1
        if self._inner:
            self._inner[-1][0] += elapsed
            self._inner[-1][1] += used

    @contextmanager
    def command(self) -> Iterator[None]:
        """Time one command as a whole (what no other stage took: stage `command`)."""
        self.on = True
        self._inner.append([0.0, 0.0])
        started, used = time.perf_counter(), time.thread_time()
        try:
            yield
        finally:
            self._close("command", time.perf_counter() - started, time.thread_time() - used)
            self.commands += 1
            self.on = False

    def micros(self, stage: str) -> float:
        """Mean wall-clock µs per command spent in `stage` itself (not in its inner stages)."""
        return 1e6 * self.seconds.get(stage, 0.0) / max(self.commands, 1)

    def cpu_micros(self, stage: str) -> float:
        """Mean µs per command of this thread's CPU time in `stage` itself."""
        return 1e6 * self.cpu.get(stage, 0.0) / max(self.commands, 1)

    def per_command(self, stage: str) -> float:
        """Mean calls of `stage` per command."""
        return self.calls.get(stage, 0) / max(self.commands, 1)


LABELS: dict[str, str] = {
    "command": "runner: the rest (attempt loop, outcome)",
    "digest": "runner: payload digest",
    "decide": "domain: decide (rules, new events)",
    "load": "domain: evolve (replay loaded events)",
    "snapshot read": "store: snapshot read (server)",
    "snapshot restore": "snapshot: restore the aggregate's state",
    "events read": "store: events read (server)",
    "decode": "mapping: stored -> domain event",
    "transcoder decode": "transcoding: decode state",
    "save": "runner+store: command record, collect events",
    "map": "mapping: domain -> stored event",
    "transcoder encode": "transcoding: encode state",
    "recorder call": "store: append (server, commit)",
    "cipher": "cipher: vault seal/open",
    "hand-off": "hand-off: wake the projection thread",
}


def exclusive(times: StageTimes) -> dict[str, tuple[float, float]]:
    """Mean wall-clock and CPU µs per command of each stage itself: the rows add up."""
    return {stage: (times.micros(stage), times.cpu_micros(stage)) for stage in LABELS}


def instrument(dar: Dar, times: StageTimes) -> None:
    """Wrap the stages of `dar`'s command path (and only this instance's objects)."""
    store = dar.store
    runner = dar.runner
    times.wrap(runner, "_save", "save")
    times.wrap(store_module, "payload_digest", "digest")
    run = runner.run

    def run_timing_decide(command: Any, decide: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: ANN401
        box = _Box(decide)
        times.wrap(box, "decide", "decide")
        return run(command, box.decide, *args, **kwargs)

    runner.run = run_timing_decide  # type: ignore[method-assign]
    if runner._on_saved is not None:  # noqa: SLF001 - the benchmark times the runner's hand-off
        times.wrap(runner, "_on_saved", "hand-off")
    times.wrap(store.repository, "get", "load")
    repository: Any = store.repository
    times.wrap(store.snapshots.recorder, "select_events", "snapshot read")  # type: ignore[union-attr]
    times.wrap(repository, "_trusted", "snapshot restore")
    times.wrap(store.recorder, "select_events", "events read")
    times.wrap(store.recorder, "insert_events", "recorder call")
    times.wrap(store.mapper, "to_domain_event", "decode")
    times.wrap(store.mapper, "to_stored_event", "map")
    times.wrap(store.mapper.transcoder, "decode", "transcoder decode")
    times.wrap(store.mapper.transcoder, "encode", "transcoder encode")
    times.wrap(dar.vault, "seal", "cipher")
    times.wrap(dar.vault, "open", "cipher")
