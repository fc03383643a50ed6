"""/welcome's membership rule: one listing when needed, none when nothing changed.

``members.sync_account`` against a migrated database (SQLite and PostgreSQL) and the
in-memory Backend API of tests/support/clerk_orgs.py; the calls are counted there.
"""

from __future__ import annotations

import pytest

from clerk_app import account_orgs, hooks, members, services
from clerk_app.account_orgs import MembershipSync
from clerk_app.clerk.api import ClerkAPI
from tests.support.clerk_orgs import FakeClerk
from tests.support.database import migrated
from tests.support.factories import updated
from tests.support.webhooks import membership_rows, org_rows

LISTING = r"/v1/users/.*/organization_memberships"


@pytest.fixture
def database(database_url, use_database):
    with migrated(database_url) as url:
        use_database(url)
        yield url


@pytest.fixture
def engine(database):
    from clerk_app import db

    return db.get_engine(database)


@pytest.fixture
def clerk(monkeypatch) -> FakeClerk:
    clerk = FakeClerk()
    api = ClerkAPI("https://api.clerk.test", "sk", transport=clerk.transport())
    monkeypatch.setattr(services, "get_clerk_api", lambda: api)
    return clerk


@pytest.fixture
def outcomes(monkeypatch) -> list:
    seen: list = []
    original = account_orgs.after_user_sync

    async def spy(*args):
        seen.append(await original(*args))
        return seen[-1]

    monkeypatch.setattr(account_orgs, "after_user_sync", spy)
    return seen


def _claims(user: dict, org: dict | None = None, role: str = "admin") -> dict:
    claims = {"sub": user["id"], "sid": "sess_1", "exp": 0, "iat": 1_900_000_000}
    if org is not None:
        claims["o"] = {"id": org["id"], "rol": role, "slg": org["slug"]}
    return claims


async def test_a_first_sign_in_lists_the_memberships_once(database, engine, clerk, outcomes):
    ada = clerk.add_user()
    acme = clerk.add_org()
    membership = clerk.add_member(ada, acme, "org:admin")
    await members.sync_account(ada["id"], _claims(ada))
    assert clerk.calls_to(LISTING) == 1 and outcomes == [MembershipSync.LISTED]
    assert membership_rows(engine) == {membership["id"]: (acme["id"], ada["id"], "org:admin")}
    assert org_rows(engine)[acme["id"]]["name"] == acme["name"]


async def test_a_reload_with_nothing_changed_makes_no_listing(database, engine, clerk, outcomes):
    ada = clerk.add_user()
    acme = clerk.add_org()
    clerk.add_member(ada, acme, "org:admin")
    await members.sync_account(ada["id"], _claims(ada))
    await members.sync_account(ada["id"], _claims(ada))  # no o claim
    await members.sync_account(ada["id"], _claims(ada, acme, "admin"))  # o claim matches
    assert clerk.calls_to(LISTING) == 1
    assert outcomes == [MembershipSync.LISTED, MembershipSync.SKIPPED, MembershipSync.SKIPPED]


async def test_a_new_role_in_the_o_claim_is_stored_without_a_call(database, engine, clerk):
    ada = clerk.add_user()
    acme = clerk.add_org()
    membership = clerk.add_member(ada, acme, "org:admin")
    await members.sync_account(ada["id"], _claims(ada))
    await members.sync_account(ada["id"], _claims(ada, acme, "member"))
    assert clerk.calls_to(LISTING) == 1
    assert membership_rows(engine)[membership["id"]][2] == "org:member"


async def test_an_unknown_org_in_the_o_claim_falls_back_to_one_listing(database, engine, clerk):
    ada = clerk.add_user()
    await members.sync_account(ada["id"], _claims(ada))
    acme = clerk.add_org()  # joined since, and the webhook has not landed
    membership = clerk.add_member(ada, acme)
    await members.sync_account(ada["id"], _claims(ada, acme, "member"))
    assert clerk.calls_to(LISTING) == 2
    assert list(membership_rows(engine)) == [membership["id"]]


async def test_a_new_sign_in_lists_again_and_drops_what_clerk_no_longer_has(
    database, engine, clerk
):
    ada = clerk.add_user()
    acme = clerk.add_org()
    left = clerk.add_member(ada, acme)
    await members.sync_account(ada["id"], _claims(ada))
    del clerk.memberships[left["id"]]
    clerk.users[ada["id"]] = updated(ada, last_sign_in_at=ada["last_sign_in_at"] + 60_000)
    await members.sync_account(ada["id"], _claims(ada))
    assert clerk.calls_to(LISTING) == 2 and membership_rows(engine) == {}


async def test_a_failed_listing_does_not_fail_the_sign_in(database, engine, clerk, outcomes):
    ada = clerk.add_user(first_name="Ada")
    clerk.fail(LISTING, 400)
    profile = await members.sync_account(ada["id"], _claims(ada))
    assert profile.first_name == "Ada" and outcomes == [MembershipSync.FAILED]


async def test_welcome_fires_the_user_hook_after_the_commit(database, engine, clerk):
    ada = clerk.add_user()
    seen: list = []
    hook = hooks.on_user_synced(lambda user, outcome: seen.append((user.clerk_id, outcome)))
    try:
        await members.sync_account(ada["id"], _claims(ada))
        await members.sync_account(ada["id"], _claims(ada))  # unchanged: no hook
    finally:
        hooks.unregister(hook)
    assert seen == [(ada["id"], "created")]
