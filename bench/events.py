"""Benchmark: browser events per second on the production backend, against Reflex's own ceiling.

K simulated browser tabs speak Reflex's websocket protocol (``bench/harness/protocol.py``;
facts in ``shared/reflex-protocol.md``) to the app started with the README's backend
command, ``reflex run --env prod --backend-only`` (granian), on a throwaway PostgreSQL
database. Each tab first signs in through the real path: a session opened in the Clerk
emulator (a separate process standing in for Clerk, clerk mode), its session token
fetched the way the browser's bridge fetches it, ``AuthState.set_session`` over the
socket, ``/welcome`` syncing and redirecting, ``/members`` loading. Then, in closed loops
(each tab sends its next event when the previous one is answered), for a fixed time:

* ``ceiling``: a trivial handler (``count += 1``) of a tiny Reflex app under
  ``bench/ceiling_app``, started the same way, measured in the same run: the framework's
  own limit on this machine;
* ``floor: page load``: a navigation to a page of that app whose ``on_load`` is
  ``count += 1``: no navigation that runs an ``on_load`` can be cheaper;
* ``floor: one DB write``: ``count += 1`` plus one autocommitted single-row upsert
  through raw psycopg: no handler that saves something can be cheaper;
* ``load /members``: a client-side navigation to /members (``on_load_internal`` → the
  page's ``on_load``: Clerk fields from the session claims, one read of the row, an
  upsert only when Clerk's data is newer → ``set_is_hydrated``) until the page is
  hydrated (what the framework's own page-load row waits for too);
* ``save preferences``: ``MembersState.save_profile`` with a valid form (bio, theme,
  language, notifications) until the saved profile arrives (one message).

Then the same load and save in an **open loop**: arrivals at a fixed rate, half the
page-load floor's throughput in this run, each served by an idle tab (queueing counts in
the latency), with the number of arrivals waiting sampled every second (does the
backlog grow?).

Also: the sign-in → /members time of K tabs signing in at once, memory per idle
signed-in session (worker RSS growth divided by the number of sessions, against a
hydrated tab of the trivial app), and the floors, loads and saves with
``REFLEX_REDIS_URL`` set on 1 worker and on 2 workers (state in Redis; the tabs spread
over the workers by the kernel; the per-worker split is read from Reflex's socket
records in Redis). Tokens are refreshed every 40 s as the bridge does.

Targets, each against its floor from the same run (:data:`TARGETS`): load ≥ 0.9× the
page-load floor's ops/s with p95 ≤ 1.3× its p95; save ≥ 0.75× the one-write floor's
with p95 ≤ 1.5× its p95; open loop p95 < 100 ms and no growing backlog; Redis, 1 and
2 workers: load and save ≥ 0.8× the page-load floor of the same mode; memory per idle
signed-in session ≤ 1.1× the trivial app's hydrated tab; zero errors everywhere. A full
run exits 1 when one is missed.

``--quick``: small K, short loops, no Redis rows (CI keeps it from rotting); it prints
the verdicts but fails only on errors, never on noisy ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import pickle
import statistics
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from bench.harness.backend import CEILING_APP, ReflexBackend
from bench.harness.common import (
    REDIS_URL,
    ROOT,
    git_revision,
    load_average,
    machine,
    percentile,
    postgres_version,
    table,
    throwaway_postgres,
)
from bench.harness.emulator_server import EmulatorProcess, session_token
from bench.harness.emulator_server import post as emulator_post
from bench.harness.protocol import ReflexTab, has, hydrated

AUTH = "___auth____auth_state"
MEMBERS = "____members_state"
WELCOME = "___welcome____welcome_state"
COUNTER = "____counter_state"
TOKEN_REFRESH_S = 40.0
#: name -> (its floor's row, ops/s at least this x the floor's, p95 at most this x the floor's)
TARGETS = {
    "load /members": ("floor: page load", 0.9, 1.3),
    "save preferences": ("floor: one DB write", 0.75, 1.5),
}
#: Redis mode, 1 and 2 workers: load and save against the page-load floor of the same mode.
REDIS_TARGET = 0.8
#: Open loop: arrivals at half the page-load floor's throughput; p95 below this.
OPEN_LOOP_P95_MS = 100.0
#: Memory per idle signed-in session, at most this x the trivial app's hydrated tab.
MEMORY_TARGET = 1.1


@dataclass
class Result:
    name: str
    setup: str
    k: int
    latencies_ms: list[float] = field(default_factory=list)
    elapsed_s: float = 0.0
    errors: int = 0
    #: Open loop only: arrivals waiting for a tab, sampled each second; the arrival rate.
    backlog: list[int] = field(default_factory=list)
    offered: list[float] = field(default_factory=list)
    growing: bool = False

    @property
    def p95(self) -> float:
        return percentile(self.latencies_ms, 95)

    @property
    def backlog_grows(self) -> bool:
        """Arrivals pile up: the last third of the samples waits clearly longer than the
        first third (more than a tenth of the tabs more); merged rows: in any round."""
        if self.growing:
            return True
        if len(self.backlog) < 3:
            return bool(self.backlog and self.backlog[-1] > self.k // 10)
        third = len(self.backlog) // 3
        first = sum(self.backlog[:third]) / third
        last = sum(self.backlog[-third:]) / third
        return last > first + max(1, self.k // 10)

    @property
    def rate(self) -> float:
        return len(self.latencies_ms) / self.elapsed_s if self.elapsed_s else 0.0

    def row(self, ceilings: tuple[float, float]) -> list[object]:
        ratios = [f"{self.rate / c:.2f}" if c else "-" for c in ceilings]
        p = [percentile(self.latencies_ms, q) for q in (50, 95, 99)]
        return [
            self.name,
            self.setup,
            self.k,
            f"{self.rate:,.0f}",
            *ratios,
            *(f"{v:.1f}" for v in p),
            self.errors,
        ]


# -- a signed-in tab ------------------------------------------------------------------------


@dataclass
class Client:
    tab: ReflexTab
    sid: str = ""
    token: str = ""
    token_at: float = 0.0
    saves: int = 0
    #: Reports the backend asked for, in flight.
    reports: set = field(default_factory=set)


async def bridge_report(client: Client) -> None:
    """What the session bridge sends: ``set_session(current token)``."""
    await client.tab.send(f"{client.tab.state_name(AUTH)}.set_session", {"token": client.token})


def answer_report_requests(client: Client) -> None:
    """Like the bridge: report at once when the backend asks (``window.clerkAppReport()``,
    sent when a page on a new socket needs the identity)."""

    def on_event(event: dict) -> None:
        if event.get("name") == "_call_script" and "clerkAppReport" in str(event.get("payload")):
            client.reports.add(task := asyncio.ensure_future(bridge_report(client)))
            task.add_done_callback(client.reports.discard)

    client.tab.on_frontend_event = on_event


async def visit(client: Client, pathname: str, until, timeout: float = 10.0) -> None:
    """A client-side navigation as the browser makes it: the route change, then the
    page's data and the page marked hydrated (the last event of its on_load chain).
    The bridge sends nothing: its report on this socket still holds."""
    tab = client.tab
    since = await tab.start_navigation(pathname)
    await tab.wait_for(until, since=since, timeout=timeout)
    await tab.wait_for(hydrated, since=since, timeout=timeout)


async def refresh_token(client: Client, emulator: EmulatorProcess, http: httpx.AsyncClient):
    """What the bridge does before the 60 s token expires: a fresh token to set_session."""
    client.token = await session_token(http, emulator.url, client.sid, emulator.authorized_party)
    auth = client.tab.state_name(AUTH)
    await client.tab.call(f"{auth}.set_session", {"token": client.token}, until=lambda d: True)
    client.token_at = time.monotonic()


async def sign_in(
    url: str, emulator: EmulatorProcess, http: httpx.AsyncClient, user_id: str
) -> tuple[Client, float]:
    """Sign-in → /welcome → /members, as the browser does it; (client, seconds taken)."""
    started = time.perf_counter()
    response = await emulator_post(
        http,
        f"{emulator.url}/emulator/sessions",
        json={"user_id": user_id},
        headers={"Authorization": f"Bearer {emulator.secret_key}"},
    )
    response.raise_for_status()
    sid = response.json()["session_id"]
    token = await session_token(http, emulator.url, sid, emulator.authorized_party)
    tab = ReflexTab(url, headers={"Origin": emulator.authorized_party})
    client = Client(tab, sid, token, time.monotonic())
    answer_report_requests(client)
    await tab.connect("/welcome", timeout=60)
    since = tab.updates
    await bridge_report(client)
    # /welcome's on_load ran parked until the token arrived; it syncs, then redirects.
    while "/members" not in tab.redirects():
        await tab.wait_for(lambda d: True, since=since, timeout=60)
        since = tab.updates
    await visit(client, "/members", has(MEMBERS, "loaded", True), timeout=60)
    return client, time.perf_counter() - started


async def hydrated_tab(url: str) -> Client:
    tab = ReflexTab(url)
    await tab.connect("/", timeout=60)
    return Client(tab, token_at=math.inf)


# -- closed loops -----------------------------------------------------------------------------

Op = Callable[[Client], Awaitable[None]]


async def load_members(client: Client) -> None:
    """Until the page is hydrated: ``set_is_hydrated`` is the last event of the on_load
    chain, so the page's data (sent only when it changed) has arrived before it."""
    await visit(client, "/members", hydrated)


