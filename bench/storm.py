"""Benchmark: a sign-in storm against Clerk's development rate limit (100 requests / 10 s).

N users sign in within 10 s. Each one goes down the path the app's pages take, by
calling the very functions their handlers call (``clerk_app.services`` and
``clerk_app.members``), in this process, against the Clerk emulator running in its own
process over a real socket, with the emulator's rate limit set to Clerk's development
limit (429 with ``Retry-After`` past 100 Backend API requests in any 10 s):

1. sign-in: a session opened in the emulator, its token fetched the way the browser's
   bridge fetches it;
2. ``AuthState.set_session``: ``TokenVerifier.verify`` (JWKS from the emulator);
3. ``/welcome``: ``members.sync_account`` (one ``GET /v1/users/{id}``, then the upsert);
4. ``/members``: ``members.load_member`` (Clerk fields fresh: one more call; when Clerk
   still answers 429 after retries the page shows the stored copy, counted as "stale").

A user "reaches /members" when the four steps succeed; the time is from the sign-in to
the loaded profile. Rows:

* ``naive client``: one GET, an error on any non-2xx: no retry, ``Retry-After`` ignored
  (what a straightforward port of the seed's ``clerkClient.users.getUser`` does);
* ``ClerkAPI (ours)``: retries a 429 after ``Retry-After`` plus jitter, within its time
  budget, so a burst slows down instead of failing;
* ``ours, profile claims``: the session token carries the profile (the custom claims
  template in the README): zero Backend API calls, so the limit never applies.

Target: 100 % of users reach /members with ours at N = 300 (exit status 1 otherwise).
``--quick`` runs N = 30 within 1 s against the same rate scaled down (10 requests / 1 s).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from bench.harness.common import (
    git_revision,
    load_average,
    machine,
    percentile,
    postgres_version,
    table,
    throwaway_postgres,
)
from bench.harness.emulator_server import EmulatorProcess, session_token

TARGET_SHARE = 1.0


class NaiveClerkAPI:
    """The client a straightforward port would write: one GET, raise on anything but 2xx."""

    def __init__(self, base_url: str, secret_key: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.AsyncClient(
            headers={"Authorization": f"Bearer {secret_key}"}, timeout=10
        )
        self.calls = 0

    async def get_user(self, user_id: str) -> dict[str, Any]:
        return await self._get(f"/v1/users/{user_id}")

    async def get_user_organization_memberships(self, user_id: str) -> list[dict[str, Any]]:
        """/welcome's membership listing (one page is all a new user has)."""
        return (await self._get(f"/v1/users/{user_id}/organization_memberships"))["data"]

    async def _get(self, path: str) -> Any:
        from clerk_app.clerk.api import ClerkAPIError

        self.calls += 1
        response = await self._http.get(f"{self.base_url}{path}")
        if response.status_code != 200:
            raise ClerkAPIError("request failed", status=response.status_code)
        return response.json()

    async def aclose(self) -> None:
        await self._http.aclose()


@dataclass
class Outcome:
    name: str
    n: int
    reached_s: list[float] = field(default_factory=list)
    stale: int = 0
    failures: dict[str, int] = field(default_factory=dict)
    api_calls: int = 0
    rate_limited: int = 0
    wall_s: float = 0.0

    def row(self) -> list[object]:
        share = len(self.reached_s) / self.n
        p = [percentile(self.reached_s, q) for q in (50, 95)]
        failures = ", ".join(f"{k} {v}" for k, v in sorted(self.failures.items())) or "-"
        return [
            self.name,
            self.n,
            f"{len(self.reached_s)} ({share:.0%})",
            self.stale,
            *(f"{v:.2f}" if v == v else "-" for v in p),
            f"{max(self.reached_s):.2f}" if self.reached_s else "-",
            self.api_calls,
            self.rate_limited,
            failures,
        ]


