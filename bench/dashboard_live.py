"""Live lag on PostgreSQL: from a command's commit to the push a subscriber receives, at 50 cmd/s.

`python -m bench.dashboard_live [--seconds 30] [--rate 50] [--subscription counterDashboard]
[--day-visits 150] [--query-seconds 10]`

One run, on the suite's throwaway PostgreSQL (fsync on):
- Dar as deployed with a separate worker: one API process (`dar run`, one uvicorn worker, no
  embedded projections) and one projection worker process (`dar project`);
- Haidra set up through the API: a line, a counter and an agent per counter (`--counters`, 4);
- a day made before the load (`--day-visits`, 150): visits with a request each, two thirds STEG
  bills paid cash (a tenth with a refund waiting for approval), a third CNAM files forwarded;
- a load generator holding a steady rate (default 50 commands/s): a thread per counter, each
  repeating issueTicket, callNextTicket, endVisit on its own line at its share of the rate, every
  command sent at its scheduled time (after the previous one's answer: a cycle is ordered);
- a WebSocket subscriber in its own process, on the subscription chosen (`--subscription`:
  `calledTickets`, anonymous, or `counterDashboard`, a supervisor's token; its document is
  `SUBSCRIPTIONS[name]`), recording when each push arrives and the position it carries.

Lag of a command = the arrival of the first push whose position reaches the command's position,
minus the command's commit, taken as its event's `recordedAt` (the server's clock when the event
was made, just before the commit: the lag is if anything over-stated); only the commands the
subscription shows are counted (`calledTickets`: the calls; `counterDashboard`: every command).
The same figure from the command's HTTP answer is printed too (it under-states: the answer leaves
after the commit).

Raw baseline, same server, same run: a bare PostgreSQL `NOTIFY` committed by one connection at the
same rate, until a `LISTEN`ing connection in another thread receives it.

Then, in the same run, after the load (`--query-seconds`, 10; 0 skips it): a few tickets left
waiting on each line, and the whole `counterDashboard` query (every field, the supervisor's token)
under `wrk` at 8 connections, 1 thread, as `bench.graphql_latency` runs it; baseline: that
bench's bare FastAPI endpoint (`GET /bare`), same connections, same run.

Targets: lag p99 <= 100 ms; query p99 <= 20 ms. Rows go to `bench/results.json` (names
`pg_dashboard_live_*`, ratio against the bare NOTIFY, or the bare endpoint for the query) and a
section of `bench/RESULTS.md` per subscription; the other entries stay.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

import httpx
import psycopg
from websockets.sync.client import connect
from websockets.typing import Subprotocol

from api.auth import Role, TokenService
from bench.graphql_latency import (
    LUA_COMMON,
    LUA_GET,
    LUA_POST,
    Figures,
    baseline_server,
    closed,
    require_wrk,
    server,
    wrk,
)
from infrastructure.settings import Settings
from tests.support import e2e
from tests.support.api import environment, free_port, graphql, token_for
from tests.support.postgres import start_postgres
from tests.support.stores import PostgresDatabases

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
SECTION = "## dashboard_live (issue 15): lag from a command's commit to the subscriber's push"
MARK = "_dashboard_live_"
PROTOCOL = Subprotocol("graphql-transport-ws")
HOUSE_VAR = "$h: ID!"
TARGET_P99_MS = 100
TARGET_QUERY_P99_MS = 20
SECTIONS = {  # the calledTickets section keeps its first title
    "calledTickets": SECTION,
    "counterDashboard": "## dashboard_live (issue 15): counterDashboard, lag of its pushes and "
    "its query under load",
}


@dataclass(frozen=True)
class Subscription:
    """A subscription to measure: its document, whose token, which commands it shows."""

    document: str
    field: str
    role: Role | None  # None: an anonymous socket
    shows: frozenset[str]


SUBSCRIPTIONS = {
    "calledTickets": Subscription(
        f"subscription({HOUSE_VAR}) {{ calledTickets(houseId: $h) {{ position }} }}",
        "calledTickets",
        None,
        frozenset({"callNextTicket"}),
    ),
    "counterDashboard": Subscription(
        f"subscription({HOUSE_VAR}) {{ counterDashboard(houseId: $h) {{ position }} }}",
        "counterDashboard",
        Role.SUPERVISOR,
        frozenset({"issueTicket", "callNextTicket", "endVisit"}),
    ),
}
CYCLE = (
    ("issueTicket", "IssueTicketInput"),
    ("callNextTicket", "CallNextTicketInput"),
    ("endVisit", "EndVisitInput"),
)


@dataclass
class Command:
    """One command sent by the load generator."""

    name: str
    sent: float  # wall clock, s
    answered: float = 0.0
    position: int = 0
    committed: float = 0.0  # its event's recordedAt, wall clock s
    error: str | None = None


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (nearest rank) of the values."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


# --- the raw baseline: a bare NOTIFY to a LISTEN client ----------------------------------------


def notify_baseline(url: str, rate: float, seconds: float) -> list[float]:
    """Lags (ms) of bare NOTIFYs sent at `rate` until a LISTENing connection receives each."""
    received: dict[int, float] = {}
    listening = threading.Event()
    done = threading.Event()

    def listen() -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("LISTEN bench_raw")
            listening.set()
            while not done.is_set():
                for n in conn.notifies(timeout=0.2):
                    received[int(n.payload)] = time.time()

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    listening.wait(10)
    sent: dict[int, float] = {}
    with psycopg.connect(url, autocommit=True) as conn:
        start = time.monotonic()
        for k in range(int(rate * seconds)):
            _sleep_until(start + k / rate)
            sent[k] = time.time()
            conn.execute("SELECT pg_notify('bench_raw', %s)", (str(k),))
    time.sleep(1.0)
    done.set()
    thread.join(5)
    return [(received[k] - sent[k]) * 1000 for k in sent if k in received]


def _sleep_until(moment: float) -> None:
    delay = moment - time.monotonic()
    if delay > 0:
        time.sleep(delay)


# --- Dar: set-up, load, subscriber -------------------------------------------------------------


LINES = {  # a line per counter, each with its own agent
    "A": ("A17", "STEG", "STEG/BILL_PAYMENT"),
    "B": ("A18", "CNAM", "CNAM/REIMBURSEMENT_FILE"),
    "C": ("A19", "SONEDE", "SONEDE/BILL_PAYMENT"),
    "D": ("A20", "STEG", "STEG/BILL_DUPLICATE"),
}


def set_up(http: httpx.Client, admin: str, agents: dict[str, str]) -> str:
    """Haidra with a line, a counter and an agent per counter (A17 at 1, A18 at 2, …)."""
    c = e2e.Client(http)
    used = {line: LINES[line] for line in list(LINES)[: len(agents)]}
    house = e2e.setup_haidra(
        c,
        admin,
        lines={line: (partner, [service]) for line, (_, partner, service) in used.items()},
        staff={agent: [partner] for agent, partner, _ in used.values()},
        grants={"STEG": e2e.Grant(["BILL_PAYMENT"], 500_000), "CNAM": e2e.Grant(DAY_CNAM)},
    )
    for n in range(3, len(agents) + 1):  # setup_haidra adds counters 1 and 2
        add = {"houseId": house, "number": n, "label": f"Guichet {n}"}
        c.mutate(admin, "addCounter", "AddCounterInput", "id", commandId=f"c{n}", **add)
    for n, token in enumerate(agents.values(), start=1):
        c.mutate(
            token,
            "openCounter",
            "OpenCounterInput",
            "id",
            commandId=f"o{n}",
            houseId=house,
            number=n,
        )
        c.mutate(token, "openTill", "OpenTillInput", "id", commandId=f"till{n}", float="20.000")
    return house


# --- a realistic day before the load: requests, payments, files at partners -----------------

DAY_CNAM = ["REIMBURSEMENT_FILE"]
DAY_DOCUMENTS = ["Bulletin de soins", "Ordonnance", "Factures"]
CITIZENS = 20


FIELDS = {
    "issueTicket": "ticket position",
    "callNextTicket": "ticket position",
    "endVisit": "ticket position",
    "requestRefund": "refundId position",
}


def _mutate(http: httpx.Client, token: str, op: str, kind: str, /, **values: object) -> Any:  # noqa: ANN401 - a payload
    """The mutation's payload (`ticket position` of the queue's, `id position` of the others)."""
    fields = FIELDS.get(op, "id position")
    document = f"mutation($i: {kind}!) {{ {op}(input: $i) {{ {fields} }} }}"
    body = graphql(http, document, {"i": values}, token)
    if body.get("errors"):
        msg = f"{op}: {body['errors'][0]}"
        raise RuntimeError(msg)
    return body["data"][op]


@dataclass(frozen=True)
class Day:
    """Who makes the day: the house, its first two agents' tokens, its citizens."""

    house: str
    agents: list[str]
    citizens: list[str]


