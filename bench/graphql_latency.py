"""GraphQL latency over HTTP on loopback, against bare FastAPI endpoints measured in the same run.

`python -m bench.graphql_latency [--stores sqlite,postgres] [--rate 50] [--before DIR]`

Two servers, one uvicorn worker each, on loopback:
- Dar as `dar run` starts it (reference partners loaded, embedded projections and sweep);
- a baseline FastAPI app (`baseline_app`) on the same store: `POST /insert` does one
  INSERT+COMMIT of an event-sized row (a plain `def` endpoint, so FastAPI runs it on its thread
  pool, as Dar runs its store calls), `GET /bare` answers a small JSON from the event loop.

Four targets: the minimal insert, the bare endpoint (the query baseline), a cheap Dar query
(`{ partners { code } }` with a token) and a Dar mutation recording one event (`registerPartner`,
each request with a fresh `commandId` and partner code made by the Lua script).

Closed loop: `wrk` (the Debian package; `apt-get install -y wrk`) at 1 and 8 connections with a
Lua script that also counts answers carrying GraphQL errors. Open loop: this module's own asyncio
generator (`open_loop`, plain asyncio streams, HTTP/1.1 kept alive): sends are scheduled at a
fixed rate whatever the answers do, each on its own task, and latency runs from the scheduled send
time, so a stall counts against every
request it delays (no coordinated omission). Minimal insert and mutation run at the same rate.

Targets: mutation p99 <= 3x the minimal insert's p99 at the same rate (open loop); query
throughput >= 0.3x the bare endpoint's (closed loop, same connections). Rows go to
`bench/results.json` (names `*_graphql_latency_*`) and a section of `bench/RESULTS.md`; the other
benchmarks' entries stay.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import psycopg
from fastapi import FastAPI

from api.auth import Role
from bench.raw import PG_CREATE, PG_DROP, PG_INSERT, SQLITE_CREATE, SQLITE_INSERT, STATE, TOPIC
from infrastructure.settings import Settings
from tests.support.api import environment, free_port, token_for
from tests.support.postgres import start_postgres
from tests.support.stores import PostgresDatabases

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
SECTION = "## graphql_latency (issue 14): Dar over HTTP against bare FastAPI, same run"
MARK = "_graphql_latency_"
QUERY = "{ partners { code } }"
MUTATION = (
    "mutation R($i: PartnerNamesInput!) { registerPartner(input: $i) { partnerId position } }"
)
BARE_ANSWER = {"status": "ok", "service": "bench"}

# wrk's Lua: `setup` numbers the threads, `request` builds each request, `response` counts
# answers that are not 200 or carry GraphQL errors, `done` prints one JSON line of figures.
LUA_COMMON = r"""
local threads = {}
local next_id = 0
function setup(thread)
  next_id = next_id + 1
  thread:set("tid", next_id)
  table.insert(threads, thread)
end
bad = 0
function response(status, headers, body)
  if status ~= 200 or string.find(body, '"errors"', 1, true) then bad = bad + 1 end
end
function done(summary, latency, requests)
  local failed = 0
  for _, t in ipairs(threads) do failed = failed + t:get("bad") end
  local e = summary.errors
  io.write(string.format(
    '\nWRK_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, '
    .. '"max_us": %d, "bad": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, failed, e.connect + e.read + e.write + e.status + e.timeout))
end
"""
LUA_GET = r"""
function request() return wrk.format("GET", wrk.path) end
"""
LUA_POST = r"""
local body = %s
local headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. TOKEN}
function request() return wrk.format("POST", wrk.path, headers, body) end
"""
LUA_MUTATION = r"""
local headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. TOKEN}
local n = 0
local stem = ""
function init(args) stem = RUN .. "T" .. tid .. "N" end
function request()
  n = n + 1
  local key = stem .. n
  local body = '{"query": "' .. MUTATION .. '", "variables": {"i": {"commandId": "bench-' .. key
    .. '", "code": "B' .. key .. '", "nameAr": "شريك", "nameFr": "Partenaire '
    .. key .. '"}}}'
  return wrk.format("POST", wrk.path, headers, body)
