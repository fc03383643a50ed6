"""organization.* and organizationMembership.* deliveries, on SQLite and PostgreSQL.

Signed from the spec and posted through httpx's ASGI transport, like the user events
(tests/webhooks/test_webhooks.py). Every ordering rule, the 409 for a membership that
arrives before its user, and the hooks (after the commit, never for a duplicate).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from clerk_app import db, hooks
from tests.support.factories import clerk_membership, clerk_organization, updated
from tests.support.webhooks import (
    clerk_user_json,
    deleted_event,
    event,
    membership_rows,
    migrated_engine,
    new_secret,
    org_rows,
    processed_ids,
    sender_for,
    table_snapshot,
    webhook_app,
)

SECRET = new_secret()


@pytest.fixture
def engine(database_url) -> Iterator[sa.Engine]:
    engine = migrated_engine(database_url)
    yield engine
    engine.dispose()
    db.dispose_engines()


@pytest.fixture
async def sender(engine):
    client, sender = sender_for(webhook_app(SECRET, engine), SECRET)
    async with client:
        yield sender


@pytest.fixture
async def ada(sender):
    user = clerk_user_json("user_ada", "ada@example.com")
    assert (await sender.deliver(event("user.created", user))).status_code == 200
    return user


def _org_deleted(org_id: str) -> dict:
    return event("organization.deleted", {"id": org_id, "object": "organization", "deleted": True})


async def test_organization_created_updated_and_an_older_update(sender, engine):
    org = clerk_organization(name="Acme", slug="acme")
    response = await sender.deliver(event("organization.created", org))
    assert response.json() == {"status": "processed", "detail": "created"}
    newer = updated(org, name="Acme Inc")
    assert (await sender.deliver(event("organization.updated", newer))).json()["detail"] == (
        "updated"
    )
    late = await sender.deliver(event("organization.updated", org))
    assert late.json() == {"status": "processed", "detail": "ignored_stale"}
    assert org_rows(engine)[org["id"]]["name"] == "Acme Inc"


async def test_a_deleted_organization_stays_deleted_and_its_memberships_go(sender, engine, ada):
    org = clerk_organization(slug="acme")
    membership = clerk_membership(ada, org)
    await sender.deliver(event("organizationMembership.created", membership))
    assert list(membership_rows(engine)) == [membership["id"]]
    response = await sender.deliver(_org_deleted(org["id"]))
    assert response.json() == {"status": "processed", "detail": "deleted"}
    assert membership_rows(engine) == {}
    for kind, data in [
        ("organization.updated", updated(org, name="Back", delta_ms=10**6)),
        ("organizationMembership.updated", updated(membership, delta_ms=10**6)),
    ]:
        late = await sender.deliver(event(kind, data))
        assert late.json() == {"status": "processed", "detail": "ignored_deleted"}
    assert org_rows(engine)[org["id"]] == {
        "name": "",
        "slug": None,
        "deleted": True,
        "clerk_updated_at": org["updated_at"],
    }
    assert membership_rows(engine) == {}


async def test_an_organization_deleted_before_it_was_created(sender, engine):
    org = clerk_organization()
    await sender.deliver(_org_deleted(org["id"]))
    created = await sender.deliver(event("organization.created", org))
    assert created.json()["detail"] == "ignored_deleted"
    assert org_rows(engine)[org["id"]]["deleted"] is True


async def test_a_membership_before_its_organization_creates_it(sender, engine, ada):
    org = clerk_organization(name="Embedded")
    membership = clerk_membership(ada, org, role="org:admin")
    response = await sender.deliver(event("organizationMembership.created", membership))
    assert response.json() == {"status": "processed", "detail": "created"}
    assert org_rows(engine)[org["id"]]["name"] == "Embedded"
    assert membership_rows(engine) == {membership["id"]: (org["id"], "user_ada", "org:admin")}


async def test_a_membership_before_its_user_is_409_then_lands_on_retry(sender, engine):
    user = clerk_user_json("user_late", "late@example.com")
    membership = clerk_membership(user, clerk_organization())
    doc = event("organizationMembership.created", membership)
    first = await sender.deliver(doc, msg_id="msg_member_early")
    assert first.status_code == 409 and "retry" in first.json()["error"]
    assert org_rows(engine) == {} and membership_rows(engine) == {}
    assert "msg_member_early" not in processed_ids(engine)  # so Svix's retry is processed
    await sender.deliver(event("user.created", user))
    retry = await sender.deliver(doc, msg_id="msg_member_early")
    assert retry.json() == {"status": "processed", "detail": "created"}
    assert list(membership_rows(engine)) == [membership["id"]]


async def test_role_changes_in_order_and_out_of_order(sender, engine, ada):
    membership = clerk_membership(ada, clerk_organization(), role="org:member")
    promoted = updated(membership, role="org:admin")
    await sender.deliver(event("organizationMembership.updated", promoted))  # before created
    late = await sender.deliver(event("organizationMembership.created", membership))
    assert late.json()["detail"] == "ignored_stale"
    assert membership_rows(engine)[membership["id"]][2] == "org:admin"


async def test_membership_deleted_is_idempotent_and_final_for_the_row(sender, engine, ada):
    membership = clerk_membership(ada, clerk_organization())
    await sender.deliver(event("organizationMembership.created", membership))
    gone = await sender.deliver(event("organizationMembership.deleted", membership))
    assert gone.json() == {"status": "processed", "detail": "deleted"}
    again = await sender.deliver(event("organizationMembership.deleted", membership))
    assert again.json() == {"status": "processed", "detail": "absent"}
    assert membership_rows(engine) == {}


async def test_a_redelivery_is_a_duplicate_and_writes_nothing(sender, engine, ada):
    doc = event("organizationMembership.created", clerk_membership(ada, clerk_organization()))
    await sender.deliver(doc, msg_id="msg_once")
    before = table_snapshot(engine)
    again = await sender.deliver(doc, msg_id="msg_once")
    assert again.json() == {"status": "duplicate"}
    assert table_snapshot(engine) == before


async def test_a_user_deleted_removes_their_memberships(sender, engine, ada):
    org = clerk_organization()
    await sender.deliver(event("organizationMembership.created", clerk_membership(ada, org)))
    await sender.deliver(deleted_event("user_ada"))
    assert membership_rows(engine) == {}
    assert org_rows(engine)[org["id"]]["deleted"] is False


# -- hooks ---------------------------------------------------------------------------------------


@pytest.fixture
def recorded(engine):
    """Every hook call, with what the database held (committed) when it ran."""
    calls: list[tuple] = []

    def committed_memberships() -> int:
        with engine.connect() as conn:
            return conn.scalar(sa.text("SELECT count(*) FROM organization_membership"))

    def on_member(membership, change):
        calls.append(("membership", change.kind.value, change.clerk_id, committed_memberships()))

    def on_user(user, outcome):
        calls.append(("user", outcome.value, user.clerk_id, user.email))

    def on_org_deleted(clerk_id):
        calls.append(("org_deleted", clerk_id))

    registered = [
        hooks.on_membership_changed(on_member),
        hooks.on_user_synced(on_user),
        hooks.on_organization_deleted(on_org_deleted),
    ]
    yield calls
    for fn in registered:
        hooks.unregister(fn)


async def test_hooks_run_after_the_commit_once_per_change(sender, engine, recorded):
    user = clerk_user_json("user_hook", "hook@example.com")
    await sender.deliver(event("user.created", user), msg_id="msg_user")
    org = clerk_organization()
    membership = clerk_membership(user, org)
    await sender.deliver(event("organizationMembership.created", membership), msg_id="msg_m")
    await sender.deliver(event("organizationMembership.created", membership), msg_id="msg_m")
    await sender.deliver(_org_deleted(org["id"]))
    assert recorded == [
        ("user", "created", "user_hook", "hook@example.com"),
        ("membership", "created", membership["id"], 1),  # committed before the hook ran
        ("org_deleted", org["id"]),
        ("membership", "deleted", membership["id"], 0),
    ]


async def test_a_failing_hook_does_not_fail_the_delivery(sender, engine, recorded):
    def broken(user, outcome):
        raise RuntimeError("hook bug")

    hooks.on_user_synced(broken)
    try:
        user = clerk_user_json("user_brk", "brk@example.com")
        response = await sender.deliver(event("user.created", user))
    finally:
        hooks.unregister(broken)
    assert response.json() == {"status": "processed", "detail": "created"}
    assert recorded == [("user", "created", "user_brk", "brk@example.com")]


async def test_no_hook_for_a_refused_delivery(sender, engine, recorded):
    user = clerk_user_json("user_nohook", "nohook@example.com")
    doc = event("organizationMembership.created", clerk_membership(user, clerk_organization()))
    assert (await sender.deliver(doc)).status_code == 409
    assert recorded == []