def visit_with_request(http: httpx.Client, day: Day, k: int) -> int:
    """One visit with a request; the last position.

    At counter 1 a STEG bill paid cash (every tenth with a refund asked for), at counter 2 a
    CNAM file forwarded to its partner.
    """
    steg = k % 3 != 2
    line, counter, token = ("A", 1, day.agents[0]) if steg else ("B", 2, day.agents[1])
    key, house = f"d{k}", {"houseId": day.house}

    def m(op: str, kind: str, **values: object) -> Any:  # noqa: ANN401 - a payload
        return _mutate(http, token, op, kind, **values)

    m("issueTicket", "IssueTicketInput", commandId=f"{key}i", line=line, **house)
    called = {"commandId": f"{key}c", "counter": counter, "lines": [line]}
    ticket = m("callNextTicket", "CallNextTicketInput", **called, **house)["ticket"]
    citizen = day.citizens[k % len(day.citizens)]
    lodge = {"commandId": f"{key}l", "ticket": ticket, "citizenId": citizen, **house}
    if steg:
        bill = {"partnerCode": "STEG", "serviceCode": "BILL_PAYMENT", "documents": []}
        request = m("lodgeRequest", "LodgeRequestInput", **lodge, **bill)["id"]
        cash = {"commandId": f"{key}p", "requestId": request, "billReference": f"2026{k + 1:04d}"}
        paid = m("recordCashPayment", "RecordCashPaymentInput", **cash)
        if k % 10 == 0:
            refund = {"paymentId": paid["id"], "amount": "1.000", "reason": "Erreur de saisie"}
            m("requestRefund", "RequestRefundInput", commandId=f"{key}r", **refund)
    else:
        file = {"partnerCode": "CNAM", "serviceCode": DAY_CNAM[0], "documents": DAY_DOCUMENTS}
        request = m("lodgeRequest", "LodgeRequestInput", **lodge, **file)["id"]
        m("forwardRequest", "ForwardRequestInput", commandId=f"{key}f", requestId=request)
    ended = m("endVisit", "EndVisitInput", commandId=f"{key}e", ticket=ticket, **house)
    return int(ended["position"])