end
"""


@dataclass(frozen=True)
class Figures:
    """One target's latency and throughput."""

    target: str
    mode: str  # "closed" (wrk) or "open" (the fixed-rate generator)
    clients: int  # connections (closed loop); 0 for the open loop
    rate: float  # answers per second achieved
    p50_ms: float
    p99_ms: float
    max_ms: float
    bad: int  # answers not 200 or carrying GraphQL errors, plus socket errors

    def line(self) -> str:
        """One console line."""
        load = f"{self.clients} conn" if self.mode == "closed" else "open"
        return (
            f"  {self.target:<9} {load:<7} {self.rate:>8,.0f} req/s  p50 {self.p50_ms:6.2f} ms  "
            f"p99 {self.p99_ms:7.2f} ms  max {self.max_ms:7.1f} ms  bad {self.bad}"
        )


# --- the baseline app --------------------------------------------------------------------------


def baseline_app() -> FastAPI:
    """Bare FastAPI on the store named by `BENCH_STORE` (an SQLite path or a PostgreSQL URL)."""
    store = os.environ["BENCH_STORE"]
    local = threading.local()
    postgres = store.startswith("postgresql://")

    def connection() -> Any:  # noqa: ANN401 - sqlite3 or psycopg
        conn = getattr(local, "conn", None)
        if conn is None:
            if postgres:
                conn = psycopg.connect(store, autocommit=True)
            else:
                conn = sqlite3.connect(store, isolation_level=None, check_same_thread=False)
                conn.execute("PRAGMA busy_timeout=10000")
            local.conn = conn
        return conn

    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    @app.post("/insert")
    def insert() -> dict[str, str]:
        conn = connection()
        if postgres:
            with conn.transaction():
                conn.execute(PG_INSERT, (uuid4(), 1, TOPIC, STATE))
        else:
            conn.execute("BEGIN")
            conn.execute(SQLITE_INSERT, (uuid4().hex, 1, TOPIC, STATE))
            conn.execute("COMMIT")
        return {"status": "ok"}

    @app.get("/bare")
    async def bare() -> dict[str, str]:
        return BARE_ANSWER

    return app


def prepare_baseline_store(store: str) -> None:
    """The raw table, empty."""
    if store.startswith("postgresql://"):
        with psycopg.connect(store, autocommit=True) as conn:
            conn.execute(PG_DROP)
            conn.execute(PG_CREATE)
        return
    lite = sqlite3.connect(store, isolation_level=None)
    lite.execute("PRAGMA journal_mode=WAL")  # as Dar's event store
    lite.execute(SQLITE_CREATE)
    lite.close()


# --- servers -----------------------------------------------------------------------------------


@contextmanager
def server(
    command: list[str], env: dict[str, str], log: Path, port: int, cwd: Path = ROOT
) -> Iterator[str]:
    """A server process whose output goes to `log`, until the block ends; its URL."""
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our own entry points
            command, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(process, url, log)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def _wait_healthy(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited early:\n{log.read_text()}")
        with suppress(httpx.TransportError):
            if httpx.get(f"{url}/healthz", timeout=1).status_code in {200, 404}:
                return
        time.sleep(0.2)
    raise RuntimeError("the server did not answer within 120 s")


def dar_server(settings: Settings, folder: Path, source: Path | None = None) -> Any:  # noqa: ANN401
    """`dar run` on a free port with these settings (one worker), from `source` if given."""
    port = free_port()
    env = environment(settings, DAR_PORT=str(port), DAR_WORKERS="1")
    if source is None:
        command = [str(Path(sys.executable).with_name("dar")), "run"]
    else:  # another checkout's code, ahead of this one's on the path
        env["PYTHONPATH"] = str(source)
        command = [sys.executable, "-c", "from api.cli import app; app()", "run"]
    log = folder / f"dar{'-before' if source else ''}.log"
    return server(command, env, log, port, cwd=source or ROOT)


def baseline_server(store: str, folder: Path) -> Any:  # noqa: ANN401 - a context manager
    """The baseline app under uvicorn, one worker, as `dar run` configures it."""
    port = free_port()
    env = {**os.environ, "BENCH_STORE": store}
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "bench.graphql_latency:baseline_app",
        "--host=127.0.0.1",
        f"--port={port}",
        "--workers=1",
        "--no-server-header",
        "--no-access-log",  # as `dar run` by default (DAR_ACCESS_LOG)
    ]
    return server(command, env, folder / "baseline.log", port)


