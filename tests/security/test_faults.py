"""Faults under the app's use cases: PostgreSQL failing mid-sync, Clerk failing under load.

The use cases are the ones the pages call (:mod:`clerk_app.members`): ``sync_account``
(/welcome), ``load_member`` (/members) and ``save_profile`` (the form). They run against
a real PostgreSQL database reached **through a TCP proxy the test controls**
(:mod:`tests.support.tcp_proxy`: refuse, reset, stall, reset when a chosen statement goes
by), never by stopping the machine's server, and against the Clerk emulator over HTTP
with its fault knobs (429 with ``Retry-After``, 5xx, latency, hangs).

Each path must end in an :class:`~clerk_app.members.AccountError` whose key the UI
translates (a clear message), with no partial row and the user's app-managed data
intact, and the same call must succeed once the fault is gone (a working retry). The
database is read directly (not through the proxy) to check what was written.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from clerk_app import db, members, services
from clerk_app.clerk.api import ClerkAPI
from clerk_app.members import AccountError
from clerk_app.models import User
from tests.support.database import migrated, row, rows
from tests.support.servers import EmulatorServer
from tests.support.tcp_proxy import TCPProxy

pytestmark = pytest.mark.postgres

BIO = "Écrit des compilateurs ; aime le thé."
PROFILE = {
    "bio": BIO,
    "company": "Analytical Engines",
    "website": "https://ada.example.org",
    "github": "ada",
    "theme": "dark",
    "language": "en",
    "email_notifications": "",
}


@pytest.fixture
def direct_url(pg_database_url: str) -> Iterator[str]:
    with migrated(pg_database_url) as url:
        yield url


@pytest.fixture
def proxy(direct_url: str) -> Iterator[TCPProxy]:
    with TCPProxy("127.0.0.1", 5432) as proxy:
        yield proxy


@pytest.fixture
def clerk() -> Iterator[EmulatorServer]:
    with EmulatorServer(prefix="/_clerk") as server:
        yield server


@pytest.fixture
def app(monkeypatch, use_database, proxy: TCPProxy, direct_url: str, clerk: EmulatorServer):
    """The use cases wired to the proxied database and the emulator (short timeouts)."""
    api = ClerkAPI(
        clerk.base_url,
        clerk.emulator.secret_key,
        timeout_s=0.5,
        backoff_base_s=0.02,
        max_retries=2,
        retry_budget_s=5.0,
    )
    monkeypatch.setattr(services, "get_clerk_api", lambda: api)
    use_database(proxy.url_for(direct_url))
    return api


def _clerk_user(clerk: EmulatorServer, email: str = "ada@example.com") -> dict[str, Any]:
    return clerk.emulator.create_user(email, first_name="Ada", last_name="Lovelace")


async def _member_with_profile(clerk: EmulatorServer, direct_url: str) -> dict[str, Any]:
    """A synced user who has saved their profile: the data a fault must never lose."""
    user = _clerk_user(clerk)
    await members.sync_account(user["id"], {})
    saved, errors = await members.save_profile(user["id"], dict(PROFILE))
    assert saved is not None and not errors
    return user


def _app_fields(user: User | None) -> dict[str, Any]:
    assert user is not None
    return {
        f: getattr(user, f)
        for f in ("bio", "company", "website", "github", "theme", "language", "email_notifications")
    }


EXPECTED_APP_FIELDS = {
    "bio": BIO,
    "company": "Analytical Engines",
    "website": "https://ada.example.org",
    "github": "ada",
    "theme": "dark",
    "language": "en",
    "email_notifications": False,
}


# -- PostgreSQL faults ----------------------------------------------------------------------


async def test_database_down_on_welcome_then_retry(app, proxy, clerk, direct_url):
    user = _clerk_user(clerk)
    proxy.refuse()
    with pytest.raises(AccountError) as info:
        await members.sync_account(user["id"], {})
    assert info.value.key == "err_database"
    assert rows(direct_url) == []
    proxy.accept()
    profile = await members.sync_account(user["id"], {})
    assert profile.email == "ada@example.com"
    assert len(rows(direct_url)) == 1


async def test_connection_killed_mid_first_sync_leaves_no_row(app, proxy, clerk, direct_url):
    """The sync is one autocommitted upsert: killed before the server got it, nothing."""
    user = _clerk_user(clerk)
    fired = proxy.cut_when(b"INSERT INTO", times=2)  # the attempt and its automatic retry
    with pytest.raises(AccountError) as info:
        await members.sync_account(user["id"], {})
    assert fired.is_set() and info.value.key == "err_database"
    assert rows(direct_url) == []  # the upsert never committed
    await members.sync_account(user["id"], {})  # the retry
    assert [r.clerk_id for r in rows(direct_url)] == [user["id"]]


async def test_connection_killed_mid_resync_keeps_everything(app, proxy, clerk, direct_url):
    user = await _member_with_profile(clerk, direct_url)
    clerk.emulator.update_user(user["id"], first_name="Augusta")
    fired = proxy.cut_when(b"INSERT INTO", times=2)
    with pytest.raises(AccountError):
        await members.sync_account(user["id"], {})
    assert fired.is_set()
    stored = row(direct_url, user["id"])
    assert stored.first_name == "Ada"  # the half-done update was rolled back
    assert _app_fields(stored) == EXPECTED_APP_FIELDS
    profile = await members.sync_account(user["id"], {})
    assert profile.first_name == "Augusta" and profile.bio == BIO


async def test_commit_sent_but_answer_lost_is_safe_to_retry(app, proxy, clerk, direct_url):
    """The ambiguous commit: the server applied the (autocommitted) upsert, the client
    saw an error."""
    user = _clerk_user(clerk)
    fired = proxy.cut_when(b"INSERT INTO", forward=True, times=2)
    with pytest.raises(AccountError):
        await members.sync_account(user["id"], {})
    assert fired.is_set()
    await members.sync_account(user["id"], {})  # the user presses retry
    assert len(rows(direct_url)) == 1


@pytest.mark.parametrize("forward", [False, True])
async def test_a_connection_lost_once_is_retried_without_the_user_noticing(
    app, proxy, clerk, direct_url, forward
):
    """One reset (a restart, a failover): the sync is retried once on a fresh connection;
    the upsert is idempotent, so even a commit that landed unseen gives one row."""
    user = _clerk_user(clerk)
    fired = proxy.cut_when(b"INSERT INTO", forward=forward)
    profile = await members.sync_account(user["id"], {})
    assert fired.is_set() and profile.email == "ada@example.com"
    assert [r.clerk_id for r in rows(direct_url)] == [user["id"]]


async def test_connection_killed_mid_save_keeps_the_old_profile(app, proxy, clerk, direct_url):
    """A save is one autocommitted UPDATE (no COMMIT to lose): killed in flight, it is
    either applied whole or not at all; here the server never got it."""
    user = await _member_with_profile(clerk, direct_url)
    fired = proxy.cut_when(b"UPDATE", times=2)  # the attempt and its automatic retry
    with pytest.raises(AccountError) as info:
        await members.save_profile(user["id"], {**PROFILE, "bio": "new bio", "company": ""})
    assert fired.is_set() and info.value.key == "save_unavailable"
    assert _app_fields(row(direct_url, user["id"])) == EXPECTED_APP_FIELDS
    saved, _ = await members.save_profile(user["id"], {**PROFILE, "bio": "new bio", "company": ""})
    assert saved.bio == "new bio" and saved.company is None
    assert row(direct_url, user["id"]).company is None


async def test_a_save_whose_connection_is_lost_once_is_retried(app, proxy, clerk, direct_url):
    user = await _member_with_profile(clerk, direct_url)
    fired = proxy.cut_when(b"UPDATE")
    saved, _ = await members.save_profile(user["id"], {**PROFILE, "bio": "new bio"})
    assert fired.is_set() and saved.bio == "new bio"
    assert row(direct_url, user["id"]).bio == "new bio"


async def test_save_with_the_database_down_then_retry(app, proxy, clerk, direct_url):
    user = await _member_with_profile(clerk, direct_url)
    proxy.refuse()
    proxy.cut()
    with pytest.raises(AccountError) as info:
        await members.save_profile(user["id"], {**PROFILE, "bio": "while down"})
    assert info.value.key == "save_unavailable"
    assert _app_fields(row(direct_url, user["id"])) == EXPECTED_APP_FIELDS
    proxy.accept()
    saved, _ = await members.save_profile(user["id"], {**PROFILE, "bio": "back up"})
    assert saved is not None and row(direct_url, user["id"]).bio == "back up"


async def test_every_pooled_connection_reset_at_once(app, proxy, clerk, direct_url):
    """A PostgreSQL restart or failover: all pooled connections die together, and the
    very next request works (connections are checked at checkout)."""
    user = await _member_with_profile(clerk, direct_url)
    assert proxy.cut() >= 1
    for n in range(3):
        await members.save_profile(user["id"], {**PROFILE, "bio": f"after restart {n}"})
    assert row(direct_url, user["id"]).bio == "after restart 2"


async def test_members_page_with_the_database_down(app, proxy, clerk, direct_url):
    user = await _member_with_profile(clerk, direct_url)
    proxy.refuse()
    proxy.cut()
    with pytest.raises(AccountError) as info:
        await members.load_member(user["id"], {})
    assert info.value.key == "err_database"
    proxy.accept()
    profile, current = await members.load_member(user["id"], {})
    assert current and profile.bio == BIO


@pytest.mark.parametrize("where", ["connect", "pooled"])
async def test_stalled_database_is_not_waited_on_forever(
    app, proxy, clerk, direct_url, monkeypatch, where
):
    """A black-holed database: the page gives up with a clear error instead of hanging."""
    monkeypatch.setattr(db, "TIMEOUT_S", 1.0)
    user = await _member_with_profile(clerk, direct_url)
    clerk.emulator.update_user(user["id"], first_name="Augusta")
    if where == "connect":
        proxy.cut()  # the next call must open a new connection, and that stalls
    proxy.stall()
    try:
        with pytest.raises(AccountError) as info:
            await asyncio.wait_for(members.sync_account(user["id"], {}), timeout=10)
        assert info.value.key == "err_database"
        with pytest.raises(AccountError) as info:
            await asyncio.wait_for(members.save_profile(user["id"], {"bio": "x"}), timeout=10)
        assert info.value.key == "save_unavailable"
        stored = row(direct_url, user["id"])
        assert stored.first_name == "Ada" and _app_fields(stored) == EXPECTED_APP_FIELDS
    finally:
        proxy.resume()
    # Back to normal: the calls parked on the stalled connections drain, the retry works.
    profile = await members.sync_account(user["id"], {})
    assert profile.first_name == "Augusta" and profile.bio in (BIO, "x")


# -- Clerk Backend API faults (emulator knobs, real HTTP) -----------------------------------


async def test_rate_limited_by_clerk_then_success(app, clerk, direct_url):
    user = _clerk_user(clerk)
    clerk.emulator.faults.enable_rate_limit(requests=1, window_s=1)
    await app.get_user(user["id"])  # uses the window's only slot
    profile = await members.sync_account(user["id"], {})  # 429, Retry-After: 1, then 200
    assert profile.email == "ada@example.com"
    assert clerk.emulator.faults.rate_limited >= 1
    assert len(rows(direct_url)) == 1


async def test_clerk_rate_limit_past_the_budget_is_a_clear_error(app, clerk, direct_url):
    user = _clerk_user(clerk)
    clerk.emulator.faults.enable_rate_limit(requests=1, window_s=30)
    await app.get_user(user["id"])
    app.retry_budget_s = 1.0  # Retry-After (≈30 s) does not fit: give up at once
    with pytest.raises(AccountError) as info:
        await members.sync_account(user["id"], {})
    assert info.value.key == "err_clerk_rate_limited"
    assert rows(direct_url) == []
    clerk.emulator.faults.reset()
    await members.sync_account(user["id"], {})
    assert len(rows(direct_url)) == 1


async def test_clerk_5xx_are_retried_then_succeed(app, clerk, direct_url):
    user = _clerk_user(clerk)
    clerk.emulator.faults.configure(fail_next=2, fail_status=502)
    calls = app.calls
    await members.sync_account(user["id"], {})
    # two 502s, the user, then the first sign-in's one listing of memberships
    assert app.calls - calls == 4 and len(rows(direct_url)) == 1


async def test_clerk_down_on_welcome_is_a_clear_error_and_retry_works(app, clerk, direct_url):
    user = _clerk_user(clerk)
    clerk.emulator.faults.configure(fail_probability=1.0)
    with pytest.raises(AccountError) as info:
        await members.sync_account(user["id"], {})
    assert info.value.key == "err_clerk_unreachable"
    assert rows(direct_url) == []
    clerk.emulator.faults.reset()
    await members.sync_account(user["id"], {})
    assert len(rows(direct_url)) == 1


async def test_clerk_timeouts_then_success_and_persistent_timeouts(app, clerk, direct_url):
    user = _clerk_user(clerk)
    clerk.emulator.faults.configure(hang_next=1, hang_s=5)
    await members.sync_account(user["id"], {})
    clerk.emulator.faults.configure(hang_next=10, hang_s=5)
    with pytest.raises(AccountError) as info:
        await members.sync_account(user["id"], {})
    assert info.value.key == "err_clerk_unreachable"
    clerk.emulator.faults.reset()


async def test_slow_clerk_still_syncs(app, clerk, direct_url):
    user = _clerk_user(clerk)
    clerk.emulator.faults.configure(latency_s=0.3)  # under the 0.5 s timeout
    await members.sync_account(user["id"], {})
    assert len(rows(direct_url)) == 1


async def test_members_page_with_clerk_down_shows_the_stored_copy(app, clerk, direct_url):
    user = await _member_with_profile(clerk, direct_url)
    clerk.emulator.faults.configure(fail_probability=1.0)
    profile, current = await members.load_member(user["id"], {})
    assert current is False
    assert profile.first_name == "Ada" and profile.bio == BIO
    assert _app_fields(row(direct_url, user["id"])) == EXPECTED_APP_FIELDS