def seed_day(url: str, house: str, agents: list[str], visits: int) -> int:
    """`visits` visits with a request each, by the first two agents in parallel; the last position.

    Two thirds are STEG bills paid cash (a tenth of them with a refund waiting for approval), a
    third CNAM files forwarded to the partner.
    """
    with httpx.Client(base_url=url, timeout=30) as http:
        citizens = []
        for n in range(CITIZENS):
            citizen = {"name": f"Citoyen {n}", "documentKind": "CIN"}
            citizen |= {"documentNumber": f"0{4417000 + n}", "commandId": f"cit{n}"}
            made = _mutate(http, agents[0], "registerCitizen", "RegisterCitizenInput",
                           houseId=house, **citizen)  # fmt: skip
            citizens.append(made["id"])
    day = Day(house, agents, citizens)
    last: list[int] = [0]
    failed: list[BaseException] = []

    def part(ks: list[int]) -> None:
        try:
            with httpx.Client(base_url=url, timeout=30) as http:
                last.extend(visit_with_request(http, day, k) for k in ks)
        except Exception as e:  # noqa: BLE001 - reported below, in the main thread
            failed.append(e)

    by_counter = ([k for k in range(visits) if k % 3 != 2], list(range(2, visits, 3)))
    threads = [threading.Thread(target=part, args=(ks,)) for ks in by_counter]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failed:
        msg = f"the day could not be made: {failed[0]}"
        raise RuntimeError(msg) from failed[0]
    return max(last)