# --- closed loop: wrk --------------------------------------------------------------------------


def require_wrk() -> str:
    """The path of wrk, or exit saying how to get it."""
    found = shutil.which("wrk")
    if found is None:
        sys.exit("graphql_latency needs wrk for the closed loop: apt-get install -y wrk")
    return found


def _lua(target: str, token: str, run: str) -> str:
    globals_ = f"TOKEN = {json.dumps(token)}\nRUN = {json.dumps(run)}\n"
    globals_ += f"MUTATION = {json.dumps(json.dumps(MUTATION)[1:-1])}\n"
    if target == "query":
        body = LUA_POST % json.dumps(json.dumps({"query": QUERY}))
    elif target == "mutation":
        body = LUA_MUTATION
    elif target == "insert":
        body = LUA_POST % json.dumps("{}")
    else:
        body = LUA_GET
    return globals_ + LUA_COMMON + body


def wrk(wrk_path: str, url: str, script: Path, connections: int, seconds: float) -> dict[str, int]:
    """One wrk run (one thread); its figures."""
    command = [
        wrk_path,
        "-t1",
        f"-c{connections}",
        f"-d{seconds:g}s",
        "--timeout=10s",
        "-s",
        str(script),
        url,
    ]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    line = next(x for x in out.splitlines() if x.startswith("WRK_JSON "))
    figures: dict[str, int] = json.loads(line.removeprefix("WRK_JSON "))
    return figures