async def save_preferences(client: Client) -> None:
    client.saves += 1
    theme, language = (("dark", "en"), ("light", "fr"))[client.saves % 2]
    members = client.tab.state_name(MEMBERS)
    form = {
        "bio": f"Benchmark save #{client.saves}",
        "company": "Bench & Co",
        "theme": theme,
        "language": language,
        "email_notifications": "on" if client.saves % 2 else "",
    }
    # The saved profile and the status line come back in one message (the form is not
    # re-mounted: it already shows what was stored).
    await client.tab.call(
        f"{members}.save_profile", {"form_data": form}, until=has(MEMBERS, "profile")
    )


async def increment(client: Client) -> None:
    counter = client.tab.state_name(COUNTER)
    await client.tab.call(f"{counter}.increment", until=has(COUNTER, "count"))


async def db_write(client: Client) -> None:
    """The floor of a saving handler: the trivial handler plus one autocommitted
    single-row upsert through the raw async driver (``CounterState.write``)."""
    counter = client.tab.state_name(COUNTER)
    await client.tab.call(f"{counter}.write", until=has(COUNTER, "count"))


async def page_load(client: Client) -> None:
    """The framework's own page load: navigate to a page whose on_load is ``count += 1``,
    until the page is hydrated and shows the count (what ``visit`` waits for, no bridge)."""
    tab = client.tab
    since = await tab.start_navigation("/loaded")
    await tab.wait_for(hydrated, since=since)
    await tab.wait_for(has(COUNTER, "count"), since=since)


