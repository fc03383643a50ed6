"""Saving the app-managed part of a profile (bio, links, preferences).

One ``UPDATE … WHERE clerk_id = :id AND deleted_at IS NULL RETURNING *``: atomic,
no read-modify-write race with a concurrent sync (which never writes these
columns), and a deleted user's row cannot be written to. Only the fields set on
the :class:`~clerk_app.models.ProfileUpdate` change.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session

from clerk_app.models import ProfileUpdate, User, utcnow


def update_profile(session: Session, clerk_id: str, update: ProfileUpdate) -> User | None:
    """Apply ``update`` to the live user ``clerk_id``; ``None`` if there is none. Caller commits."""
    values = update.model_dump(exclude_unset=True)
    stmt = (
        sa.update(User.__table__)
        .where(User.__table__.c.clerk_id == clerk_id, User.__table__.c.deleted_at.is_(None))
        .values(**values, updated_at=utcnow())
        .returning(*User.__table__.c)
    )
    query = sa.select(User).from_statement(stmt).execution_options(populate_existing=True)
    return session.scalars(query).one_or_none()