def closed(target: str, raw: dict[str, int], connections: int) -> Figures:
    """The figures of one wrk run."""
    return Figures(
        target=target,
        mode="closed",
        clients=connections,
        rate=raw["requests"] / (raw["duration_us"] / 1e6),
        p50_ms=raw["p50_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        max_ms=raw["max_us"] / 1000,
        bad=raw["bad"] + raw["socket_errors"],
    )


# --- open loop: a generator holding a fixed rate -----------------------------------------------


@dataclass(frozen=True)
class Call:
    """How to send one request of a target."""

    method: str
    path: str
    token: str | None
    mutation: bool


def _request(call: Call, host: str, n: int, run: str) -> bytes:
    """The bytes of one HTTP/1.1 request (a mutation's keys made from `run` and `n`)."""
    body = b"{}"
    if call.mutation:
        key = f"{run}O{n}"
        names = {"nameAr": "شريك", "nameFr": f"Partenaire {key}"}
        variables = {"i": {"commandId": f"bench-{key}", "code": f"B{key}", **names}}
        body = json.dumps({"query": MUTATION, "variables": variables}).encode()
    auth = f"Authorization: Bearer {call.token}\r\n" if call.token else ""
    head = (
        f"{call.method} {call.path} HTTP/1.1\r\nHost: {host}\r\n{auth}"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


Stream = tuple[asyncio.StreamReader, asyncio.StreamWriter]
KEEP_ALIVE_SECONDS = 4.0  # uvicorn closes a connection idle for 5 s


async def _exchange(stream: Stream, request: bytes) -> bytes | None:
    """Send one request on a kept-alive connection; None if its answer is a clean 200, else it."""
    reader, writer = stream
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    length = next(
        int(x.split(b":", 1)[1]) for x in lines if x.lower().startswith(b"content-length:")
    )
    body = await reader.readexactly(length)
    clean = lines[0].split(b" ")[1] == b"200" and b'"errors"' not in body
    return None if clean else head + body


class _Connections:
    """Kept-alive connections to one server: the most recently used first, none left idle long."""

    def __init__(self, host: str) -> None:
        self._address, self._port = host.rsplit(":", 1)
        self._idle: list[tuple[Stream, float]] = []

    async def take(self) -> Stream:
        """An idle connection, or a new one."""
        while self._idle:
            stream, used = self._idle.pop()
            if time.perf_counter() - used < KEEP_ALIVE_SECONDS:
                return stream
            stream[1].close()  # the server may have closed it meanwhile
        return await asyncio.open_connection(self._address, int(self._port))

    def give(self, stream: Stream) -> None:
        """A connection free again."""
        self._idle.append((stream, time.perf_counter()))

    def close(self) -> None:
        """Close the idle connections."""
        for (_, writer), _ in self._idle:
            writer.close()


async def open_loop(url: str, call: Call, rate: float, seconds: float, run: str) -> Figures:
    """Send at `rate` per second for `seconds`; latency from each request's scheduled time.

    Plain asyncio streams, HTTP/1.1 kept alive: a request goes on an idle connection, or on a
    new one when all are busy (so a slow answer never holds back the next send).
    """
    host = url.removeprefix("http://")
    connections = _Connections(host)
    latencies: list[float] = []
    bad = 0

    async def one(n: int, scheduled: float) -> None:
        nonlocal bad
        request = _request(call, host, n, run)
        stream = await connections.take()
        try:
            refused = await _exchange(stream, request)
        except (OSError, asyncio.IncompleteReadError, ValueError) as error:
            refused = repr(error).encode()
            stream[1].close()
        else:
            connections.give(stream)
        latencies.append(time.perf_counter() - scheduled)
        if refused is not None:
            bad += 1
            if bad == 1:
                print(f"  first bad answer: {refused[:400]!r}", file=sys.stderr, flush=True)

    for n in range(8):  # warm the server and open a few connections before the clock starts
        await one(9_000_000 + n, time.perf_counter())
    latencies.clear()
    bad = 0
    start = time.perf_counter() + 0.05
    tasks = []
    for n in range(int(rate * seconds)):
        scheduled = start + n / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(n, scheduled)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    connections.close()
    ordered = sorted(latencies)
    return Figures(
        target="",
        mode="open",
        clients=0,
        rate=len(ordered) / elapsed,
        p50_ms=_percentile(ordered, 50) * 1000,
        p99_ms=_percentile(ordered, 99) * 1000,
        max_ms=ordered[-1] * 1000,
        bad=bad,
    )


def _percentile(ordered: Sequence[float], p: float) -> float:
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))
    return ordered[index]


# --- one store ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    """What the command line asked for."""

    stores: tuple[str, ...]
    seconds: float
    open_seconds: float
    rate: float
    connections: tuple[int, ...]
    out_dir: Path
    before: Path | None
    open_repeats: int


def measure(
    store: str, fresh: Callable[[], Settings], baseline_store: str, o: Options
) -> list[Figures]:
    """Every target on this store: closed loop at each connection count, then the open loop.

    With `--before DIR`, the Dar of that checkout is measured too, on a store of its own,
    between this Dar and the baselines' open loop: the same conditions, the same run.
    """
    require_wrk()
    run = uuid4().hex[:6].upper()
    prepare_baseline_store(baseline_store)
    results: list[Figures] = []
    with tempfile.TemporaryDirectory(prefix="dar-latency-") as name:
        folder = Path(name)
        with baseline_server(baseline_store, folder) as b:
            for target, path in (("bare", "/bare"), ("insert", "/insert")):
                script = folder / f"{target}.lua"
                script.write_text(_lua(target, "", run))
                url = f"{b}{path}"
                results.extend(
                    _announce(store, _wrk(target, url, script, c, o)) for c in o.connections
                )
            sources = [("", None)] + ([(" (before)", o.before)] if o.before else [])
            for label, source in sources:
                results += _dar_targets(
                    store, fresh(), folder, (source, b), label, run + label[2:3].upper(), o
                )
    return results


