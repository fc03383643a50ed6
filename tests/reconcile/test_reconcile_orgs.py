"""Reconcile's organization pass against an in-memory Backend API (tests/support/clerk_orgs.py).

Organizations and memberships are created, updated and removed to match Clerk; nothing
is removed before a complete listing; a dry run writes nothing and says what it would do.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from rich.console import Console

from clerk_app import db, hooks
from clerk_app.clerk.api import ClerkAPI
from clerk_app.reconcile import Action, reconcile
from clerk_app.reconcile.cli import print_report
from tests.support.clerk_orgs import FakeClerk
from tests.support.webhooks import membership_rows, migrated_engine, org_rows, session_factory


@pytest.fixture
def engine(database_url) -> Iterator[sa.Engine]:
    engine = migrated_engine(database_url)
    yield engine
    engine.dispose()
    db.dispose_engines()


@pytest.fixture
def clerk() -> FakeClerk:
    clerk = FakeClerk()
    ada, bob = clerk.add_user(), clerk.add_user()
    acme, globex = clerk.add_org(name="Acme"), clerk.add_org(name="Globex")
    clerk.add_member(ada, acme, "org:admin")
    clerk.add_member(bob, acme)
    clerk.add_member(ada, globex)
    return clerk


async def _no_sleep(seconds: float) -> None:
    return None


async def _run(clerk: FakeClerk, engine: sa.Engine, **options):
    async with ClerkAPI(
        "https://api.clerk.test", "sk", transport=clerk.transport(), sleep=_no_sleep
    ) as api:
        return await reconcile(api, session_factory(engine), **options)


def _summary(report) -> str:
    console = Console(record=True, width=120)
    print_report(console, report, 0.1, verbose=True)
    return console.export_text()


async def test_organizations_and_memberships_are_synced_and_a_rerun_changes_nothing(clerk, engine):
    report = await _run(clerk, engine, page_size=1)
    orgs = report.organizations
    assert report.ok and orgs.complete
    assert (orgs.listed_organizations, orgs.listed_memberships) == (2, 3)
    assert orgs.organizations[Action.CREATED] == 2 and orgs.memberships[Action.CREATED] == 3
    assert {r["name"] for r in org_rows(engine).values()} == {"Acme", "Globex"}
    assert sorted(role for *_, role in membership_rows(engine).values()) == [
        "org:admin",
        "org:member",
        "org:member",
    ]
    text = _summary(report)
    assert "Organizations: 2 organizations, 3 memberships in Clerk" in text
    assert "organizations" in text and "memberships" in text

    again = await _run(clerk, engine)
    assert again.organizations.organizations == {Action.UNCHANGED: 2}
    assert again.organizations.memberships == {Action.UNCHANGED: 3}


async def test_removed_in_clerk_means_removed_here_after_a_complete_listing(clerk, engine):
    await _run(clerk, engine)
    _acme, globex = list(clerk.orgs.values())
    clerk.remove_org(globex["id"])
    left = next(k for k, m in clerk.memberships.items() if m["role"] == "org:member")
    del clerk.memberships[left]
    fired: list = []
    hook = hooks.on_membership_changed(lambda m, change: fired.append(change.kind.value))
    try:
        report = await _run(clerk, engine)
    finally:
        hooks.unregister(hook)
    assert report.ok
    assert report.organizations.organizations[Action.DELETED] == 1
    assert report.organizations.memberships[Action.DELETED] == 2
    assert org_rows(engine)[globex["id"]]["deleted"] is True
    assert set(membership_rows(engine)) == set(clerk.memberships)
    assert fired == ["deleted", "deleted"]
    assert clerk.calls_to(f"/v1/organizations/{globex['id']}") == 1  # confirmed first


async def test_a_dry_run_writes_nothing_and_fires_no_hook(clerk, engine):
    fired: list = []
    hook = hooks.on_organization_synced(lambda org, outcome: fired.append(org.clerk_id))
    try:
        report = await _run(clerk, engine, dry_run=True)
    finally:
        hooks.unregister(hook)
    assert report.organizations.organizations[Action.CREATED] == 2
    assert org_rows(engine) == {} and membership_rows(engine) == {} and fired == []
    assert "would create org_" in _summary(report)


async def test_an_incomplete_listing_removes_nothing(clerk, engine):
    await _run(clerk, engine)
    for org_id in list(clerk.orgs):
        clerk.remove_org(org_id)
    clerk.add_org()
    clerk.fail(r"/v1/organizations/.*/memberships", 500)
    report = await _run(clerk, engine)
    assert not report.ok and report.organizations.error and not report.organizations.complete
    assert not any(r["deleted"] for r in org_rows(engine).values())
    assert len(membership_rows(engine)) == 3
    assert "No organization or membership was removed" in _summary(report)


async def test_an_instance_without_organizations_is_skipped(clerk, engine):
    clerk.fail(r"/v1/organizations", 404)
    report = await _run(clerk, engine)
    assert report.ok and report.organizations.skipped
    assert "Organizations: skipped" in _summary(report)


async def test_a_member_clerk_does_not_list_as_a_user_is_a_listed_failure(clerk, engine):
    ghost = clerk.add_user()
    clerk.add_member(ghost, next(iter(clerk.orgs.values())))
    del clerk.users[ghost["id"]]
    report = await _run(clerk, engine)
    assert report.organizations.memberships[Action.FAILED] == 1
    assert [f.detail for f in report.failures] == ["the member's user is not stored"]
    assert not report.ok and len(membership_rows(engine)) == 3
