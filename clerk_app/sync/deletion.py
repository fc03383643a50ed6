"""Deletion: a tombstone, so a deleted user stays deleted whatever arrives later."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session

from clerk_app.models import User, new_user_id, utcnow
from clerk_app.org_models import OrganizationMembership
from clerk_app.sync.statements import statements_for, user_from_row


def delete_user(session: Session, clerk_id: str) -> None:
    """Tombstone a Clerk user: the deletion policy.

    The row is kept with ``deleted_at`` set and everything personal cleared:
    email and username are released (NULL) for whoever owns them next, names,
    image, bio and links are erased, preferences reset. Keeping the row is what
    makes deletion final: :func:`sync_user` never updates a tombstone, whatever
    the ``updated_at`` of a late or replayed delivery. An unknown ``clerk_id``
    gets a tombstone too, so ``user.deleted`` delivered before ``user.created``
    still wins. Deleting twice changes nothing. The user's organization memberships
    are deleted with it (Clerk removes them too). The caller commits.
    """
    statements, _ = statements_for(session)
    now = utcnow()
    params = {"id": new_user_id(), "clerk_id": clerk_id, "now": now}
    user_from_row(session, session.execute(statements.tombstone, params).one_or_none())
    users = sa.select(User.id).where(User.clerk_id == clerk_id).scalar_subquery()
    session.execute(
        sa.delete(OrganizationMembership).where(OrganizationMembership.user_id == users)
    )