def _wrk(target: str, url: str, script: Path, connections: int, o: Options) -> Figures:
    wrk_path = require_wrk()
    wrk(wrk_path, url, script, connections, 2)  # warm-up
    return closed(target, wrk(wrk_path, url, script, connections, o.seconds), connections)


def _dar_targets(  # noqa: PLR0913, PLR0917 - one Dar's run
    store: str,
    settings: Settings,
    folder: Path,
    servers: tuple[Path | None, str],
    label: str,
    run: str,
    o: Options,
) -> list[Figures]:
    """The query and the mutation on one Dar (this checkout's, or `source`'s).

    The open loop runs `open_repeats` times; for this checkout's Dar each mutation run is
    followed by one of the minimal insert, so that the two alternate in the same conditions.
    Each open-loop figure is the median of its runs (p50, p99), its max the largest.
    """
    source, baseline = servers
    token = token_for(settings, Role.ADMIN)
    results: list[Figures] = []
    with dar_server(settings, folder, source) as url:
        for target in ("query", "mutation"):  # the query before the writes
            script = folder / f"{target}.lua"
            script.write_text(_lua(target, token, run))
            for c in o.connections:
                figures = _wrk(target, f"{url}/graphql", script, c, o)
                results.append(_announce(store, _named(figures, target + label)))
        mutation = Call("POST", "/graphql", token, mutation=True)
        insert = Call("POST", "/insert", None, mutation=False)
        runs: dict[str, list[Figures]] = {"mutation" + label: [], "insert": []}
        for r in range(o.open_repeats):
            key = f"{run}R{r}"
            figures = asyncio.run(open_loop(url, mutation, o.rate, o.open_seconds, key))
            runs["mutation" + label].append(figures)
            if not label:
                runs["insert"].append(
                    asyncio.run(open_loop(baseline, insert, o.rate, o.open_seconds, key))
                )
        results += [_announce(store, _median(f, t)) for t, f in runs.items() if f]
    return results


def _median(runs: Sequence[Figures], target: str) -> Figures:
    """Open-loop runs as one figure: the medians of their rates, p50s and p99s; the max."""
    return Figures(
        target=target,
        mode="open",
        clients=0,
        rate=statistics.median(f.rate for f in runs),
        p50_ms=statistics.median(f.p50_ms for f in runs),
        p99_ms=statistics.median(f.p99_ms for f in runs),
        max_ms=max(f.max_ms for f in runs),
        bad=sum(f.bad for f in runs),
    )


def _named(figures: Figures, target: str) -> Figures:
    return Figures(
        target=target,
        mode=figures.mode,
        clients=figures.clients,
        rate=figures.rate,
        p50_ms=figures.p50_ms,
        p99_ms=figures.p99_ms,
        max_ms=figures.max_ms,
        bad=figures.bad,
    )


def _announce(store: str, figures: Figures) -> Figures:
    print(f"{store}{figures.line()}", flush=True)
    return figures


def run_sqlite(o: Options) -> list[Figures]:
    """Dar on its embedded SQLite files; the baseline on an SQLite file beside them."""
    with tempfile.TemporaryDirectory(prefix="dar-latency-sqlite-") as folder:
        names = iter(range(10))

        def fresh() -> Settings:
            return Settings(database_url=f"sqlite:///{folder}/dar{next(names)}.sqlite")

        return measure("sqlite", fresh, f"{folder}/raw.sqlite", o)


