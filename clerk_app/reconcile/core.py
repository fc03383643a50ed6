"""The reconcile pass: make the local ``user`` table agree with Clerk's user list.

For users who never came back (no sign-in upsert) and for events missed while
webhooks were off or failing. It uses the same :func:`clerk_app.sync.sync_user`
/ :func:`~clerk_app.sync.delete_user` as the other two paths, so all three
agree on what "in sync" means.

1. **Sync every Clerk user**, 500 a page (``ClerkAPI.iter_users``, oldest
   first, so sign-ups during the run land at the end). Each page is one
   transaction, each user a SAVEPOINT inside it: one bad user is a listed
   failure, not a lost page. Pages are committed as they go, so an
   interrupted run keeps its work and a rerun simply finds it unchanged.
2. **Tombstone local users Clerk no longer has**, and only after the listing
   completed: a partial listing says nothing about the users it did not
   reach. Even then, offset paging can skip a user when another is deleted
   mid-run, so every candidate is confirmed with ``GET /v1/users/{id}``: a
   404 is a deletion; a user that is found after all is synced instead.

Rate limits are ``ClerkAPI``'s business (it waits on 429). Database work runs
in a worker thread so the event loop stays free for the HTTP client.

3. **Organizations and their memberships** (:mod:`.orgs`), the same way, once the
   users are in.

Hooks (:mod:`clerk_app.hooks`) fire after each commit. ``dry_run`` does all of the
above inside transactions that are rolled back: the outcomes are computed by the real
statements, and nothing is committed.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlmodel import Session

from clerk_app.clerk.api import ClerkAPI, ClerkAPIError, UserNotFound
from clerk_app.hooks import Pending
from clerk_app.models import User
from clerk_app.reconcile.orgs import OrgCounts, OrgReconciler
from clerk_app.reconcile.outcomes import Action, Change, brief
from clerk_app.sync import (
    SyncConflict,
    SyncOutcome,
    UserWithoutEmail,
    clerk_user_data,
    delete_user,
    sync_user_outcome,
)

SessionFactory = Callable[[], Session]
PAGE_SIZE = 500
#: Deletions committed together (each is one small statement).
DELETE_BATCH = 100


_FROM_SYNC = {
    SyncOutcome.CREATED: Action.CREATED,
    SyncOutcome.UPDATED: Action.UPDATED,
    SyncOutcome.UNCHANGED: Action.UNCHANGED,
    # Our data is newer than the listing (a webhook got there first): nothing to do.
    SyncOutcome.IGNORED_STALE: Action.UNCHANGED,
}
#: A tombstone is final, so a live Clerk user with one is an anomaly to report.
TOMBSTONED_BUT_LIVE = "tombstoned locally but live in Clerk; tombstones are final"


@dataclass
class Report:
    """What a run did (or, in a dry run, would do)."""

    dry_run: bool = False
    counts: Counter[Action] = field(default_factory=Counter)
    #: Created / updated / deleted users and failures, in the order they happened.
    changes: list[Change] = field(default_factory=list)
    listed: int = 0
    #: False when the listing stopped early: no deletion was applied then.
    complete: bool = False
    #: Why the run stopped early (listing or database error), if it did.
    error: str | None = None
    #: The organization pass (organizations and their memberships).
    organizations: OrgCounts = field(default_factory=OrgCounts)

    @property
    def failures(self) -> list[Change]:
        changes = [*self.changes, *self.organizations.changes]
        return [c for c in changes if c.action is Action.FAILED]

    @property
    def ok(self) -> bool:
        orgs = self.organizations
        orgs_ok = (orgs.complete or orgs.skipped is not None) and orgs.error is None
        return self.complete and self.error is None and orgs_ok and not self.failures

    def record(self, change: Change) -> None:
        self.counts[change.action] += 1
        if change.action is not Action.UNCHANGED:
            self.changes.append(change)


class Progress(Protocol):
    def phase(self, description: str, total: int | None) -> None: ...

    def advance(self, n: int = 1) -> None: ...


class _NoProgress:
    def phase(self, description: str, total: int | None) -> None:
        pass

    def advance(self, n: int = 1) -> None:
        pass


def _describe(user: Mapping[str, Any]) -> str:
    try:
        return clerk_user_data(user).email
    except (ValueError, TypeError, AttributeError):
        return ""


class Reconciler:
    """One reconcile run against one Clerk instance and one database."""

    def __init__(
        self,
        api: ClerkAPI,
        session_factory: SessionFactory,
        *,
        dry_run: bool = False,
        page_size: int = PAGE_SIZE,
        progress: Progress | None = None,
    ) -> None:
        self.api = api
        self.sessions = session_factory
        self.dry_run = dry_run
        self.page_size = page_size
        self.progress = progress or _NoProgress()

    async def run(self) -> Report:
        report = Report(dry_run=self.dry_run)
        live: set[str] = set()
        try:
            await self._sync_all(report, live)
        except ClerkAPIError as exc:
            report.error = f"listing Clerk users failed after {report.listed} users: {exc}"
            return report
        except sa_exc.SQLAlchemyError as exc:
            report.error = f"database error: {brief(exc)}"
            return report
        report.complete = True
        try:
            await self._remove_missing(report, live)
        except sa_exc.SQLAlchemyError as exc:
            report.error = f"database error: {brief(exc)}"
            return report
        options = {"dry_run": self.dry_run, "page_size": self.page_size}
        orgs = OrgReconciler(self.api, self.sessions, progress=self.progress, **options)
        await orgs.run(report.organizations)
        return report

    # -- phase 1: every Clerk user ---------------------------------------------------------

    async def _sync_all(self, report: Report, live: set[str]) -> None:
        self.progress.phase("Syncing Clerk users", await self.api.count_users())
        page: list[dict[str, Any]] = []
        async for user in self.api.iter_users(page_size=self.page_size):
            report.listed += 1
            if isinstance(user.get("id"), str):
                live.add(user["id"])
            page.append(user)
            if len(page) == self.page_size:
                await self._sync_page(report, page)
                page = []
        if page:
            await self._sync_page(report, page)

    async def _sync_page(self, report: Report, users: list[dict[str, Any]]) -> None:
        changes, pending = await asyncio.to_thread(self._sync_users, users)
        for change in changes:
            report.record(change)
        await self._fire(pending)
        self.progress.advance(len(users))

    async def _fire(self, pending: Pending) -> None:
        """The hooks of a committed transaction (a dry run commits nothing: none)."""
        if not self.dry_run:
            await asyncio.to_thread(pending.fire)

    def _sync_users(self, users: Iterable[Mapping[str, Any]]) -> tuple[list[Change], Pending]:
        changes, pending = [], Pending()
        with self.sessions() as session:
            try:
                for user in users:
                    changes.append(self._sync_one(session, user, pending))
                self._finish(session)
            except BaseException:
                session.rollback()
                raise
        return changes, pending

    def _sync_one(self, session: Session, user: Mapping[str, Any], pending: Pending) -> Change:
        clerk_id = str(user.get("id") or "?")
        try:
            with session.begin_nested():
                result = sync_user_outcome(session, user)
                outcome = result.outcome
        except UserWithoutEmail:
            return Change(Action.FAILED, clerk_id, "no primary email address")
        except (SyncConflict, sa_exc.IntegrityError, sa_exc.DataError) as exc:
            return Change(Action.FAILED, clerk_id, f"conflict: {brief(exc)}")
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            return Change(Action.FAILED, clerk_id, f"unexpected user data: {exc}")
        if outcome is SyncOutcome.IGNORED_DELETED:
            return Change(Action.FAILED, clerk_id, TOMBSTONED_BUT_LIVE)
        pending.user_synced(result.user, outcome)
        return Change(_FROM_SYNC[outcome], clerk_id, _describe(user))

    def _finish(self, session: Session) -> None:
        if self.dry_run:
            session.rollback()
        else:
            session.commit()

    # -- phase 2: local users Clerk no longer has -----------------------------------------------

    def _local_live_ids(self) -> set[str]:
        with self.sessions() as session:
            query = sa.select(User.clerk_id).where(User.deleted_at.is_(None))
            return set(session.scalars(query))

    async def _remove_missing(self, report: Report, live: set[str]) -> None:
        candidates = sorted(await asyncio.to_thread(self._local_live_ids) - live)
        self.progress.phase("Checking local users missing from Clerk", len(candidates))
        gone: list[str] = []
        for clerk_id in candidates:
            try:
                user = await self.api.get_user(clerk_id)
            except UserNotFound:
                gone.append(clerk_id)
            except ValueError:
                report.record(Change(Action.FAILED, clerk_id, "not a Clerk user id"))
            except ClerkAPIError as exc:
                report.record(Change(Action.FAILED, clerk_id, f"cannot confirm deletion: {exc}"))
            else:  # skipped by offset paging, or created during the run
                await self._sync_page(report, [user])
                continue
            self.progress.advance()
        for start in range(0, len(gone), DELETE_BATCH):
            batch = gone[start : start + DELETE_BATCH]
            await self._fire(await asyncio.to_thread(self._delete_users, batch))
            for clerk_id in batch:
                report.record(Change(Action.DELETED, clerk_id))

    def _delete_users(self, clerk_ids: list[str]) -> Pending:
        pending = Pending()
        with self.sessions() as session:
            try:
                for clerk_id in clerk_ids:
                    delete_user(session, clerk_id)
                    pending.user_deleted(clerk_id)
                self._finish(session)
            except BaseException:
                session.rollback()
                raise
        return pending


async def reconcile(api: ClerkAPI, session_factory: SessionFactory, **options: Any) -> Report:
    """Run one reconcile pass (``options``: :class:`Reconciler`'s); see the module docstring."""
    return await Reconciler(api, session_factory, **options).run()
