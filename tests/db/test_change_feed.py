"""The change feed: PostgreSQL's triggers and one worker's listener agree on whose data
moved, and the feed vouches for nothing it cannot prove.

A real listener (:func:`clerk_app.change_feed.follow`) on a migrated PostgreSQL
database; the writes come from other connections, as another worker, a webhook or
reconcile would make them.
"""

from __future__ import annotations

import asyncio
import contextlib

import pytest
import sqlalchemy as sa

from clerk_app import change_feed, db
from clerk_app.change_feed import ChangeFeed, conninfo, follow, listen
from tests.support.change_feed import following, until
from tests.support.factories import clerk_user


@pytest.fixture
def database(migrated_pg_database):
    return migrated_pg_database


@pytest.fixture
def engine(database):
    return db.get_engine(database)


def add_user(engine: sa.Engine, **fields) -> tuple[str, str]:
    """A user row written by another connection; (row id, Clerk id)."""
    user = clerk_user(**fields)
    with engine.begin() as conn:
        row_id = conn.execute(
            sa.text('INSERT INTO "user" (clerk_id, email) VALUES (:clerk_id, :email) RETURNING id'),
            {"clerk_id": user["id"], "email": user["email_addresses"][0]["email_address"]},
        ).scalar_one()
    return row_id, user["id"]


def execute(engine: sa.Engine, sql: str, **params) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text(sql), params)


async def test_a_write_to_a_user_row_moves_that_users_stamp_only(database, engine):
    _, ada = add_user(engine)
    _, bob = add_user(engine)
    async with following(database) as feed:
        before = {user: feed.stamp(user) for user in (ada, bob)}
        execute(engine, "UPDATE \"user\" SET bio = 'moved' WHERE clerk_id = :id", id=ada)
        await until(lambda: feed.stamp(ada) != before[ada])
        assert feed.stamp(bob) == before[bob]

        # A transaction that rolls back notifies nobody.
        with engine.connect() as conn, conn.begin() as tx:
            stmt = sa.text("UPDATE \"user\" SET bio = 'no' WHERE clerk_id = :id")
            conn.execute(stmt, {"id": bob})
            tx.rollback()
        moved = feed.stamp(ada)
        execute(engine, "UPDATE \"user\" SET bio = 'again' WHERE clerk_id = :id", id=ada)
        await until(lambda: feed.stamp(ada) != moved)  # later than the rollback: it was seen
        assert feed.stamp(bob) == before[bob]

        # A deletion (the row itself, not its tombstone) too.
        seen = feed.stamp(ada)
        execute(engine, 'DELETE FROM "user" WHERE clerk_id = :id', id=ada)
        await until(lambda: feed.stamp(ada) != seen)


async def test_memberships_move_their_member_and_organizations_move_everyone(database, engine):
    ada_row, ada = add_user(engine)
    _, bob = add_user(engine)
    execute(
        engine,
        "INSERT INTO organization (clerk_id, name, slug) VALUES ('org_1', 'Acme', 'acme')",
    )
    async with following(database) as feed:
        before = {user: feed.stamp(user) for user in (ada, bob)}
        execute(
            engine,
            "INSERT INTO organization_membership (clerk_id, organization_id, user_id, role) "
            "SELECT 'mem_1', id, :user, 'org:member' FROM organization WHERE clerk_id = 'org_1'",
            user=ada_row,
        )
        await until(lambda: feed.stamp(ada) != before[ada])
        assert feed.stamp(bob) == before[bob]

        seen = feed.stamp(ada)
        execute(engine, "DELETE FROM organization_membership WHERE clerk_id = 'mem_1'")
        await until(lambda: feed.stamp(ada) != seen)

        # An organization's row shows on every member's page: every stamp moves.
        seen = {user: feed.stamp(user) for user in (ada, bob)}
        execute(engine, "UPDATE organization SET name = 'Acme Corp' WHERE clerk_id = 'org_1'")
        await until(lambda: all(feed.stamp(u) != s for u, s in seen.items()))