def run_postgres(o: Options) -> list[Figures]:
    """Dar and the baseline on the suite's throwaway PostgreSQL (fsync on)."""
    server_ = start_postgres(fsync=True)
    try:
        databases = PostgresDatabases(server_)
        with psycopg.connect(server_.admin_url(), autocommit=True) as conn:
            conn.execute("CREATE DATABASE bench_raw")
        return measure("pg", databases.create, server_.admin_url("bench_raw"), o)
    finally:
        server_.stop()


# --- the report --------------------------------------------------------------------------------


def _find(results: Sequence[Figures], target: str, mode: str, clients: int) -> Figures:
    return next(
        f for f in results if f.target == target and f.mode == mode and f.clients == clients
    )


def rows_of(store: str, results: Sequence[Figures], o: Options) -> list[dict[str, object]]:
    """results.json rows: throughputs against the bare endpoint, p99s against the insert."""
    rows: list[dict[str, object]] = []

    def row(name: str, clients: int, value: float, base: float, unit: str) -> None:
        ratio = round(value / base, 3) if base else 0.0
        rows.append(
            {
                "name": f"{store}{MARK}{name}",
                "clients": clients,
                "value": round(value, 2),
                "baseline": round(base, 2),
                "ratio": ratio,
                "unit": unit,
            }
        )

    for c in o.connections:
        bare, query = _find(results, "bare", "closed", c), _find(results, "query", "closed", c)
        insert = _find(results, "insert", "closed", c)
        mutation = _find(results, "mutation", "closed", c)
        row("bare_rps", c, bare.rate, bare.rate, "req/s")
        row("query_rps", c, query.rate, bare.rate, "req/s")
        row("insert_rps", c, insert.rate, insert.rate, "req/s")
        row("mutation_rps", c, mutation.rate, insert.rate, "req/s")
        row("insert_p99", c, insert.p99_ms, insert.p99_ms, "ms")
        row("mutation_p99", c, mutation.p99_ms, insert.p99_ms, "ms")
    insert, mutation = _find(results, "insert", "open", 0), _find(results, "mutation", "open", 0)
    rate = f"open_{o.rate:g}rps"
    row(f"insert_p99_{rate}", 0, insert.p99_ms, insert.p99_ms, "ms")
    row(f"mutation_p99_{rate}", 0, mutation.p99_ms, insert.p99_ms, "ms")
    return rows


