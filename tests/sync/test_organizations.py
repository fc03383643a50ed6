"""sync_organization / delete_organization / sync_membership / delete_membership /
sync_user_memberships / apply_active_organization, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from clerk_app import db
from clerk_app.clerk.organizations import ActiveOrganization
from clerk_app.org_models import Organization, OrganizationMembership
from clerk_app.sync import (
    ActiveRole,
    DeleteOutcome,
    MemberNotSynced,
    MembershipMismatch,
    SyncOutcome,
    apply_active_organization,
    delete_membership,
    delete_organization,
    delete_user,
    sync_membership,
    sync_organization,
    sync_user,
    sync_user_memberships,
)
from tests.support.database import migrated, run, session_scope
from tests.support.factories import clerk_membership, clerk_organization, clerk_user, updated


@pytest.fixture
def url(database_url):
    with migrated(database_url) as url:
        yield url


def org_row(url, clerk_id) -> Organization | None:
    with db.new_session(url) as session:
        query = sa.select(Organization).where(Organization.clerk_id == clerk_id)
        return session.scalars(query).one_or_none()


def memberships(url) -> dict[str, str]:
    """Membership Clerk id → role."""
    with db.new_session(url) as session:
        return {m.clerk_id: m.role for m in session.scalars(sa.select(OrganizationMembership))}


def synced_user(url, **kw) -> dict:
    user = clerk_user(**kw)
    run(url, sync_user, user)
    return user


# -- organizations ---------------------------------------------------------------------------


def test_an_organization_is_created_updated_and_older_data_changes_nothing(url):
    org = clerk_organization(name="Acme", slug="acme")
    assert run(url, sync_organization, org).outcome is SyncOutcome.CREATED
    assert run(url, sync_organization, org).outcome is SyncOutcome.UNCHANGED
    newer = updated(org, name="Acme Inc", slug="acme-inc")
    result = run(url, sync_organization, newer)
    assert result.outcome is SyncOutcome.UPDATED
    assert (result.organization.name, result.organization.slug) == ("Acme Inc", "acme-inc")
    assert run(url, sync_organization, org).outcome is SyncOutcome.IGNORED_STALE
    stored = org_row(url, org["id"])
    assert (stored.name, stored.slug, stored.clerk_updated_at) == (
        "Acme Inc",
        "acme-inc",
        newer["updated_at"],
    )


def test_the_sync_never_touches_the_app_managed_fields(url):
    org = clerk_organization()
    run(url, sync_organization, org)
    with session_scope(url) as session:
        session.execute(
            sa.update(Organization)
            .where(Organization.clerk_id == org["id"])
            .values(description="Ours", website="https://acme.test")
        )
    run(url, sync_organization, updated(org, name="Renamed"))
    stored = org_row(url, org["id"])
    assert (stored.name, stored.description, stored.website) == (
        "Renamed",
        "Ours",
        "https://acme.test",
    )


def test_deleting_an_organization_leaves_a_final_tombstone_and_removes_its_memberships(url):
    user = synced_user(url)
    org = clerk_organization(slug="gone")
    membership = clerk_membership(user, org)
    run(url, sync_membership, membership)
    deleted = run(url, delete_organization, org["id"])
    assert deleted.outcome is DeleteOutcome.DELETED
    assert deleted.memberships == (membership["id"],)
    assert memberships(url) == {}
    stored = org_row(url, org["id"])
    assert stored.deleted_at is not None and stored.slug is None and stored.name == ""
    late = updated(org, name="Back?", delta_ms=60_000)
    assert run(url, sync_organization, late).outcome is SyncOutcome.IGNORED_DELETED
    late_member = updated(membership, delta_ms=60_000, organization=late)
    assert run(url, sync_membership, late_member).outcome is SyncOutcome.IGNORED_DELETED
    assert memberships(url) == {} and org_row(url, org["id"]).name == ""
    again = run(url, delete_organization, org["id"])
    assert again.outcome is DeleteOutcome.ALREADY_DELETED
    # The released slug is free for a new organization.
    assert run(url, sync_organization, clerk_organization(slug="gone")).outcome == "created"


def test_a_delete_before_the_create_still_wins(url):
    org = clerk_organization()
    assert run(url, delete_organization, org["id"]).outcome is DeleteOutcome.DELETED
    assert run(url, sync_organization, org).outcome is SyncOutcome.IGNORED_DELETED
    assert org_row(url, org["id"]).deleted_at is not None


def test_a_malformed_organization_id_is_refused(url):
    with pytest.raises(ValueError):
        run(url, delete_organization, "user_notanorg")
    with pytest.raises(ValueError):
        run(url, sync_organization, clerk_organization(id="org_../x"))


def test_a_slug_goes_to_the_newer_claim(url):
    old = clerk_organization(slug="shared", updated_at=1_000)
    run(url, sync_organization, old)
    newer = clerk_organization(slug="shared", updated_at=2_000)
    assert run(url, sync_organization, newer).organization.slug == "shared"
    assert org_row(url, old["id"]).slug is None  # the stale holder released it
    stale = clerk_organization(slug="shared", updated_at=1_500)
    assert run(url, sync_organization, stale).organization.slug is None
    assert org_row(url, newer["id"]).slug == "shared"


# -- memberships ------------------------------------------------------------------------------


def test_a_membership_before_its_organization_creates_the_organization(url):
    user = synced_user(url)
    org = clerk_organization(name="First seen here")
    result = run(url, sync_membership, clerk_membership(user, org, role="org:admin"))
    assert result.outcome is SyncOutcome.CREATED
    assert result.organization.outcome is SyncOutcome.CREATED
    assert org_row(url, org["id"]).name == "First seen here"
    assert list(memberships(url).values()) == ["org:admin"]


def test_a_membership_before_its_user_raises_and_a_rollback_keeps_nothing(url):
    user, org = clerk_user(), clerk_organization()
    with pytest.raises(MemberNotSynced):
        run(url, sync_membership, clerk_membership(user, org))
    assert org_row(url, org["id"]) is None and memberships(url) == {}


def test_older_membership_data_changes_nothing(url):
    user = synced_user(url)
    membership = clerk_membership(user, clerk_organization(), role="org:admin")
    run(url, sync_membership, membership)
    demoted = updated(membership, role="org:member")
    assert run(url, sync_membership, demoted).outcome is SyncOutcome.UPDATED
    assert run(url, sync_membership, membership).outcome is SyncOutcome.IGNORED_STALE
    assert memberships(url) == {membership["id"]: "org:member"}


def test_no_membership_for_a_tombstoned_user(url):
    user = synced_user(url)
    run(url, delete_user, user["id"])
    result = run(url, sync_membership, clerk_membership(user, clerk_organization()))
    assert result.outcome is SyncOutcome.IGNORED_DELETED and memberships(url) == {}


def test_deleting_a_user_deletes_their_memberships(url):
    user, other = synced_user(url), synced_user(url)
    org = clerk_organization()
    run(url, sync_membership, clerk_membership(user, org))
    kept = clerk_membership(other, org)
    run(url, sync_membership, kept)
    run(url, delete_user, user["id"])
    assert list(memberships(url)) == [kept["id"]]


def test_a_membership_id_naming_another_organization_or_user_is_refused(url):
    user, other = synced_user(url), synced_user(url)
    membership = clerk_membership(user, clerk_organization())
    run(url, sync_membership, membership)
    moved = updated(membership, organization=clerk_organization())
    with pytest.raises(MembershipMismatch):
        run(url, sync_membership, moved)
    stolen = updated(membership)
    stolen["public_user_data"] = {**membership["public_user_data"], "user_id": other["id"]}
    with pytest.raises(MembershipMismatch):
        run(url, sync_membership, stolen)
    with pytest.raises(MembershipMismatch):  # a deletion naming another organization
        run(url, delete_membership, {**membership, "organization": clerk_organization()})
    assert memberships(url) == {membership["id"]: "org:member"}


def test_rejoining_replaces_the_old_membership_of_the_same_pair(url):
    user = synced_user(url)
    org = clerk_organization()
    old = clerk_membership(user, org, updated_at=1_000)
    run(url, sync_membership, old)
    new = clerk_membership(user, org, role="org:admin", updated_at=2_000)
    assert run(url, sync_membership, new).outcome is SyncOutcome.CREATED
    assert memberships(url) == {new["id"]: "org:admin"}
    assert run(url, sync_membership, old).outcome is SyncOutcome.IGNORED_STALE
    assert memberships(url) == {new["id"]: "org:admin"}


def test_deleting_a_membership_leaves_no_row_and_is_idempotent(url):
    user = synced_user(url)
    membership = clerk_membership(user, clerk_organization())
    run(url, sync_membership, membership)
    assert run(url, delete_membership, membership).removed is True
    assert memberships(url) == {}
    assert run(url, delete_membership, membership["id"]).removed is False
    with pytest.raises(ValueError):
        run(url, delete_membership, "org_notamembership")


def test_a_complete_listing_replaces_the_users_set(url):
    user, other = synced_user(url), synced_user(url)
    a, b, c = (clerk_organization() for _ in range(3))
    keep, drop = clerk_membership(user, a), clerk_membership(user, b)
    theirs = clerk_membership(other, b)
    for item in (keep, drop, theirs):
        run(url, sync_membership, item)
    added = clerk_membership(user, c, role="org:admin")
    replaced = run(url, sync_user_memberships, user["id"], [keep, added])
    assert replaced.removed == (drop["id"],)
    assert [r.outcome for r in replaced.results] == [SyncOutcome.UNCHANGED, SyncOutcome.CREATED]
    assert set(memberships(url)) == {keep["id"], added["id"], theirs["id"]}
    assert run(url, sync_user_memberships, user["id"], []).removed == tuple(
        sorted([keep["id"], added["id"]])
    )
    assert set(memberships(url)) == {theirs["id"]}


def test_a_listing_holding_another_users_membership_writes_nothing(url):
    user, other = synced_user(url), synced_user(url)
    mine = clerk_membership(user, clerk_organization())
    run(url, sync_membership, mine)
    with pytest.raises(ValueError):
        run(url, sync_user_memberships, user["id"], [clerk_membership(other, clerk_organization())])
    assert set(memberships(url)) == {mine["id"]}


# -- the o claim -------------------------------------------------------------------------------


def test_the_o_claim_keeps_the_role_current_without_any_call(url):
    user = synced_user(url)
    org = clerk_organization()
    membership = clerk_membership(user, org, updated_at=1_000)
    run(url, sync_membership, membership)
    claim = ActiveOrganization(org["id"], org["slug"], "org:admin")
    assert run(url, apply_active_organization, user["id"], None) is ActiveRole.NO_CLAIM
    assert run(url, apply_active_organization, user["id"], claim, as_of_ms=5_000) == "updated"
    assert memberships(url) == {membership["id"]: "org:admin"}
    assert run(url, apply_active_organization, user["id"], claim) is ActiveRole.CURRENT
    # A delayed webhook older than the token changes nothing.
    assert run(url, sync_membership, updated(membership)).outcome is SyncOutcome.IGNORED_STALE
    assert memberships(url) == {membership["id"]: "org:admin"}
    # A token older than what is stored does not win either.
    old_claim = ActiveOrganization(org["id"], None, "org:member")
    result = run(url, apply_active_organization, user["id"], old_claim, as_of_ms=4_000)
    assert result is ActiveRole.STALE_TOKEN
    assert memberships(url) == {membership["id"]: "org:admin"}


def test_an_unknown_organization_in_the_o_claim_is_reported(url):
    user = synced_user(url)
    claim = ActiveOrganization(clerk_organization()["id"], None, "org:member")
    assert run(url, apply_active_organization, user["id"], claim) is ActiveRole.UNKNOWN
    assert memberships(url) == {}
