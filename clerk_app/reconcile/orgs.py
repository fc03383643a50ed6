"""Reconcile's organization pass: every Clerk organization and its memberships.

Runs after the user pass (a membership needs its user's row), with the same safety:

1. **Sync every organization** (``ClerkAPI.iter_organizations``, oldest first) and,
   for each, every membership (``iter_organization_memberships``): one transaction a
   page of organizations, a SAVEPOINT per object, so one bad object is a listed
   failure. A membership whose user has no row is a failure too (the user pass could
   not store that user).
2. **Only after the complete listing**: local organizations Clerk did not list are
   confirmed one by one with ``GET /v1/organizations/{id}`` (a 404 tombstones them and
   deletes their memberships; one found after all is synced instead), and local
   memberships of listed organizations that Clerk did not list are deleted, except
   rows created after the run began (a webhook's, newer than the listing).

An instance without organizations (the listing answers 403 or 404) skips the pass.
Hooks fire after each commit; a dry run rolls every transaction back and fires none.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlmodel import Session

from clerk_app.clerk.api import ClerkAPI, ClerkAPIError, OrganizationNotFound
from clerk_app.hooks import Pending
from clerk_app.models import utcnow
from clerk_app.org_models import Organization, OrganizationMembership
from clerk_app.reconcile.outcomes import Action, Change, brief
from clerk_app.sync import (
    MemberNotSynced,
    SyncConflict,
    SyncOutcome,
    delete_membership,
    delete_organization,
    sync_membership,
    sync_organization,
)

_ACTIONS = {
    SyncOutcome.CREATED: Action.CREATED,
    SyncOutcome.UPDATED: Action.UPDATED,
    SyncOutcome.UNCHANGED: Action.UNCHANGED,
    SyncOutcome.IGNORED_STALE: Action.UNCHANGED,
}
TOMBSTONED = "tombstoned locally but live in Clerk; tombstones are final"


@dataclass
class OrgCounts:
    """The organization pass's part of a report."""

    organizations: Counter[Action] = field(default_factory=Counter)
    memberships: Counter[Action] = field(default_factory=Counter)
    changes: list[Change] = field(default_factory=list)
    listed_organizations: int = 0
    listed_memberships: int = 0
    complete: bool = False
    #: Why the pass was skipped (organizations not enabled), if it was.
    skipped: str | None = None
    error: str | None = None

    def record(self, change: Change, *, membership: bool = False) -> None:
        (self.memberships if membership else self.organizations)[change.action] += 1
        if change.action is not Action.UNCHANGED:
            self.changes.append(change)


Listing = tuple[dict[str, Any], list[dict[str, Any]]]