async def closed_loop(
    name: str,
    setup: str,
    clients: list[Client],
    op: Op,
    seconds: float,
    refresh: Callable[[Client], Awaitable[None]] | None = None,
) -> Result:
    """Every client repeats ``op`` back to back; the first 20 % of the time is warm-up."""
    result = Result(name, setup, len(clients))
    warmup = seconds * 0.2
    start = time.perf_counter()
    measure_from, end = start + warmup, start + warmup + seconds

    async def run(client: Client) -> None:
        while (now := time.perf_counter()) < end:
            if refresh and time.monotonic() - client.token_at > TOKEN_REFRESH_S:
                await refresh(client)
                continue
            try:
                await op(client)
            except Exception:
                if now >= measure_from:
                    result.errors += 1
                continue
            if now >= measure_from:
                result.latencies_ms.append((time.perf_counter() - now) * 1000)

    await asyncio.gather(*(run(c) for c in clients))
    result.elapsed_s = time.perf_counter() - measure_from
    return result


async def open_loop(
    name: str,
    setup: str,
    clients: list[Client],
    op: Op,
    seconds: float,
    rate: float,
    refresh: Callable[[Client], Awaitable[None]] | None = None,
) -> Result:
    """Arrivals at a fixed ``rate`` (ops/s, evenly spaced), each served by an idle tab;
    an arrival finding no idle tab waits in a queue. Latency runs from the arrival, so
    queueing counts. ``backlog``: arrivals still waiting at each second's end."""
    result = Result(name, setup, len(clients))
    result.offered = [rate]
    idle: asyncio.Queue[Client] = asyncio.Queue()
    for client in clients:
        idle.put_nowait(client)
    warmup = seconds * 0.2
    start = time.perf_counter()
    measure_from = start + warmup
    total = int((warmup + seconds) * rate)
    waiting = 0
    tasks: set[asyncio.Task] = set()

    async def serve(arrived: float) -> None:
        nonlocal waiting
        waiting += 1
        client = await idle.get()
        waiting -= 1
        try:
            if refresh and time.monotonic() - client.token_at > TOKEN_REFRESH_S:
                await refresh(client)
            await op(client)
        except Exception:
            if arrived >= measure_from:
                result.errors += 1
            return
        finally:
            idle.put_nowait(client)
        if arrived >= measure_from:
            result.latencies_ms.append((time.perf_counter() - arrived) * 1000)

    next_sample = measure_from + 1.0
    for i in range(total):
        arrival = start + i / rate
        delay = arrival - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        if arrival >= next_sample:
            result.backlog.append(waiting)
            next_sample += 1.0
        task = asyncio.ensure_future(serve(arrival))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    result.backlog.append(waiting)
    result.elapsed_s = time.perf_counter() - measure_from
    await asyncio.gather(*tasks)
    return result


