"""Concurrent organization syncs: simultaneous deliveries never fail and never duplicate.

Same harness as ``test_concurrency.py``: one thread and one connection per job,
released together by a barrier.
"""

from __future__ import annotations

from collections import Counter

import pytest
import sqlalchemy as sa

from clerk_app import db
from clerk_app.org_models import Organization, OrganizationMembership
from clerk_app.sync import SyncOutcome, sync_membership, sync_organization, sync_user
from tests.support.database import migrated, run
from tests.support.factories import clerk_membership, clerk_organization, clerk_user, updated
from tests.sync.test_concurrency import errors, together


@pytest.fixture
def url(database_url):
    with migrated(database_url) as url:
        yield url


def counts(url: str) -> tuple[int, int]:
    with db.new_session(url) as session:
        orgs = session.scalar(sa.select(sa.func.count()).select_from(Organization))
        members = session.scalar(sa.select(sa.func.count()).select_from(OrganizationMembership))
        return orgs, members


def test_two_deliveries_of_one_membership_before_its_organization(url):
    user = clerk_user()
    run(url, sync_user, user)
    membership = clerk_membership(user, clerk_organization())
    job = lambda session: sync_membership(session, membership).outcome  # noqa: E731
    results = together(url, [job, job], workers=2)
    assert errors(results) == []
    assert Counter(results) == {SyncOutcome.CREATED: 1, SyncOutcome.UNCHANGED: 1}
    assert counts(url) == (1, 1)


def test_many_memberships_of_one_new_organization_at_once(url):
    org = clerk_organization()
    users = [clerk_user() for _ in range(8)]
    for user in users:
        run(url, sync_user, user)
    jobs = [
        (lambda m: lambda session: sync_membership(session, m).outcome)(clerk_membership(u, org))
        for u in users
    ]
    results = together(url, jobs, workers=8)
    assert errors(results) == []
    assert Counter(results) == {SyncOutcome.CREATED: 8}
    assert counts(url) == (1, 8)


def test_an_update_and_an_older_update_at_once_end_on_the_newer(url):
    org = clerk_organization(name="v1")
    run(url, sync_organization, org)
    newer, older = updated(org, name="v3", delta_ms=2000), updated(org, name="v2")
    jobs = [
        lambda session: sync_organization(session, newer).outcome,
        lambda session: sync_organization(session, older).outcome,
    ]
    assert errors(together(url, jobs, workers=2)) == []
    with db.new_session(url) as session:
        assert session.scalar(sa.select(Organization.name)) == "v3"
