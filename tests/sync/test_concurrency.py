"""Concurrent syncs: many sign-ins at once never fail and never duplicate.

Each worker is a thread with its own session (as the app's request handlers
are), released together by a barrier so the statements really overlap.
PostgreSQL runs them in parallel; SQLite serialises writers (WAL + busy
timeout), which must also end with zero errors.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlmodel import Session

from clerk_app import db
from clerk_app.profile import ProfileUpdate
from clerk_app.sync import SyncOutcome, delete_user, sync_user, sync_user_outcome
from tests.support.database import migrated, row, rows, session_scope, update_profile
from tests.support.factories import clerk_user, updated


@pytest.fixture
def pg_url(pg_database_url):
    with migrated(pg_database_url) as url:
        yield url


@pytest.fixture
def url(database_url):
    with migrated(database_url) as url:
        yield url


def together(url: str, jobs: Sequence[Callable[[Any], Any]], workers: int) -> list[Any]:
    """Run ``job(session)`` for every job, ``workers`` at a time, each in its own transaction.

    Each worker holds its own connection (a pool as large as the workers), and
    the first ``workers`` jobs start at the same instant (barrier). Returns the
    results, with an exception in place of a result for any job that raised.
    """
    engine = db.make_engine(url, pool_size=workers, max_overflow=0)
    barrier = threading.Barrier(min(workers, len(jobs)))

    def one(index: int) -> Any:
        with engine.connect() as connection:
            if index < barrier.parties:
                barrier.wait()
            try:
                with Session(bind=connection, expire_on_commit=False) as session:
                    result = jobs[index](session)
                    session.commit()
                    return result
            except Exception as exc:
                return exc

    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(one, range(len(jobs))))
    finally:
        engine.dispose()


def errors(results: list[Any]) -> list[Exception]:
    return [result for result in results if isinstance(result, Exception)]


def sync_job(clerk: dict) -> Callable[[Any], Any]:
    return lambda session: sync_user_outcome(session, clerk).outcome


def test_fifty_simultaneous_first_sign_ins_of_one_user_on_postgresql(pg_url):
    clerk = clerk_user(email="rush@example.com")
    results = together(pg_url, [sync_job(clerk)] * 50, workers=50)
    assert errors(results) == []
    assert Counter(results) == {SyncOutcome.CREATED: 1, SyncOutcome.UNCHANGED: 49}
    assert [user.clerk_id for user in rows(pg_url)] == [clerk["id"]]
    assert row(pg_url, clerk["id"]).username == "rush"


def test_simultaneous_first_sign_ins_of_one_user_on_sqlite(sqlite_database_url):
    with migrated(sqlite_database_url) as url:
        clerk = clerk_user()
        results = together(url, [sync_job(clerk)] * 20, workers=20)
        assert errors(results) == []
        assert Counter(results) == {SyncOutcome.CREATED: 1, SyncOutcome.UNCHANGED: 19}
        assert len(rows(url)) == 1


def test_five_hundred_users_sixteen_workers_on_postgresql(pg_url):
    users = [clerk_user() for _ in range(500)]
    results = together(pg_url, [sync_job(clerk) for clerk in users], workers=16)
    assert errors(results) == []
    assert Counter(results) == {SyncOutcome.CREATED: 500}
    assert len(rows(pg_url)) == 500


def test_half_of_five_hundred_users_derive_the_same_username(url):
    users = [
        clerk_user(email=f"john@domain{n}.example" if n % 2 else f"user{n}@example.com")
        for n in range(500)
    ]
    results = together(url, [sync_job(clerk) for clerk in users], workers=16)
    assert errors(results) == []
    assert Counter(results) == {SyncOutcome.CREATED: 500}
    stored = rows(url)
    assert len(stored) == 500
    names = [user.username for user in stored]
    assert len(set(names)) == 500
    johns = [name for name in names if name == "john" or name.startswith("john_")]
    assert len(johns) == 250 and "john" in johns


def test_concurrent_clerk_username_claims_and_email_moves(url):
    """Users taking each other's usernames and addresses at once: no error, all unique."""
    base = [clerk_user(email=f"p{n}@example.com", username=f"name{n}") for n in range(40)]
    together(url, [sync_job(clerk) for clerk in base], workers=8)
    # Everyone shifts to the next person's username and address, all at once.
    shifted = [
        updated(
            clerk,
            username=f"name{(n + 1) % 40}",
            email_addresses=[
                {"id": f"idn_shift{n}", "email_address": f"p{(n + 1) % 40}@example.com"}
            ],
            primary_email_address_id=f"idn_shift{n}",
        )
        for n, clerk in enumerate(base)
    ]
    results = together(url, [sync_job(clerk) for clerk in shifted], workers=16)
    assert errors(results) == []
    final = {user.clerk_id: user for user in rows(url)}
    assert len(final) == 40
    emails = [user.email for user in final.values() if user.email]
    usernames = [user.username for user in final.values()]
    assert len(emails) == len(set(emails)) and len(usernames) == len(set(usernames))
    # Every user's own (newest) username is theirs once each has synced again.
    together(url, [sync_job(clerk) for clerk in shifted], workers=16)
    for n, clerk in enumerate(base):
        user = row(url, clerk["id"])
        assert user.username == f"name{(n + 1) % 40}"
        assert user.email == f"p{(n + 1) % 40}@example.com"


def test_profile_saves_and_syncs_interleave_without_losing_either(url):
    clerk = clerk_user(first_name="v0")
    with session_scope(url) as session:
        sync_user(session, clerk)
    versions = [updated(clerk, delta_ms=n, first_name=f"v{n}") for n in range(1, 41)]
    jobs: list[Callable[[Any], Any]] = []
    for n, version in enumerate(versions):
        jobs.append(sync_job(version))
        bio = f"bio {n}"
        jobs.append(
            lambda session, bio=bio: update_profile(session, clerk["id"], ProfileUpdate(bio=bio))
        )
    results = together(url, jobs, workers=16)
    assert errors(results) == []
    user = row(url, clerk["id"])
    assert user.first_name == "v40"  # newest Clerk data, whatever the arrival order
    assert user.bio is not None and user.bio.startswith("bio ")


def test_a_delete_racing_updates_always_wins(url):
    clerk = clerk_user()
    with session_scope(url) as session:
        sync_user(session, clerk)
    jobs: list[Callable[[Any], Any]] = [
        sync_job(updated(clerk, delta_ms=n, first_name=f"v{n}")) for n in range(1, 30)
    ]
    jobs.insert(10, lambda session: delete_user(session, clerk["id"]))
    results = together(url, jobs, workers=16)
    assert errors(results) == []
    tomb = row(url, clerk["id"])
    assert tomb.deleted_at is not None and tomb.first_name is None and tomb.email is None
