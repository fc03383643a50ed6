"""Scale-out: two production backends sharing state in Redis serve one browser session.

Two ``reflex run --env prod --backend-only`` processes (granian, one worker each) on two
ports, with ``REFLEX_REDIS_URL`` and one PostgreSQL database, in clerk mode on the Clerk
emulator (its own process). One tab (one token) reconnects between steps, alternating
workers the way a round-robin load balancer sends a reloading browser: sign-in on A,
``/welcome`` on B, ``/members`` on A, saving on B, reloading on A. Every step must work,
which means the identity ``AuthState`` keeps in backend-only ``_vars`` travels through
Redis (B never saw the token). Which worker held the socket at each step is read from
Reflex's own socket records in Redis, so the test proves the events landed on both.

A second test runs one backend with ``GRANIAN_WORKERS=2`` (the README's deployment with
Redis) and checks that reconnecting tabs reach both workers and keep their session.
"""

from __future__ import annotations

import asyncio
import os
import pickle

import httpx
import pytest
import redis

from bench.harness.backend import ReflexBackend
from bench.harness.common import ROOT
from bench.harness.emulator_server import EmulatorProcess, session_token
from bench.harness.protocol import ReflexTab, has
from tests.support.database import migrated, rows

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(300)]

REDIS_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379")
AUTH = "___auth____auth_state"
MEMBERS = "____members_state"


def socket_record(token: str):
    """Reflex's record of the socket this token is connected to (``instance_id``, ``sid``).

    ``None`` when Redis has no record: no socket of any worker holds the token.
    """
    client = redis.Redis.from_url(REDIS_URL)
    try:
        raw = client.get(f"token_manager_socket_record_{token}")
    finally:
        client.close()
    return None if raw is None else pickle.loads(raw)


def socket_owner(token: str) -> str:
    """The worker (Reflex instance id) whose socket this token is connected to, per Redis."""
    record = socket_record(token)
    assert record is not None, "the token has no socket record in Redis"
    return record.instance_id


async def socket_released(token: str, timeout: float = 10.0) -> None:
    """Wait until no worker records a socket for ``token`` any more.

    Closing the client socket only sends the disconnect: the worker that held it drops
    the token's record from Redis in a task of its own, a moment later. A connection
    that presents the token while the record is still there counts as a second tab
    (Reflex answers ``new_token``). A browser's reload reconnects only once the old
    page is torn down and the new one loaded; the script must likewise let the old
    socket go before it reconnects.
    """
    deadline = asyncio.get_running_loop().time() + timeout
    while (record := socket_record(token)) is not None:
        assert asyncio.get_running_loop().time() < deadline, (
            f"the closed socket's record for token {token} is still in Redis after "
            f"{timeout} s (worker {record.instance_id}, sid {record.sid}): the worker "
            "that held it did not process the disconnect"
        )
        await asyncio.sleep(0.02)


@pytest.fixture
def emulator():
    with EmulatorProcess() as emu:
        yield emu


@pytest.fixture
def app_env(emulator, pg_database_url):
    with migrated(pg_database_url):
        # Production's shape (PostgreSQL shared by the backends), not make run's SQLite.
        yield {**emulator.app_env(), "REFLEX_DB_URL": pg_database_url}


async def sign_in_token(emulator: EmulatorProcess, email_n: int) -> tuple[str, str]:
    user = emulator.create_user(email_n, prefix="scale")
    sid = emulator.open_session(user["id"])
    async with httpx.AsyncClient() as http:
        token = await session_token(http, emulator.url, sid, emulator.authorized_party)
    return user["id"], token


async def reload(tab: ReflexTab, url: str, pathname: str, token: str | None = None) -> str:
    """Reconnect the tab (same token) to ``url`` on ``pathname``; the owning worker's id.

    With ``token``, the session bridge's report follows the hydration, as in the browser.
    ``tab.mark`` is left just after the full-state hydrate, so a caller can wait for what
    the page's ``on_load`` sends (not the state carried over in Redis).
    The old socket is let go first (its worker has dropped the token's record), as
    when a browser reloads, so the backend recognises the tab rather than a duplicate.
    """
    await tab.close()
    await socket_released(tab.token)
    tab.url = url
    await tab.connect(pathname, timeout=30)
    if token is not None:
        await bridge_report(tab, token)
    return socket_owner(tab.token)


async def bridge_report(tab: ReflexTab, token: str) -> None:
    await tab.send(f"{tab.state_name(AUTH)}.set_session", {"token": token})