# -- runs against one backend -----------------------------------------------------------------


@dataclass
class Run:
    #: name -> that row's result in each round, in order.
    rounds: dict[str, list[Result]] = field(default_factory=dict)
    sign_in_s: list[float] = field(default_factory=list)
    memory_per_session_kb: float | None = None
    sessions_per_worker: list[int] = field(default_factory=list)

    def add(self, result: Result) -> None:
        self.rounds.setdefault(result.name, []).append(result)

    @property
    def results(self) -> list[Result]:
        """One row per workload, its rounds merged (all latencies, total time)."""
        return [merged(rows) for rows in self.rounds.values()]

    def ratio(self, name: str, floor: Run, floor_name: str) -> float:
        """The median over rounds of this row's ops/s over the floor's, same round."""
        pairs = zip(self.rounds[name], floor.rounds[floor_name], strict=True)
        return statistics.median(o.rate / f.rate if f.rate else 0.0 for o, f in pairs)


def merged(rows: list[Result]) -> Result:
    first = rows[0]
    result = Result(first.name, first.setup, first.k)
    for row in rows:
        result.latencies_ms += row.latencies_ms
        result.elapsed_s += row.elapsed_s
        result.errors += row.errors
        result.backlog += row.backlog
        result.offered += row.offered
        result.growing |= row.backlog_grows
    return result


async def open_sessions(make: Callable[[], Awaitable[Client]], n: int) -> list[Client]:
    """``n`` more idle sessions, opened 25 at a time (the burst is measured elsewhere)."""
    clients: list[Client] = []
    for i in range(0, n, 25):
        clients += await asyncio.gather(*(make() for _ in range(min(25, n - i))))
    return clients


async def rss_settled(backend: ReflexBackend) -> int:
    await asyncio.sleep(1.0)
    return backend.worker_rss_kb()