@dataclass(frozen=True)
class Schedule:
    """When a counter's commands go: `rate` per second from `start` (monotonic) for `seconds`."""

    rate: float
    start: float
    seconds: float


def load(
    url: str, house: str, agent: tuple[str, int, str], when: Schedule, out: list[Command]
) -> None:
    """One counter's cycles: issue, call, end, each at its scheduled time."""
    token, counter, line = agent
    rate, start = when.rate, when.start
    ticket = ""
    with httpx.Client(base_url=url, timeout=30) as http:
        for k in range(int(rate * when.seconds)):
            name, kind = CYCLE[k % len(CYCLE)]
            _sleep_until(start + k / rate)
            values: dict[str, object] = {"commandId": f"{line}{k}", "houseId": house}
            if name == "issueTicket":
                values["line"] = line
            elif name == "callNextTicket":
                values |= {"counter": counter, "lines": [line]}
            else:
                values["ticket"] = ticket
            command = Command(name, time.time())
            document = f"mutation($i: {kind}!) {{ {name}(input: $i) {{ ticket position }} }}"
            body = graphql(http, document, {"i": values}, token)
            command.answered = time.time()
            if body.get("errors"):
                command.error = str(body["errors"][0]["extensions"]["code"])
            else:
                answer = body["data"][name]
                command.position, ticket = int(answer["position"]), answer["ticket"]
            out.append(command)


def subscribe(
    target: tuple[str, str], sub: Subscription, token: str | None, ready: Connection, stop: Event
) -> None:
    """In its own process (no lock shared with the load): pushes until `stop`, then sent back.

    Sends `None` on `ready` once the first push came (or the error message), then at the end the
    list of (arrival wall clock s, position).
    """
    url, house = target
    seen: list[tuple[float, int]] = []
    ws_url = url.replace("http://", "ws://") + "/graphql"
    init = {"authorization": f"Bearer {token}"} if token else {}
    with connect(ws_url, subprotocols=[PROTOCOL], open_timeout=10) as ws:
        ws.send(json.dumps({"type": "connection_init", "payload": init}))
        json.loads(ws.recv(timeout=10))
        payload = {"query": sub.document, "variables": {"h": house}}
        ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        while not stop.is_set():
            try:
                raw = ws.recv(timeout=0.5)
            except TimeoutError:
                continue
            arrived = time.time()
            message = json.loads(raw)
            data = (message.get("payload") or {}).get("data")
            if message.get("type") != "next" or not data:
                ready.send(message)
                return
            if not seen:
                ready.send(None)
            seen.append((arrived, int(data[sub.field]["position"])))
    ready.send(seen)


def recorded_at(http: httpx.Client, admin: str, positions: set[int]) -> dict[int, float]:
    """Each position's event `recordedAt` (wall clock s), read back through `events`."""
    found: dict[int, float] = {}
    after = min(positions) - 1 if positions else 0
    top = max(positions, default=0)
    query = "query($a: Position!) { events(afterPosition: $a, first: 100) { position recordedAt } }"
    while after < top:
        page = graphql(http, query, {"a": after}, admin)["data"]["events"]
        if not page:
            break
        for event in page:
            position = int(event["position"])
            if position in positions:
                found[position] = datetime.fromisoformat(event["recordedAt"]).timestamp()
        after = int(page[-1]["position"])
    return found


