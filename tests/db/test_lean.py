"""The hot path's driver-level statements (:mod:`clerk_app.lean`) give what SQLAlchemy gives.

Each statement is the one defined next to its rules (the /members read, the save's
guarded ``UPDATE … RETURNING``, the sync's upsert), compiled once and run on psycopg or
aiosqlite directly; the rows must be exactly those of the same statement run through
SQLAlchemy, on SQLite and on PostgreSQL. Failures keep the runner's contract: a
database that does not answer in time, or at all, is :class:`db.Unavailable`.
"""

from __future__ import annotations

import asyncio
from datetime import UTC

import pytest
import sqlalchemy as sa

from clerk_app import db, lean, members
from clerk_app.models import UserPublic
from clerk_app.profile import ProfileUpdate, update_parameters
from clerk_app.sync import upsert_call
from tests.support.database import migrated

CLERK = {
    "id": "user_lean",
    "username": None,
    "first_name": "Ada",
    "last_name": "Lovelace",
    "image_url": "https://img.example/ada",
    "primary_email_address_id": "idn_1",
    "email_addresses": [{"id": "idn_1", "email_address": "ada@example.com"}],
    "updated_at": 5,
}


def _through_sqlalchemy(url: str, stmt: sa.Executable, params: dict) -> dict | None:
    with db.get_engine(url).begin() as conn:
        row = conn.execute(stmt, params).mappings().first()
    return None if row is None else dict(row)


@pytest.fixture
def url(database_url: str, use_database):
    with migrated(database_url) as migrated_url:
        use_database(migrated_url)
        yield migrated_url


async def test_the_sync_the_read_and_the_save_match_sqlalchemy(url):
    dialect = db.lean_pool().dialect_name
    stmt, params = upsert_call(CLERK, dialect)
    inserted = await db.execute_one(stmt, params)
    assert inserted["clerk_id"] == "user_lean" and inserted["username"] == "ada"
    assert inserted["email_notifications"] is True and inserted["theme"] == "light"
    assert inserted["created_at"].tzinfo is UTC  # processed as the ORM would
    read = await db.execute_one(members._LIVE_ROW, {"clerk_id": "user_lean"})
    assert read == _through_sqlalchemy(url, members._LIVE_ROW, {"clerk_id": "user_lean"})
    assert read == inserted

    update = ProfileUpdate(bio="Notes on the engine", email_notifications=False)
    expected = {"bio": None, "email_notifications": True}
    stmt, params = update_parameters("user_lean", update.model_dump(exclude_unset=True), expected)
    saved = await db.execute_one(stmt, params)
    assert saved["bio"] == "Notes on the engine" and saved["email_notifications"] is False
    stored = _through_sqlalchemy(url, members._LIVE_ROW, {"clerk_id": "user_lean"})
    assert set(saved) == set(UserPublic.model_fields)  # what the page shows, nothing more
    assert saved == {name: stored[name] for name in saved}
    # The guard holds: the form expected a bio that is no longer there, nothing written.
    stmt, params = update_parameters("user_lean", {"bio": "late"}, {"bio": None})
    assert await db.execute_one(stmt, params) is None


async def test_a_unique_value_held_elsewhere_is_reported_as_such_and_settled_by_the_sync(url):
    dialect = db.lean_pool().dialect_name
    await db.execute_one(*upsert_call(CLERK, dialect))
    other = {**CLERK, "id": "user_other", "updated_at": 9}  # the same address, newer
    with pytest.raises(lean.DriverError) as raised:
        await db.execute_one(*upsert_call(other, dialect))
    assert raised.value.sqlstate == lean.UNIQUE_VIOLATION and raised.value.sql_error
    profile = await members._upsert(other)  # the slow path releases the stale claim
    assert profile.email == "ada@example.com"
    old = _through_sqlalchemy(url, members._LIVE_ROW, {"clerk_id": "user_lean"})
    assert old["email"] is None


async def test_no_answer_in_time_is_unavailable_and_the_caller_does_not_wait(monkeypatch):
    async def stalled():
        await asyncio.sleep(60)

    started = asyncio.get_running_loop().time()
    with pytest.raises(db.Unavailable, match="timeout"):
        await db.run(stalled, timeout_s=0.05)
    assert asyncio.get_running_loop().time() - started < 5
    assert asyncio.current_task().cancelling() == 0  # no cancellation left behind


async def test_work_that_cleans_up_slowly_is_cut_short():
    """What psycopg does on a black-holed connection: catch the cancellation and wait
    (up to 10 s) for a server-side cancel. The second cancellation ends that wait."""
    cleaned = asyncio.Event()

    async def driver_like():
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            try:
                await asyncio.sleep(10)  # the driver's clean-up
            finally:
                cleaned.set()
            raise

    started = asyncio.get_running_loop().time()
    with pytest.raises(db.Unavailable):
        await db.run(driver_like, timeout_s=0.05)
    assert cleaned.is_set() and asyncio.get_running_loop().time() - started < 5


async def test_a_cancellation_from_outside_is_not_a_timeout():
    task = asyncio.ensure_future(db.run(lambda: asyncio.sleep(60), timeout_s=30))
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_an_unreachable_database_is_unavailable(use_database):
    use_database("postgresql://nobody@127.0.0.1:1/nothing")
    with pytest.raises(db.Unavailable) as raised:
        await db.run(lambda: db.execute_one(members._LIVE_ROW, {"clerk_id": "x"}))
    assert not raised.value.sql_error


def test_statements_are_compiled_once_per_pool():
    pool = lean.Pool("sqlite:///unused.db", 1)
    assert pool.compiled(members._LIVE_ROW) is pool.compiled(members._LIVE_ROW)


async def test_every_row_and_the_statements_own_literals_reach_the_driver(url):
    """``execute_all`` gives every row, in order; a value written into the statement
    (``theme == "dark"``, a LIMIT) is sent with it, as SQLAlchemy would."""
    dialect = db.lean_pool().dialect_name
    for n in range(3):
        clerk = {**CLERK, "id": f"user_lean_{n}", "updated_at": 5 + n}
        clerk["email_addresses"] = [{"id": "idn_1", "email_address": f"ada{n}@example.com"}]
        stmt, params = upsert_call(clerk, dialect)
        await db.execute_one(stmt, params)
    users = sa.table("user", sa.column("clerk_id"), sa.column("theme"))
    listed = (
        sa.select(users.c.clerk_id)
        .where(users.c.theme == "light", users.c.clerk_id != sa.bindparam("not_this"))
        .order_by(users.c.clerk_id.desc())
        .limit(2)
    )
    rows = await db.execute_all(listed, {"not_this": "user_lean_2"})
    assert rows == [{"clerk_id": "user_lean_1"}, {"clerk_id": "user_lean_0"}]
    assert (
        rows
        == [
            dict(r)
            for r in [_through_sqlalchemy(url, listed.limit(1), {"not_this": "user_lean_2"})]
        ][:1]
        + rows[1:]
    )
    assert await db.execute_one(listed, {"not_this": "nobody"}) == {"clerk_id": "user_lean_2"}