async def members_loaded(tab: ReflexTab) -> dict:
    """Wait for /members' on_load to answer after a reload; the page's MembersState then.

    A first load bumps ``form_key`` (to 1 or more); a reset of the state (the identity
    being re-checked) sends it back to 0 with an empty profile: not a load. A tab
    already showing the same data keeps its form mounted across the reconnect (what
    was typed stays), so its load only lifts ``checking``. A load sends only the vars
    that changed, so the result is the tab's merged state.
    """

    def loaded(delta: dict) -> bool:
        members = delta.get(tab.state_name(MEMBERS), {})
        if members.get("form_key", 0) > 0:
            return True
        return members.get("checking") is False and tab.var(MEMBERS, "loaded") is True

    await tab.wait_for(loaded, since=tab.mark, timeout=30)
    return tab.state[tab.state_name(MEMBERS)]


def test_one_session_across_two_backends(emulator, app_env, pg_database_url):
    with (
        ReflexBackend(ROOT, env=app_env, redis_url=REDIS_URL, ready_path="/api/health") as a,
        ReflexBackend(ROOT, env=app_env, redis_url=REDIS_URL, ready_path="/api/health") as b,
    ):

        async def scenario() -> None:
            user_id, token = await sign_in_token(emulator, 1)
            tab = ReflexTab(a.url, headers={"Origin": emulator.authorized_party})
            owners = []

            # 1. Sign-in on A: the bridge hands the token to AuthState.set_session.
            owners.append(await reload(tab, a.url, "/sign-in"))
            auth = tab.state_name(AUTH)
            await tab.call(
                f"{auth}.set_session", {"token": token}, until=has(AUTH, "is_signed_in", True)
            )

            # 2. /welcome on B, which never saw the token: the identity comes from Redis.
            owners.append(await reload(tab, b.url, "/welcome", token))
            for _ in range(100):
                if "/members" in tab.redirects():
                    break
                await tab.wait_for(lambda d: True, since=tab.updates, timeout=30)
            assert tab.redirects() == ["/members"]
            assert [r.clerk_id for r in rows(pg_database_url)] == [user_id]

            # 3. /members on A: Clerk fields and the row.
            owners.append(await reload(tab, a.url, "/members", token))
            loaded = await members_loaded(tab)
            assert loaded["loaded"] is True
            assert loaded["clerk"]["email"] == "scale1@example.com"

            # 4. Save on B before the bridge reports again: the guard can only know the
            # user from the backend-only identity A stored in Redis.
            owners.append(await reload(tab, b.url, "/members"))
            members = tab.state_name(MEMBERS)
            form = {"bio": "Saved on worker B", "theme": "dark", "language": "en"}
            await tab.call(
                f"{members}.save_profile",
                {"form_data": form},
                until=lambda d: (
                    d.get(members, {}).get("profile", {}).get("bio") == "Saved on worker B"
                ),
                timeout=30,
            )
            await bridge_report(tab, token)

            # 5. Reload on A: persisted, and the session still recognised.
            owners.append(await reload(tab, a.url, "/members", token))
            loaded = await members_loaded(tab)
            assert loaded["profile"]["bio"] == "Saved on worker B"
            assert loaded["profile"]["theme"] == "dark"
            assert tab.var(AUTH, "is_signed_in") is True
            await tab.close()

            # Events landed on both workers, alternating as the tab moved.
            assert owners[0] == owners[2] == owners[4]
            assert owners[1] == owners[3]
            assert owners[0] != owners[1]

        asyncio.run(scenario())
        saved = rows(pg_database_url)
        assert [(r.bio, r.theme) for r in saved] == [("Saved on worker B", "dark")]
        assert a.worker_pids() and b.worker_pids()
        assert set(a.worker_pids()).isdisjoint(b.worker_pids())


def test_granian_two_workers_share_sessions(emulator, app_env, pg_database_url):
    with ReflexBackend(
        ROOT, env=app_env, workers=2, redis_url=REDIS_URL, ready_path="/api/health"
    ) as backend:
        assert len(backend.worker_pids()) == 2

        async def scenario() -> set[str]:
            _, token = await sign_in_token(emulator, 2)
            tab = ReflexTab(backend.url, headers={"Origin": emulator.authorized_party})
            seen: set[str] = set()
            seen.add(await reload(tab, backend.url, "/"))
            auth = tab.state_name(AUTH)
            await tab.call(
                f"{auth}.set_session", {"token": token}, until=has(AUTH, "is_signed_in", True)
            )
            # Reload /members until the kernel has handed the socket to both workers; the
            # profile must load every time, whichever worker answers.
            for _ in range(40):
                seen.add(await reload(tab, backend.url, "/members", token))
                loaded = await members_loaded(tab)
                assert loaded["clerk"]["email"] == "scale2@example.com"
                if len(seen) == 2:
                    break
            await tab.close()
            return seen

        assert len(asyncio.run(scenario())) == 2