def lags(
    commands: Sequence[Command], pushes: Sequence[tuple[float, int]], *, answered: bool
) -> list[float]:
    """Each command's lag (ms) to the first push reaching its position (after it was sent)."""
    out: list[float] = []
    for c in commands:
        start = c.answered if answered else c.committed
        arrival = next((t for t, p in pushes if p >= c.position and t >= c.sent), None)
        if arrival is not None:
            out.append((arrival - start) * 1000)
    return out


@dataclass(frozen=True)
class Options:
    """What to run."""

    seconds: float
    rate: float
    counters: int
    subscription: str
    out_dir: Path
    write: bool
    day_visits: int = 150  # visits with a request made before the load (0: none)
    query_seconds: float = 10  # the counterDashboard query under wrk after the load (0: none)
    query_connections: int = 8


def run(o: Options) -> dict[str, Any]:
    """Start PostgreSQL, Dar and the worker; measure; the figures."""
    pg = start_postgres(fsync=True)
    try:
        settings = PostgresDatabases(pg).create()
        baseline = notify_baseline(pg.admin_url(), o.rate, min(o.seconds, 20))
        figures = measure(settings, o)
        figures["notify"] = baseline
        if o.query_seconds:
            with (
                tempfile.TemporaryDirectory(prefix="dar-bare-") as folder,
                baseline_server(pg.admin_url(), Path(folder)) as url,
            ):
                figures["bare"] = wrk_closed("bare", f"{url}/bare", LUA_COMMON + LUA_GET, o)
        return figures
    finally:
        pg.stop()


def measure(settings: Settings, o: Options) -> dict[str, Any]:
    """Dar (one API process, one worker) under the load, with one subscriber."""
    sub = SUBSCRIPTIONS[o.subscription]
    tokens = TokenService(settings)
    admin = token_for(settings, Role.ADMIN)
    names = [agent for agent, _, _ in LINES.values()][: o.counters]
    agents = {a: tokens.mint(a, Role.AGENT, house="haidra") for a in names}
    with tempfile.TemporaryDirectory(prefix="dar-live-") as folder:
        port = free_port()
        env = environment(
            settings, DAR_PORT=str(port), DAR_WORKERS="1", DAR_EMBEDDED_PROJECTIONS="false"
        )
        dar = str(Path(sys.executable).with_name("dar"))
        with (
            worker_process([dar, "project"], environment(settings), Path(folder) / "worker.log"),
            server([dar, "run"], env, Path(folder) / "dar.log", port) as url,
            httpx.Client(base_url=url, timeout=30) as http,
        ):
            house = set_up(http, admin, agents)
            if o.day_visits:
                seed_day(url, house, list(agents.values())[:2], o.day_visits)
            token = None
            if sub.role is not None:
                staff = e2e.Client(http)
                enrol = {"houseId": house, "employeeNumber": "S01", "displayName": "S01"}
                staff.mutate(admin, "enrollAgent", "EnrollAgentInput", "id", commandId="s", **enrol)
                token = tokens.mint("S01", sub.role, house="haidra")
            spawn = multiprocessing.get_context("spawn")
            back, ready = spawn.Pipe(duplex=False)
            stop = spawn.Event()
            listener = spawn.Process(target=subscribe, args=((url, house), sub, token, ready, stop))
            listener.start()
            first = back.recv() if back.poll(60) else "no push within 60 s"
            if first is not None:
                listener.terminate()
                msg = f"the subscription did not start: {first}"
                raise RuntimeError(msg)
            commands, elapsed = generate(url, house, agents, o)
            time.sleep(2.0)  # the last pushes
            stop.set()
            pushes: list[tuple[float, int]] = back.recv() if back.poll(30) else []
            listener.join(5)
            ok = [c for c in commands if c.error is None]
            stamps = recorded_at(http, admin, {c.position for c in ok})
            board = query_phase(http, house, token or admin, list(agents.values()), o)
    for c in ok:
        c.committed = stamps.get(c.position, c.answered)
    shown = [c for c in ok if c.name in sub.shows]
    return {
        "subscription": o.subscription,
        "commands": len(commands),
        "errors": sorted({c.error for c in commands if c.error}),
        "failed": len(commands) - len(ok),
        "rate": len(commands) / elapsed,
        "pushes": len(pushes),
        "shown": len(shown),
        "lag": lags(shown, pushes, answered=False),
        "lag_from_answer": lags(shown, pushes, answered=True),
        "mutation_ms": [(c.answered - c.sent) * 1000 for c in ok],
        **board,
    }