def redis_split(tokens: list[str]) -> list[int]:
    """How many of ``tokens`` each worker holds, from Reflex's socket records in Redis."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    owners: Counter[str] = Counter()
    for token in tokens:
        raw = client.get(f"token_manager_socket_record_{token}")
        if raw is not None:
            owners[pickle.loads(raw).instance_id] += 1
    client.close()
    return sorted(owners.values(), reverse=True)


def _unsaved(clients: list[Client]) -> int:
    return sum(
        c.tab.var(MEMBERS, "profile").get("bio") != f"Benchmark save #{c.saves}"
        for c in clients
        if c.saves
    )


async def app_setup(
    stack: contextlib.AsyncExitStack,
    backend: ReflexBackend,
    emulator: EmulatorProcess,
    users: list[str],
    *,
    k: int,
    memory_sessions: int,
) -> tuple[Run, list[Client], Callable[[Client], Awaitable[None]]]:
    """K signed-in tabs (a burst of sign-ins at once, timed), the memory row; the
    tabs and the token refresher the loops use."""
    run = Run()
    spare = iter(users)
    limits = httpx.Limits(max_connections=200)
    http = await stack.enter_async_context(httpx.AsyncClient(timeout=30, limits=limits))

    async def make() -> Client:
        client, _ = await sign_in(backend.url, emulator, http, next(spare))
        return client

    warm = await make()  # imports, JWKS download, connection pools
    rss_before = await rss_settled(backend)
    # K sign-ins at once: the /welcome path under a burst (no rate limit here).
    signed = await asyncio.gather(
        *(sign_in(backend.url, emulator, http, next(spare)) for _ in range(k))
    )
    clients = [c for c, _ in signed]
    run.sign_in_s = [s for _, s in signed]
    if memory_sessions:
        idle = await open_sessions(make, memory_sessions)
        grown = await rss_settled(backend) - rss_before
        run.memory_per_session_kb = grown / (k + memory_sessions)
        for client in idle:
            await client.tab.close()
    if backend.redis_url:
        run.sessions_per_worker = redis_split([c.tab.token for c in clients])
    stack.push_async_callback(_close_all, [warm, *clients])

    async def refresh(client: Client) -> None:
        await refresh_token(client, emulator, http)

    return run, clients, refresh


async def ceiling_setup(
    stack: contextlib.AsyncExitStack, backend: ReflexBackend, *, k: int, memory_sessions: int
) -> tuple[Run, list[Client]]:
    run = Run()

    async def make() -> Client:
        return await hydrated_tab(backend.url)

    warm = await make()
    rss_before = await rss_settled(backend)
    clients = await asyncio.gather(*(make() for _ in range(k)))
    if memory_sessions:
        idle = await open_sessions(make, memory_sessions)
        run.memory_per_session_kb = (await rss_settled(backend) - rss_before) / (
            k + memory_sessions
        )
        for client in idle:
            await client.tab.close()
    stack.push_async_callback(_close_all, [warm, *clients])
    return run, list(clients)


async def _close_all(clients: list[Client]) -> None:
    for client in clients:
        await client.tab.close()


async def paired_run(
    ceiling_backend: ReflexBackend,
    app_backend: ReflexBackend,
    emulator: EmulatorProcess,
    users: list[str],
    *,
    k: int,
    seconds: float,
    rounds: int,
    setup: str,
    memory_sessions: int,
    write_baseline: bool,
    open_loop_rows: bool,
) -> tuple[Run, Run]:
    """The floors and ours, both backends up at once, in ``rounds`` alternating rounds
    (floors, then ours, each round): a busy machine hits both alike, and each target is
    judged on the median of its per-round ratios."""
    async with contextlib.AsyncExitStack() as stack:
        ceiling, floor_clients = await ceiling_setup(
            stack, ceiling_backend, k=k, memory_sessions=memory_sessions
        )
        app, clients, refresh = await app_setup(
            stack, app_backend, emulator, users, k=k, memory_sessions=memory_sessions
        )
        baselines = [("ceiling: count += 1", increment), ("floor: page load", page_load)]
        if write_baseline:
            baselines.append(("floor: one DB write", db_write))
        ours = [("load /members", load_members), ("save preferences", save_preferences)]
        for _ in range(rounds):
            for name, op in baselines:
                ceiling.add(await closed_loop(name, setup, floor_clients, op, seconds))
            # Fresh tokens first (the floors' rows took time): no refresh in the window.
            await asyncio.gather(*(refresh(c) for c in clients))
            for name, op in ours:
                app.add(await closed_loop(name, setup, clients, op, seconds, refresh))
            # Every tab shows its own last save: a save that did not land is an error.
            app.rounds["save preferences"][-1].errors += _unsaved(clients)
            if open_loop_rows:
                rate = ceiling.rounds["floor: page load"][-1].rate / 2
                for name, op in ours:
                    row = f"{name} (open loop)"
                    app.add(await open_loop(row, setup, clients, op, seconds, rate, refresh))
                app.rounds["save preferences (open loop)"][-1].errors += _unsaved(clients)
    return ceiling, app


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few seconds, for CI")
    parser.add_argument("-k", type=int, help="concurrent tabs (default 100; quick 5)")
    parser.add_argument("--seconds", type=float, help="measured seconds per row (default 15)")
    parser.add_argument("--memory-sessions", type=int, help="idle sessions for the memory row")
    parser.add_argument("--no-redis", action="store_true", help="skip the 1 vs 2 workers rows")
    parser.add_argument(
        "--rounds", type=int, help="alternating rounds of floors and ours (default 3; quick 1)"
    )
    parser.add_argument(
        "--app-dir",
        type=Path,
        default=ROOT,
        help="the app to measure (default: this work tree; e.g. a `git archive` of a commit)",
    )
    args = parser.parse_args()
    k = args.k or (5 if args.quick else 100)
    seconds = args.seconds or (1.5 if args.quick else 15.0)
    memory_sessions = args.memory_sessions or (10 if args.quick else 300)
    rounds = args.rounds or (1 if args.quick else 3)
    scale_out = not (args.quick or args.no_redis)
    users_needed = k + memory_sessions + 1

    print("Browser events on the production backend (reflex run --env prod --backend-only)")
    print(f"machine: {machine()}; load average {load_average()}")
    print(f"commit {git_revision()}; app measured: {args.app_dir}")
    print("load generator on the same machine, one asyncio process")

    with (
        EmulatorProcess(custom_claims=True) as emulator,
        throwaway_postgres("clerk_app_events") as db_url,
    ):
        print(f"database: {postgres_version(db_url)} (throwaway database, migrated)")
        print(
            "Clerk: the emulator in its own process, clerk mode; session tokens carry the "
            "profile claims (0 Backend API calls per load)"
        )
        print(
            f"K = {k} tabs, closed loops, {seconds:g} s measured per row after warm-up, in "
            f"{rounds} alternating round(s) of floors and ours (both backends up at once)"
        )
        print()
        users = [emulator.create_user(i)["id"] for i in range(users_needed)]
        app_env = {**emulator.app_env(), "REFLEX_DB_URL": db_url}

        scale_runs: list[Run] = []
        modes = [(1, None)] + ([(1, REDIS_URL), (2, REDIS_URL)] if scale_out else [])
        for workers, redis_url in modes:
            setup = "1 worker" if redis_url is None else f"Redis, {workers} worker"
            setup += "s" if workers > 1 else ""
            ceiling_env = {"CEILING_DB_URL": db_url}
            with (
                ReflexBackend(
                    CEILING_APP, env=ceiling_env, workers=workers, redis_url=redis_url
                ) as ceiling_backend,
                ReflexBackend(
                    args.app_dir,
                    env=app_env,
                    workers=workers,
                    redis_url=redis_url,
                    ready_path="/api/health",
                ) as backend,
            ):
                pair = asyncio.run(
                    paired_run(
                        ceiling_backend,
                        backend,
                        emulator,
                        users,
                        k=k,
                        seconds=seconds / rounds,
                        rounds=rounds,
                        setup=setup,
                        memory_sessions=memory_sessions if redis_url is None else 0,
                        write_baseline=redis_url is None,
                        open_loop_rows=redis_url is None,
                    )
                )
            if redis_url is None:
                ceiling, app = pair
                runs = [ceiling, app]
            else:
                scale_runs += pair

    headers = ["workload", "backend", "K", "ops/s", "x ceiling", "x page load"]
    headers += ["p50 ms", "p95 ms", "p99 ms", "errors"]
    ceilings = (ceiling.results[0].rate, ceiling.results[1].rate)
    rows = [r.row(ceilings) for run in runs for r in run.results]
    print(table(headers, rows))
    print(
        "x ceiling: against count += 1 (one trivial event); x page load: against a navigation "
        "to a page whose on_load is count += 1 (on_load_internal + one chained handler); "
        "floor: count += 1 plus one autocommitted single-row upsert through raw psycopg; "
        "open loop: arrivals at half the page-load floor's throughput, latency from arrival"
    )
    print()
    sign_in = app.sign_in_s
    print(
        f"sign-in → /welcome → /members, {k} tabs at once: "
        f"p50 {percentile(sign_in, 50) * 1000:.0f} ms, p95 {percentile(sign_in, 95) * 1000:.0f} ms"
    )
    memory_ratio = app.memory_per_session_kb / ceiling.memory_per_session_kb
    print(
        f"memory per idle signed-in session ({k + memory_sessions} sessions, worker RSS growth): "
        f"{app.memory_per_session_kb:.1f} KiB (ceiling app, hydrated tab: "
        f"{ceiling.memory_per_session_kb:.1f} KiB; {memory_ratio:.2f}x)"
    )

    if scale_runs:
        print()
        print("Scale-out: state in Redis (REFLEX_REDIS_URL), GRANIAN_WORKERS = 1 and 2")
        rows = []
        for base, ours in zip(scale_runs[::2], scale_runs[1::2], strict=True):
            mode = (base.results[0].rate, base.results[1].rate)
            rows += [r.row(mode) for r in (*base.results, *ours.results)]
        print(table(headers, rows))
        print("(ratios against the ceilings of the same mode: Redis, same number of workers)")
        for run in scale_runs:
            if run.sessions_per_worker:
                split = " / ".join(str(n) for n in run.sessions_per_worker)
                print(f"{run.results[0].setup}: tabs per worker (Reflex socket records) {split}")

    print(f"load average at the end: {load_average()}")
    verdicts, ok = verdict_lines(ceiling, app, scale_runs)
    print()
    for line in verdicts:
        print(line)
    print(("ok: every target met" if ok else "MISSED: see above") + f" (K = {k})")
    errors = sum(r.errors for run in [app, *scale_runs[1::2]] for r in run.results)
    if args.quick:
        if not ok:
            print("(quick mode: K and durations too small for the targets; not failing on them)")
        return 0 if errors == 0 else 1
    return 0 if ok else 1


def verdict_lines(ceiling: Run, app: Run, scale_runs: list[Run]) -> tuple[list[str], bool]:
    """One line per target, each against its floor measured in the same run (ops/s: the
    median of the per-round ratios; p95: over all rounds' latencies)."""
    floors = {r.name: r for r in ceiling.results}
    lines: list[str] = []
    ok = True

    def say(met: bool, text: str) -> None:
        nonlocal ok
        ok = ok and met
        lines.append(f"{'ok    ' if met else 'MISSED'} {text}")

    results = {r.name: r for r in app.results}
    for name, (floor_name, rate_target, p95_target) in TARGETS.items():
        ours, floor = results[name], floors[floor_name]
        ratio, p95_ratio = app.ratio(name, ceiling, floor_name), ours.p95 / floor.p95
        say(
            ratio >= rate_target and p95_ratio <= p95_target and ours.errors == 0,
            f"{name}: {ratio:.2f}x the ops/s of '{floor_name}' (target >= {rate_target}), "
            f"p95 {ours.p95:.0f} ms = {p95_ratio:.2f}x its {floor.p95:.0f} ms "
            f"(target <= {p95_target}), errors {ours.errors}",
        )
    for result in app.results:
        if "open loop" in result.name:
            offered = "/".join(f"{rate:,.0f}" for rate in result.offered)
            say(
                result.p95 < OPEN_LOOP_P95_MS and not result.backlog_grows and result.errors == 0,
                f"{result.name} at {offered} arrivals/s (half the page-load floor of each "
                f"round): p95 {result.p95:.0f} ms (target < {OPEN_LOOP_P95_MS:.0f}), backlog "
                f"{'grows' if result.backlog_grows else 'steady'} (arrivals waiting, each "
                f"second: {result.backlog}), errors {result.errors}",
            )
    if app.memory_per_session_kb and ceiling.memory_per_session_kb:
        ratio = app.memory_per_session_kb / ceiling.memory_per_session_kb
        say(
            ratio <= MEMORY_TARGET,
            f"memory per idle signed-in session: {app.memory_per_session_kb:.1f} KiB = "
            f"{ratio:.3f}x the trivial app's hydrated tab (target <= {MEMORY_TARGET})",
        )
    for base, ours in zip(scale_runs[::2], scale_runs[1::2], strict=True):
        for result in ours.results:
            ratio = ours.ratio(result.name, base, "floor: page load")
            say(
                ratio >= REDIS_TARGET and result.errors == 0,
                f"{result.setup}, {result.name}: {ratio:.2f}x the page-load floor of the "
                f"same mode (target >= {REDIS_TARGET}), errors {result.errors}",
            )
    return lines, ok


if __name__ == "__main__":
    os.environ.setdefault("REFLEX_TELEMETRY_ENABLED", "false")
    sys.exit(main())
