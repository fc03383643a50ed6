"""/welcome's organization part: the signed-in user's memberships, at most one call.

:func:`after_user_sync` runs once :func:`clerk_app.members.sync_account` has upserted
the user. The rule (docs/sync.md, "The /welcome call rule"):

* **the user row was created or changed by this sync** (a first sign-in, and every new
  sign-in, since Clerk's ``last_sign_in_at`` moves): exactly one
  ``GET /v1/users/{id}/organization_memberships`` (up to 500 memberships), and the
  user's stored set is replaced by that complete listing;
* **otherwise** (a reload, a second tab): no call, unless the verified token's ``o``
  claim (the active organization) names an organization or membership we do not
  store; a role that differs is corrected from the claim with one guarded ``UPDATE``
  (:func:`clerk_app.sync.apply_active_organization`), no call.

A failure here (Clerk unreachable, rate limited, database error) is logged and does
not fail the sign-in: the user's row is already synced, webhooks and reconcile keep
memberships in line, and the next sign-in lists them again. Hooks
(:mod:`clerk_app.hooks`) fire after each commit, in a worker thread.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Mapping
from typing import Any

from sqlmodel import Session

from clerk_app import db, services
from clerk_app.clerk.api import ClerkAPIError
from clerk_app.clerk.organizations import active_organization
from clerk_app.hooks import Pending
from clerk_app.sync import (
    ActiveRole,
    SyncOutcome,
    SyncResult,
    apply_active_organization,
    sync_user_memberships,
)

logger = logging.getLogger(__name__)


class MembershipSync(enum.StrEnum):
    #: The listing was fetched (one call) and the user's set replaced.
    LISTED = "listed"
    #: No call: nothing changed, or the ``o`` claim matched (or corrected) the stored role.
    SKIPPED = "skipped"
    #: The listing or its write failed (logged); the sign-in goes on.
    FAILED = "failed"


def _fetch_needed(result: SyncResult, active_role: ActiveRole) -> bool:
    if result.outcome in (SyncOutcome.CREATED, SyncOutcome.UPDATED):
        return True
    return active_role is ActiveRole.UNKNOWN


async def _in_transaction(fn: Any, *args: Any) -> Any:
    async def work() -> Any:
        async with db.async_session_scope() as session:
            return await session.run_sync(fn, *args)

    return await db.run(work)


def _claim_time_ms(claims: Mapping[str, Any]) -> int | None:
    iat = claims.get("iat")
    return iat * 1000 if isinstance(iat, int) and not isinstance(iat, bool) and iat > 0 else None


def _replace(session: Session, user_id: str, listing: list, pending: Pending) -> None:
    replaced = sync_user_memberships(session, user_id, listing)
    for item in replaced.results:
        pending.organization_synced(item.organization.organization, item.organization.outcome)
        pending.membership_synced(item.membership, item.outcome)
    for clerk_id in replaced.removed:
        pending.membership_deleted(clerk_id)


async def after_user_sync(
    user_id: str, claims: Mapping[str, Any], result: SyncResult
) -> MembershipSync:
    """Fire the user's hook, then bring the user's memberships in line (see the module doc).

    ``user_id`` and ``claims`` come from the verified session token only.
    """
    pending = Pending()
    pending.user_synced(result.user, result.outcome)
    outcome = MembershipSync.SKIPPED
    try:
        if result.user.deleted_at is not None:
            return outcome
        role = ActiveRole.NO_CLAIM
        if result.outcome not in (SyncOutcome.CREATED, SyncOutcome.UPDATED):
            active = active_organization(claims)
            as_of = _claim_time_ms(claims)
            role = await _in_transaction(
                lambda session: apply_active_organization(session, user_id, active, as_of_ms=as_of)
            )
        if _fetch_needed(result, role):
            api = services.get_clerk_api()
            listing = await api.get_user_organization_memberships(user_id)
            await _in_transaction(_replace, user_id, listing, pending)
            outcome = MembershipSync.LISTED
    except (ClerkAPIError, db.Unavailable, ValueError) as exc:
        logger.warning("memberships of %s not synced on /welcome: %s", user_id, exc)
        outcome = MembershipSync.FAILED
    finally:
        await asyncio.to_thread(pending.fire)
    return outcome