BOARD = """
  houseId businessDate asOf position
  lines { prefix name waiting longestWaitSeconds openCounters averageHandlingSeconds
          estimatedWaitSeconds }
  counters { number agentId agentName currentTicket calledAt }
  today { visits served contacts requestsOnTheSpot requestsForwarded requestsRefused noShows }
  collected { partnerCode method amount captured refunded payments }
  refundsAwaitingApproval { paymentId refundId partnerCode amount requestedAt }
  overdueAtPartners { requestId partnerCode serviceCode deadline workingDaysOverdue }
  expiring { kind partnerCode agentId validUntil daysLeft }
  agents { agentId agentName visitsServed averageHandlingSeconds contacts requests }
"""
QUERY = (
    "query($h: ID!, $p: Position) { counterDashboard(houseId: $h, atLeastPosition: $p) { "
    + " ".join(BOARD.split())
    + " } }"
)
WAITING = 6  # tickets left waiting per line for the query phase


def query_phase(
    http: httpx.Client, house: str, token: str, agents: list[str], o: Options
) -> dict[str, Any]:
    """After the load: a few tickets waiting on each line, then the whole dashboard under wrk."""
    if not o.query_seconds:
        return {}
    last = 0
    for n, line in enumerate(list(LINES)[: len(agents)]):
        for k in range(WAITING):
            issued = _mutate(http, agents[n], "issueTicket", "IssueTicketInput",
                             commandId=f"w{line}{k}", houseId=house, line=line)  # fmt: skip
            last = int(issued["position"])
    caught_up = graphql(http, QUERY, {"h": house, "p": last}, token)
    board = caught_up["data"]["counterDashboard"]
    body = json.dumps(json.dumps({"query": QUERY, "variables": {"h": house, "p": None}}))
    script = f"TOKEN = {json.dumps(token)}\n" + LUA_COMMON + LUA_POST % body
    url = str(http.base_url).rstrip("/") + "/graphql"
    return {
        "query": wrk_closed("counterDashboard", url, script, o),
        "board": {
            "bytes": len(json.dumps(caught_up)),
            "visits": board["today"]["visits"],
            "waiting": sum(line["waiting"] for line in board["lines"]),
            "payments": sum(c["payments"] for c in board["collected"]),
            "forwarded": board["today"]["requestsForwarded"],
            "refunds": len(board["refundsAwaitingApproval"]),
            "agents": len(board["agents"]),
        },
    }


def wrk_closed(target: str, url: str, script: str, o: Options) -> Figures:
    """Run wrk at the query's connections (after a 2 s warm-up) with this Lua script."""
    path = require_wrk()
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as lua:
        lua.write(script)
        lua.flush()
        wrk(path, url, Path(lua.name), o.query_connections, 2)
        raw = wrk(path, url, Path(lua.name), o.query_connections, o.query_seconds)
    return closed(target, raw, o.query_connections)


def generate(
    url: str, house: str, agents: dict[str, str], o: Options
) -> tuple[list[Command], float]:
    """The load: each counter's cycles at an equal share of the rate, interleaved."""
    commands: list[Command] = []
    start = time.monotonic() + 0.5
    threads = [
        threading.Thread(
            target=load,
            args=(
                url,
                house,
                (agents[agent], n, line),
                Schedule(o.rate / len(agents), start + n / o.rate, o.seconds),
                commands,
            ),
        )
        for n, (line, (agent, _, _)) in enumerate(list(LINES.items())[: len(agents)], start=1)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return commands, time.monotonic() - start


@contextmanager
def worker_process(command: list[str], env: dict[str, str], log: Path) -> Iterator[None]:
    """`dar project` until the block ends (it serves no HTTP: nothing to wait for)."""
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our own entry point
            command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
        )
        try:
            yield
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