async def test_a_lost_connection_vouches_for_nothing_until_a_new_session(database, engine):
    _, ada = add_user(engine)
    feed = ChangeFeed()
    task = asyncio.create_task(listen(feed, database))
    try:
        await until(lambda: feed.stamp(ada) is not None)
        first = feed.stamp(ada)
        execute(
            engine,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = 'clerk_app change feed' AND datname = current_database()",
        )
        await until(lambda: feed.stamp(ada) is None)
        # Back by itself, as a new session: no stamp from before the gap matches again.
        await until(lambda: feed.stamp(ada) is not None, timeout=10)
        assert feed.stamp(ada)[0] != first[0]
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_without_proof_of_life_the_feed_vouches_for_nothing(database, engine, monkeypatch):
    async with following(database) as feed:
        assert feed.stamp("user_x") is not None
        now = change_feed.time.monotonic()
        monkeypatch.setattr(
            change_feed.time, "monotonic", lambda: now + change_feed.MAX_SILENCE_S + 1
        )
        assert feed.stamp("user_x") is None


async def test_the_heartbeat_keeps_a_quiet_feed_vouching(database, monkeypatch):
    monkeypatch.setattr(change_feed, "HEARTBEAT_S", 0.05)
    monkeypatch.setattr(change_feed, "MAX_SILENCE_S", 0.5)
    async with following(database) as feed:
        await asyncio.sleep(1.0)  # twice the silence allowed, with no write at all
        assert feed.stamp("user_x") is not None


async def test_a_listener_that_hears_nothing_vouches_for_nothing(database, monkeypatch):
    """As behind a pooler in transaction mode: ``LISTEN`` runs, nothing is forwarded."""
    monkeypatch.setattr(change_feed, "SUBSCRIBE", "SELECT 1")  # subscribed to nothing
    monkeypatch.setattr(change_feed, "HEARTBEAT_S", 0.2)
    feed = ChangeFeed()
    task = asyncio.create_task(follow(feed, conninfo(database)))
    seen = []
    while not task.done():
        seen.append(feed.stamp("user_x"))
        await asyncio.sleep(0.01)
    with pytest.raises(TimeoutError):
        task.result()  # the heartbeat was never heard back
    assert len(seen) > 10 and set(seen) == {None}


async def test_a_database_without_the_triggers_vouches_for_nothing(database, engine, caplog):
    """Migrations behind (production never migrates on start): writes would be silent."""
    execute(engine, 'DROP TRIGGER clerk_app_user_changed ON "user"')
    feed = ChangeFeed()
    with pytest.raises(change_feed.TriggersMissing):
        await follow(feed, conninfo(database))
    assert feed.stamp("user_x") is None
    task = asyncio.create_task(listen(feed, database))
    await until(lambda: "triggers are missing" in caplog.text)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def test_on_sqlite_there_is_no_feed(sqlite_database_url):
    feed = ChangeFeed()
    await asyncio.wait_for(listen(feed, sqlite_database_url), 1)
    assert feed.stamp("user_x") is None
    assert change_feed.stamp("user_x") is None  # the app's own feed, never started here


def test_memory_stays_bounded(monkeypatch):
    monkeypatch.setattr(change_feed, "MAX_USERS", 3)
    feed = ChangeFeed()
    assert feed.opened() and feed.stamp("a") is None  # vouches from its first heartbeat
    feed.proven(change_feed.time.monotonic())
    session = feed.stamp("a")[0]
    for user in ("a", "b", "c"):
        feed.changed(user)
    assert feed.stamp("a")[2] == 1 and feed.stamp("a")[0] == session
    feed.changed("d")  # one user too many: a new session, every earlier stamp void
    feed.proven(change_feed.time.monotonic())
    assert feed.stamp("a")[0] != session and len(feed._counts) == 0