async def storm(
    name: str,
    emulator: EmulatorProcess,
    users: list[str],
    window_s: float,
    *,
    naive: bool,
) -> Outcome:
    from clerk_app import members, services
    from clerk_app.clerk.api import ClerkAPIError

    services.reset_services()
    naive_api = NaiveClerkAPI(emulator.url, emulator.secret_key) if naive else None
    original = services.get_clerk_api
    if naive_api is not None:
        services.get_clerk_api = lambda: naive_api
    verifier = services.get_verifier()
    outcome = Outcome(name, len(users))
    before = emulator.faults_snapshot()["rate_limited"]
    origin = emulator.authorized_party
    start = time.perf_counter()

    async def one(i: int, user_id: str, http: httpx.AsyncClient) -> None:
        await asyncio.sleep(i * window_s / len(users))  # arrivals spread over the window
        began = time.perf_counter()
        try:
            response = await http.post(
                f"{emulator.url}/emulator/sessions",
                json={"user_id": user_id},
                headers={"Authorization": f"Bearer {emulator.secret_key}"},
            )
            response.raise_for_status()
            token = await session_token(http, emulator.url, response.json()["session_id"], origin)
            claims = await verifier.verify(token)  # AuthState.set_session
            await members.sync_account(claims["sub"], claims)  # /welcome on_load
            _, current = await members.load_member(claims["sub"], claims)  # /members on_load
        except (members.AccountError, ClerkAPIError, httpx.HTTPError) as exc:
            key = getattr(exc, "key", type(exc).__name__)
            outcome.failures[key] = outcome.failures.get(key, 0) + 1
            return
        outcome.reached_s.append(time.perf_counter() - began)
        outcome.stale += not current

    try:
        limits = httpx.Limits(max_connections=100)
        async with httpx.AsyncClient(timeout=30, limits=limits) as http:
            await asyncio.gather(*(one(i, u, http) for i, u in enumerate(users)))
    finally:
        outcome.wall_s = time.perf_counter() - start
        services.get_clerk_api = original
        api = naive_api or services.get_clerk_api()
        outcome.api_calls = api.calls
        await api.aclose()
        services.reset_services()
    outcome.rate_limited = emulator.faults_snapshot()["rate_limited"] - before
    return outcome


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few seconds, for CI")
    parser.add_argument("-n", type=int, help="users (default 300; quick 30)")
    parser.add_argument(
        "--db", choices=["postgresql", "sqlite"], default="postgresql", help="the app's database"
    )
    args = parser.parse_args()
    n = args.n or (30 if args.quick else 300)
    # Quick mode keeps Clerk's rate (10 requests/s) on a 1 s window, so the storm is short.
    limit, window = (10, 1.0) if args.quick else (100, 10.0)

    print("Sign-in storm against Clerk's development rate limit")
    print(f"machine: {machine()}; load average {load_average()}")
    print(f"commit {git_revision()}")

    with EmulatorProcess() as emulator, throwaway_postgres("clerk_app_storm") as pg_url:
        if args.db == "sqlite":
            import tempfile

            sqlite_dir = tempfile.mkdtemp(prefix="storm-")
            db_url = f"sqlite:///{sqlite_dir}/storm.db"
            from clerk_app import schema

            schema.upgrade(db_url)
            db_name = "SQLite (throwaway file, WAL)"
        else:
            db_url, db_name = pg_url, postgres_version(pg_url) + " (throwaway database)"
        # The app's settings, as the backend would read them: clerk mode on the emulator.
        os.environ.update(emulator.app_env())
        os.environ["REFLEX_DB_URL"] = db_url
        from clerk_app.settings import get_settings

        get_settings.cache_clear()

        print(f"database: {db_name}")
        print(
            "driven: the functions the /welcome and /members handlers call, in this process; "
            "the Clerk emulator in its own process over a real socket"
        )
        print(
            f"N = {n} users signing in within {window:g} s; rate limit {limit} requests / "
            f"{window:g} s on the Backend API (429 + Retry-After)"
        )
        print()
        users = [emulator.create_user(i, prefix="storm")["id"] for i in range(n)]

        outcomes = []
        for name, naive, claims in (
            ("naive client (no retry)", True, False),
            ("ClerkAPI (ours)", False, False),
            ("ours, profile claims", False, True),
        ):
            emulator.http.post("/emulator/config", json={"custom_claims": claims})
            emulator.faults(rate_limit=limit, rate_window_s=window)  # also empties the window
            outcomes.append(asyncio.run(storm(name, emulator, users, window, naive=naive)))
        from clerk_app import db as app_db

        app_db.dispose_engines()

    headers = ["client", "N", "reached /members", "stale", "p50 s", "p95 s", "max s"]
    headers += ["API calls", "429s", "failed at"]
    print(table(headers, [o.row() for o in outcomes]))
    print(
        "stale: reached /members but showed the stored Clerk fields (Clerk still answered 429); "
        "times from sign-in to the loaded profile"
    )
    naive, ours = outcomes[0], outcomes[1]
    share = len(ours.reached_s) / n
    naive_share = len(naive.reached_s) / n
    ratio = f"{share / naive_share:.1f}x the naive client's share" if naive_share else ""
    print(f"load average at the end: {load_average()}")
    ok = share >= TARGET_SHARE and len(outcomes[2].reached_s) == n
    print(
        ("ok: " if ok else "MISSED: ")
        + f"ours {share:.0%} of {n} users reached /members (target 100%); {ratio}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