class OrgReconciler:
    def __init__(
        self,
        api: ClerkAPI,
        sessions: Callable[[], Session],
        *,
        dry_run: bool,
        page_size: int,
        progress: Any,
    ) -> None:
        self.api, self.sessions, self.dry_run = api, sessions, dry_run
        self.page_size, self.progress = page_size, progress
        self.started: datetime = utcnow()

    async def run(self, counts: OrgCounts) -> None:
        live: dict[str, set[str]] = {}
        try:
            await self._sync_all(counts, live)
        except ClerkAPIError as exc:
            if exc.status in (403, 404) and counts.listed_organizations == 0:
                counts.skipped = f"organizations not enabled ({exc.status})"
            else:
                counts.error = f"listing organizations failed: {exc}"
            return
        except sa_exc.SQLAlchemyError as exc:
            counts.error = f"database error: {brief(exc)}"
            return
        counts.complete = True
        try:
            await self._remove_missing(counts, live)
        except sa_exc.SQLAlchemyError as exc:
            counts.error = f"database error: {brief(exc)}"
        except ClerkAPIError as exc:  # a member listing of a re-found org
            counts.error = f"confirming organizations failed: {exc}"

    async def _listing(self, org: dict[str, Any]) -> Listing:
        org_id = org.get("id")
        members = [m async for m in self.api.iter_organization_memberships(org_id)]
        return org, members

    async def _sync_all(self, counts: OrgCounts, live: dict[str, set[str]]) -> None:
        self.progress.phase("Syncing Clerk organizations", None)
        page: list[Listing] = []
        async for org in self.api.iter_organizations(page_size=self.page_size):
            counts.listed_organizations += 1
            listing = await self._listing(org)
            counts.listed_memberships += len(listing[1])
            live[str(org.get("id"))] = {str(m.get("id")) for m in listing[1]}
            page.append(listing)
            if len(page) == self.page_size:
                await self._apply(counts, page)
                page = []
        if page:
            await self._apply(counts, page)

    async def _apply(self, counts: OrgCounts, page: list[Listing]) -> None:
        changes, pending = await asyncio.to_thread(self._sync_page, page)
        for change, is_membership in changes:
            counts.record(change, membership=is_membership)
        if not self.dry_run:
            await asyncio.to_thread(pending.fire)
        self.progress.advance(len(page))

    def _transaction(self, work: Callable[[Session, Pending], list]) -> tuple[list, Pending]:
        pending = Pending()
        with self.sessions() as session:
            try:
                changes = work(session, pending)
                session.rollback() if self.dry_run else session.commit()
            except BaseException:
                session.rollback()
                raise
        return changes, pending

    def _sync_page(self, page: list[Listing]) -> tuple[list, Pending]:
        def work(session: Session, pending: Pending) -> list:
            changes = []
            for org, members in page:
                changes.append((self._sync_org(session, org, pending), False))
                for member in members:
                    changes.append((self._sync_member(session, member, pending), True))
            return changes

        return self._transaction(work)

    def _sync_org(self, session: Session, org: dict[str, Any], pending: Pending) -> Change:
        key = str(org.get("id") or "?")
        try:
            with session.begin_nested():
                result = sync_organization(session, org)
        except (SyncConflict, sa_exc.IntegrityError, sa_exc.DataError) as exc:
            return Change(Action.FAILED, key, f"conflict: {brief(exc)}")
        except (ValueError, TypeError, AttributeError) as exc:
            return Change(Action.FAILED, key, f"unexpected organization data: {exc}")
        if result.outcome is SyncOutcome.IGNORED_DELETED:
            return Change(Action.FAILED, key, TOMBSTONED)
        pending.organization_synced(result.organization, result.outcome)
        return Change(_ACTIONS[result.outcome], key, result.organization.slug or "")

    def _sync_member(self, session: Session, member: dict[str, Any], pending: Pending) -> Change:
        key = str(member.get("id") or "?")
        try:
            with session.begin_nested():
                result = sync_membership(session, member)
        except MemberNotSynced:
            return Change(Action.FAILED, key, "the member's user is not stored")
        except (SyncConflict, sa_exc.IntegrityError, sa_exc.DataError) as exc:
            return Change(Action.FAILED, key, f"conflict: {brief(exc)}")
        except (ValueError, TypeError, AttributeError) as exc:
            return Change(Action.FAILED, key, f"unexpected membership data: {exc}")
        if result.outcome is SyncOutcome.IGNORED_DELETED:
            return Change(Action.FAILED, key, "its organization or user is tombstoned")
        pending.membership_synced(result.membership, result.outcome)
        return Change(_ACTIONS[result.outcome], key, result.membership.role)

    # -- after the complete listing --------------------------------------------------------

    def _local(self) -> tuple[set[str], list[tuple[str, str, datetime]]]:
        o, m = Organization.__table__, OrganizationMembership.__table__
        with self.sessions() as session:
            orgs = set(session.scalars(sa.select(o.c.clerk_id).where(o.c.deleted_at.is_(None))))
            members = session.execute(
                sa.select(m.c.clerk_id, o.c.clerk_id, m.c.created_at).join(
                    o, o.c.id == m.c.organization_id
                )
            ).all()
        return orgs, [tuple(row) for row in members]

    async def _remove_missing(self, counts: OrgCounts, live: dict[str, set[str]]) -> None:
        local_orgs, local_members = await asyncio.to_thread(self._local)
        gone: list[str] = []
        for org_id in sorted(local_orgs - set(live)):
            try:
                org = await self.api.get_organization(org_id)
            except OrganizationNotFound:
                gone.append(org_id)
            except (ClerkAPIError, ValueError) as exc:
                counts.record(Change(Action.FAILED, org_id, f"cannot confirm deletion: {exc}"))
            else:  # skipped by offset paging, or created during the run
                listing = await self._listing(org)
                live[org_id] = {str(m.get("id")) for m in listing[1]}
                await self._apply(counts, [listing])
        stale = [
            member
            for member, org_id, created in local_members
            if org_id in live and member not in live[org_id] and created < self.started
        ]
        changes, pending = await asyncio.to_thread(self._delete, gone, stale)
        for change, is_membership in changes:
            counts.record(change, membership=is_membership)
        if not self.dry_run:
            await asyncio.to_thread(pending.fire)

    def _delete(self, orgs: list[str], members: list[str]) -> tuple[list, Pending]:
        def work(session: Session, pending: Pending) -> list:
            changes = []
            for org_id in orgs:
                deleted = delete_organization(session, org_id)
                pending.organization_deleted(org_id)
                changes.append((Change(Action.DELETED, org_id), False))
                for member in deleted.memberships:
                    pending.membership_deleted(member)
                    changes.append((Change(Action.DELETED, member), True))
            for member in members:
                gone = delete_membership(session, member)
                if gone.removed:
                    pending.membership_deleted(member, gone.organization_id, gone.user_id)
                    changes.append((Change(Action.DELETED, member), True))
            return changes

        return self._transaction(work)
