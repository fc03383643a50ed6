"""One verified Clerk event → the sync call it means, and the hooks it fires.

:mod:`clerk_app.webhooks` owns the transaction, the idempotency claim and the error
policy; this module only maps an event type to the sync function (the same ones
``/welcome`` and reconcile use) and records the hook calls to fire after the commit.
"""

from __future__ import annotations

from sqlmodel import Session

from clerk_app.clerk import events as ev
from clerk_app.hooks import Pending
from clerk_app.sync import (
    delete_membership,
    delete_organization,
    delete_user,
    sync_membership,
    sync_organization,
    sync_user_outcome,
)


def apply_change(session: Session, event: ev.ClerkEvent, pending: Pending) -> str:
    """Apply ``event`` in ``session`` (the caller commits); what it did, for the answer.

    Raises whatever the sync functions raise (see :mod:`clerk_app.webhooks`).
    """
    kind, data = event.type, event.data
    if kind == ev.DELETE_TYPE:
        delete_user(session, data["id"])
        pending.user_deleted(data["id"])
        return "deleted"
    if kind in ev.UPSERT_TYPES:
        result = sync_user_outcome(session, data)
        pending.user_synced(result.user, result.outcome)
        return result.outcome.value
    if kind in ev.ORG_UPSERT_TYPES:
        org = sync_organization(session, data)
        pending.organization_synced(org.organization, org.outcome)
        return org.outcome.value
    if kind == ev.ORG_DELETE_TYPE:
        deleted = delete_organization(session, data["id"])
        pending.organization_deleted(deleted.clerk_id)
        for membership in deleted.memberships:
            pending.membership_deleted(membership)
        return deleted.outcome.value
    if kind in ev.MEMBERSHIP_UPSERT_TYPES:
        result = sync_membership(session, data)
        pending.organization_synced(result.organization.organization, result.organization.outcome)
        pending.membership_synced(result.membership, result.outcome)
        return result.outcome.value
    if kind == ev.MEMBERSHIP_DELETE_TYPE:
        gone = delete_membership(session, data)
        if gone.removed:
            pending.membership_deleted(gone.clerk_id, gone.organization_id, gone.user_id)
        return "deleted" if gone.removed else "absent"
    raise ValueError(f"unhandled event type {kind}")  # pragma: no cover - parse_event filters