# --- the report --------------------------------------------------------------------------------


def summary(figures: dict[str, Any]) -> dict[str, float]:
    """p50/p99 of each series, in ms."""
    out: dict[str, float] = {}
    for name in ("lag", "lag_from_answer", "notify", "mutation_ms"):
        values = figures[name]
        out[f"{name}_p50"] = percentile(values, 50)
        out[f"{name}_p99"] = percentile(values, 99)
        out[f"{name}_max"] = max(values, default=float("nan"))
    return out


def rows_of(figures: dict[str, Any], s: dict[str, float], o: Options) -> list[dict[str, object]]:
    """results.json rows: the lag's p50 and p99, each against the bare NOTIFY's."""
    sub = o.subscription
    rows = []
    for q in ("p50", "p99"):
        value, base = s[f"lag_{q}"], s[f"notify_{q}"]
        rows.append(
            {
                "name": f"pg{MARK}{sub}_lag_{q}_{o.rate:g}cps",
                "clients": 1,
                "value": round(value, 2),
                "baseline": round(base, 2),
                "ratio": round(value / base, 3) if base else 0.0,
                "unit": "ms",
            }
        )
    if "query" in figures:
        query, bare = figures["query"], figures["bare"]
        for q in ("p50", "p99"):
            value, base = getattr(query, f"{q}_ms"), getattr(bare, f"{q}_ms")
            rows.append(
                {
                    "name": f"pg{MARK}{sub}_query_{q}_{o.query_connections}c",
                    "clients": o.query_connections,
                    "value": round(value, 2),
                    "baseline": round(base, 2),
                    "ratio": round(value / base, 3) if base else 0.0,
                    "unit": "ms",
                }
            )
    return rows


def markdown(figures: dict[str, Any], s: dict[str, float], o: Options, command: str) -> str:
    """The section of RESULTS.md."""
    met = "met" if s["lag_p99"] <= TARGET_P99_MS else "**not met**"
    return "\n".join(
        [
            SECTIONS[o.subscription],
            "",
            f"- command: `{command}`",
            (
                f"- PostgreSQL (fsync on), one `dar run` (1 uvicorn worker, no embedded "
                f"projections) and one `dar project` worker; load: {o.rate:g} commands/s for "
                f"{o.seconds:g} s (issueTicket, callNextTicket, endVisit cycles at {o.counters} "
                f"counters of one house), achieved {figures['rate']:.1f}/s, {figures['commands']} "
                f"commands, {figures['failed']} refused {figures['errors']}"
            ),
            (
                f"- subscriber: `{o.subscription}`, {figures['pushes']} pushes; lag measured "
                f"for the {figures['shown']} commands it shows, from the event's `recordedAt` "
                "to the push's arrival; baseline: a bare NOTIFY to a LISTEN client, same "
                "server, same rate"
            ),
            "",
            "| figure | p50 ms | p99 ms | max ms |",
            "|---|---:|---:|---:|",
            *(
                f"| {label} | {s[name + '_p50']:.1f} | {s[name + '_p99']:.1f} "
                f"| {s[name + '_max']:.1f} |"
                for label, name in (
                    ("lag: event recordedAt to push", "lag"),
                    ("lag: HTTP answer to push", "lag_from_answer"),
                    ("raw: bare NOTIFY to LISTEN", "notify"),
                    ("mutation round trip", "mutation_ms"),
                )
            ),
            "",
            (
                f"- target lag p99 <= {TARGET_P99_MS} ms: {met} ({s['lag_p99']:.1f} ms; "
                f"{s['lag_p99'] / s['notify_p99']:.1f}x the bare NOTIFY's p99)"
            ),
            "",
            *query_markdown(figures, o),
        ]
    )


