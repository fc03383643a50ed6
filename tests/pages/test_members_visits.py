"""A /members visit reads only when something it shows may have changed.

``MembersState`` with the real use cases on PostgreSQL, a real change-feed listener,
and session tokens carrying the profile claims (the emulator's custom claims). The
reads are counted at the use case; the other writes come from another connection, as
another worker, a webhook or reconcile would make them.
"""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa

from clerk_app import change_feed, db, members, services
from clerk_app.change_feed import ChangeFeed
from clerk_app.pages.members.state import MembersState
from clerk_app.state.auth import AuthState
from clerk_emulator import Emulator
from tests.support.change_feed import following, until
from tests.support.reflex_states import ISSUER, ORIGIN, call, new_tab, substate, verifier_for


@pytest.fixture
def database(migrated_pg_database):
    return migrated_pg_database


@pytest.fixture
def emu():
    return Emulator(issuer=ISSUER, authorized_party=ORIGIN, key_size=2048, custom_claims=True)


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    seen: list[str] = []
    original = members.load_member

    async def counted(user_id, claims):
        seen.append(user_id)
        return await original(user_id, claims)

    monkeypatch.setattr(members, "load_member", counted)
    return seen


@pytest.fixture
async def feed(database, monkeypatch):
    """The app's feed, following the test database (as the lifespan task would)."""
    feed = ChangeFeed()
    monkeypatch.setattr(change_feed, "FEED", feed)
    async with following(database, feed):
        yield feed
    db.dispose_engines()


class Tab:
    """One browser tab signed in as one user."""

    def __init__(self, emu: Emulator, user_id: str) -> None:
        self.emu, self.user_id, self.root = emu, user_id, new_tab()

    async def sign_in(self) -> None:
        """What the bridge sends: the session's current token."""
        token = self.emu.mint_token(self.user_id, azp=ORIGIN)
        await call(AuthState.set_session, substate(self.root, AuthState), token)


@pytest.fixture
async def tab(emu, monkeypatch) -> Tab:
    user = emu.create_user("grace@example.com", first_name="Grace")
    verifier = verifier_for(emu)
    monkeypatch.setattr(services, "get_verifier", lambda: verifier)
    tab = Tab(emu, user["id"])
    await tab.sign_in()
    return tab


async def visit(tab: Tab) -> MembersState:
    state = substate(tab.root, MembersState)
    await call(MembersState.on_load, state)
    return state


def write_bio(url: str, user_id: str, bio: str) -> None:
    with db.get_engine(url).begin() as conn:
        conn.execute(
            sa.text('UPDATE "user" SET bio = :bio, updated_at = now() WHERE clerk_id = :id'),
            {"bio": bio, "id": user_id},
        )


async def test_a_visit_with_nothing_changed_reads_nothing(database, feed, tab, reads):
    state = await visit(tab)
    assert state.loaded and reads == [tab.user_id]  # the first visit reads (and syncs)
    await until(lambda: feed.stamp(tab.user_id) is not None)
    await asyncio.sleep(0.2)  # the first visit's own sync has been heard of
    await visit(tab)  # re-read once: that sync was a write
    count = len(reads)
    for _ in range(3):
        await visit(tab)
    assert len(reads) == count and state.loaded


async def test_a_write_elsewhere_is_read_on_the_next_visit(database, feed, tab, reads):
    state = await visit(tab)
    await asyncio.sleep(0.2)
    await visit(tab)
    stamp = feed.stamp(tab.user_id)
    write_bio(database, tab.user_id, "Written by another worker")
    await until(lambda: feed.stamp(tab.user_id) != stamp)
    count = len(reads)
    await visit(tab)
    assert len(reads) == count + 1
    await call(MembersState.pending_seen, state, False)  # the browser: no unsaved edits
    assert state.profile["bio"] == "Written by another worker"


async def test_new_profile_claims_are_read(database, feed, tab, emu, reads):
    await visit(tab)
    await asyncio.sleep(0.2)
    await visit(tab)
    count = len(reads)
    emu.update_user(tab.user_id, first_name="Amazing Grace")
    await tab.sign_in()  # the bridge's next token carries the new name
    state = await visit(tab)
    assert len(reads) == count + 1
    assert state.clerk["first_name"] == "Amazing Grace"


async def test_without_a_feed_every_visit_reads(database, tab, reads, monkeypatch):
    monkeypatch.setattr(change_feed, "FEED", ChangeFeed())  # never started: SQLite's case
    for n in range(1, 4):
        await visit(tab)
        assert len(reads) == n