def markdown(by_store: dict[str, list[Figures]], o: Options, command: str) -> str:
    """The section of RESULTS.md."""
    lines = [
        SECTION,
        "",
        f"- command: `{command}`",
        (
            "- 1 uvicorn worker per server on loopback; closed loop: wrk, 1 thread, "
            f"{o.seconds:g} s per figure after a 2 s warm-up; open loop: `open_loop` in this "
            "module (asyncio streams, HTTP/1.1 kept alive), "
            f"{o.rate:g} req/s for {o.open_seconds:g} s, {o.open_repeats} runs alternating "
            "mutation and insert, medians of the runs; latency from each request's scheduled "
            "send time"
        ),
        (
            "- targets: mutation p99 <= 3x the insert's p99 at the same rate (open loop); "
            "query throughput >= 0.3x the bare endpoint's"
        ),
        "",
        "| store | target | load | req/s | p50 ms | p99 ms | max ms | bad |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for store, results in by_store.items():
        for f in results:
            load = f"{f.clients} conn" if f.mode == "closed" else f"open {o.rate:g}/s"
            lines.append(
                f"| {store} | {f.target} | {load} | {f.rate:,.0f} | {f.p50_ms:.2f} "
                f"| {f.p99_ms:.2f} | {f.max_ms:.1f} | {f.bad} |"
            )
    lines += ["", "| store | Dar | ratio | value | target |", "|---|---|---|---:|---|"]
    for store, results in by_store.items():
        labels = ["", " (before)"] if any(f.target.endswith("(before)") for f in results) else [""]
        for label in labels:
            lines += _ratios(store, results, label, o)
    return "\n".join([*lines, ""])


def _ratios(store: str, results: Sequence[Figures], label: str, o: Options) -> list[str]:
    """The target ratios of one Dar (this checkout's, or the one measured `(before)`)."""
    dar = "this checkout" if not label else "before"
    lines = []
    for c in o.connections:
        q, b = _find(results, "query" + label, "closed", c), _find(results, "bare", "closed", c)
        ratio = q.rate / b.rate
        lines.append(f"| {store} | {dar} | query / bare req/s, {c} conn | {ratio:.3f} | >= 0.3 |")
    m, i = _find(results, "mutation" + label, "open", 0), _find(results, "insert", "open", 0)
    lines.append(
        f"| {store} | {dar} | mutation / insert p99, open {o.rate:g}/s "
        f"| {m.p99_ms / i.p99_ms:.2f} | <= 3 |"
    )
    for c in o.connections:
        m = _find(results, "mutation" + label, "closed", c)
        i = _find(results, "insert", "closed", c)
        lines.append(
            f"| {store} | {dar} | mutation / insert p99, {c} conn (closed: not the same rate) "
            f"| {m.p99_ms / i.p99_ms:.2f} | |"
        )
    return lines


def write(by_store: dict[str, list[Figures]], o: Options, command: str) -> None:
    """Merge the rows into results.json and the section into RESULTS.md, keeping the others'."""
    json_path, md_path = o.out_dir / "results.json", o.out_dir / "RESULTS.md"
    kept = [r for r in json.loads(json_path.read_text()) if MARK not in r["name"]]
    rows = [row for store, results in by_store.items() for row in rows_of(store, results, o)]
    json_path.write_text(json.dumps(kept + rows, indent=2) + "\n")
    text = md_path.read_text()
    before, _, after = text.partition(SECTION)
    rest = after.split("\n## ", 1)[1] if "\n## " in after else ""
    merged = before.rstrip("\n") + "\n\n" + markdown(by_store, o, command)
    if rest:
        merged += "\n## " + rest
    md_path.write_text(merged)


def main(argv: Sequence[str] | None = None) -> int:
    """Measure on each store, print, and record."""
    args = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="python -m bench.graphql_latency", description=__doc__)
    parser.add_argument("--stores", default="sqlite", help="sqlite,postgres (sqlite)")
    parser.add_argument("--seconds", type=float, default=10, help="per closed-loop figure (10)")
    parser.add_argument("--open-seconds", type=float, default=15, help="per open-loop run (15)")
    parser.add_argument("--rate", type=float, default=50, help="open-loop rate, req/s (50)")
    parser.add_argument(
        "--open-repeats", type=int, default=3, help="open-loop runs, alternated (3)"
    )
    parser.add_argument("--connections", default="1,8", help="closed-loop connections (1,8)")
    parser.add_argument("--out-dir", type=Path, default=BENCH_DIR)
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument(
        "--before", type=Path, default=None, help="also measure Dar from this checkout (a folder)"
    )
    a = parser.parse_args(args)
    o = Options(
        stores=tuple(str(a.stores).split(",")),
        seconds=a.seconds,
        open_seconds=a.open_seconds,
        rate=a.rate,
        connections=tuple(int(c) for c in str(a.connections).split(",")),
        out_dir=a.out_dir,
        before=a.before,
        open_repeats=a.open_repeats,
    )
    require_wrk()
    by_store: dict[str, list[Figures]] = {}
    command = " ".join([".venv/bin/python -m bench.graphql_latency", *args])
    for store, run in (("sqlite", run_sqlite), ("postgres", run_postgres)):
        if store in o.stores:
            by_store["pg" if store == "postgres" else store] = run(o)
            if not a.no_write:  # after each store: a later failure keeps the figures so far
                write(by_store, o, command)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