def query_markdown(figures: dict[str, Any], o: Options) -> list[str]:
    """The query phase's lines of the section (none if it did not run)."""
    if "query" not in figures:
        return []
    query, bare, board = figures["query"], figures["bare"], figures["board"]
    met = "met" if query.p99_ms <= TARGET_QUERY_P99_MS else "**not met**"
    return [
        (
            f"- query: the whole `counterDashboard` (every field) by the supervisor, wrk 1 thread "
            f"{o.query_connections} connections {o.query_seconds:g} s after the load, on the "
            f"house's day: {board['visits']} visits, {board['waiting']} waiting, "
            f"{board['payments']} payments, {board['forwarded']} files forwarded, "
            f"{board['refunds']} refunds to approve, {board['agents']} agents "
            f"({board['bytes']} bytes); baseline: the bare FastAPI endpoint of "
            "`bench.graphql_latency`, same connections"
        ),
        "",
        "| target | answers/s | p50 ms | p99 ms | max ms | bad |",
        "|---|---:|---:|---:|---:|---:|",
        *(
            f"| {f.target} | {f.rate:.0f} | {f.p50_ms:.2f} | {f.p99_ms:.2f} | {f.max_ms:.2f} "
            f"| {f.bad} |"
            for f in (query, bare)
        ),
        "",
        (
            f"- target query p99 <= {TARGET_QUERY_P99_MS} ms: {met} ({query.p99_ms:.1f} ms; "
            f"{query.p99_ms / bare.p99_ms:.1f}x the bare endpoint's p99)"
        ),
        "",
    ]


def write(figures: dict[str, Any], o: Options, command: str) -> None:
    """Merge the rows into results.json and the section into RESULTS.md, keeping the others'."""
    s = summary(figures)
    json_path, md_path = o.out_dir / "results.json", o.out_dir / "RESULTS.md"
    mine = f"pg{MARK}{o.subscription}_"
    kept = [r for r in json.loads(json_path.read_text()) if not r["name"].startswith(mine)]
    json_path.write_text(json.dumps(kept + rows_of(figures, s, o), indent=2) + "\n")
    text = md_path.read_text()
    before, _, after = text.partition(SECTIONS[o.subscription])
    rest = after.split("\n## ", 1)[1] if "\n## " in after else ""
    merged = before.rstrip("\n") + "\n\n" + markdown(figures, s, o, command)
    if rest:
        merged += "\n## " + rest
    md_path.write_text(merged)


def main(argv: Sequence[str] | None = None) -> int:
    """Measure, print, and record."""
    args = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="python -m bench.dashboard_live", description=__doc__)
    parser.add_argument("--seconds", type=float, default=30, help="load duration (30)")
    parser.add_argument("--rate", type=float, default=50, help="commands per second (50)")
    parser.add_argument("--counters", type=int, choices=range(1, 5), default=4, help="(4)")
    parser.add_argument("--subscription", choices=sorted(SUBSCRIPTIONS), default="counterDashboard")
    parser.add_argument("--day-visits", type=int, default=150, help="visits before the load")
    parser.add_argument("--query-seconds", type=float, default=10, help="0: no query phase")
    parser.add_argument("--out-dir", type=Path, default=BENCH_DIR)
    parser.add_argument("--no-write", action="store_true", help="print only")
    a = parser.parse_args(args)
    o = Options(
        a.seconds,
        a.rate,
        a.counters,
        a.subscription,
        a.out_dir,
        not a.no_write,
        a.day_visits,
        a.query_seconds,
    )
    figures = run(o)
    s = summary(figures)
    print(
        f"{o.subscription}: {figures['commands']} commands at {figures['rate']:.1f}/s "
        f"({figures['failed']} refused {figures['errors']}), {figures['pushes']} pushes",
        flush=True,
    )
    for name in ("lag", "lag_from_answer", "notify", "mutation_ms"):
        print(
            f"  {name:<16} p50 {s[name + '_p50']:7.1f} ms  p99 {s[name + '_p99']:7.1f} ms  "
            f"max {s[name + '_max']:7.1f} ms"
        )
    for target in ("query", "bare"):
        if target in figures:
            print(f"  {figures[target].line()}")
    if "board" in figures:
        print(f"  the house's day: {figures['board']}")
    if o.write:
        write(figures, o, " ".join([".venv/bin/python -m bench.dashboard_live", *args]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
